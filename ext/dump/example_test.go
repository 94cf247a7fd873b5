package dump_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/asqlite/asqlite/ext/dump"
	"github.com/asqlite/asqlite/sqlite"
)

func ExampleDump() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()
	conn.Exec(`CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);
		INSERT INTO notes(body) VALUES ('it''s here'), (NULL);
		PRAGMA user_version = 3`)

	if err := dump.Dump(conn, os.Stdout, nil); err != nil {
		fmt.Println(err)
	}
	// Output:
	// PRAGMA foreign_keys=OFF;
	// BEGIN TRANSACTION;
	// CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);
	// INSERT INTO "notes"(rowid,"id","body") VALUES(1,1,'it''s here');
	// INSERT INTO "notes"(rowid,"id","body") VALUES(2,2,NULL);
	// PRAGMA user_version=3;
	// COMMIT;
}

func ExampleRestore() {
	src, _ := sqlite.Open(":memory:", 0)
	defer src.Close()
	src.Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
	var text bytes.Buffer
	dump.Dump(src, &text, nil)

	dst, _ := sqlite.Open(":memory:", 0)
	defer dst.Close()
	if err := dump.Restore(dst, &text); err != nil {
		fmt.Println(err)
	}
	for row, _ := range dst.Query("SELECT sum(x) FROM t") {
		fmt.Println("sum:", row.ColumnInt(0))
	}
	// Output: sum: 6
}
