package bestpractice_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/asqlite/asqlite/ext/bestpractice"
	"github.com/asqlite/asqlite/sqlite"
)

// Apply every recommended setting to a new connection.
func ExampleApply() {
	dir, _ := os.MkdirTemp("", "bestpractice")
	defer os.RemoveAll(dir)
	conn, err := sqlite.Open(filepath.Join(dir, "app.db"), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	defer sqlite.SetLogHandler(nil)

	if err := bestpractice.Apply(conn, bestpractice.Recommended()...); err != nil {
		fmt.Println(err)
		return
	}
	mode, _ := conn.JournalMode()
	fk, _ := conn.ForeignKeys()
	fmt.Println("journal mode:", mode)
	fmt.Println("foreign keys:", fk)
	fmt.Println("busy timeout:", conn.BusyTimeout())
	// Output:
	// journal mode: wal
	// foreign keys: true
	// busy timeout: 5s
}

// Apply some settings alone.
func ExampleForeignKeys() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()

	bestpractice.Apply(conn, bestpractice.ForeignKeys, bestpractice.BusyTimeout(time.Second))
	err := conn.Exec(`CREATE TABLE author(id INTEGER PRIMARY KEY);
		CREATE TABLE book(author REFERENCES author(id));
		INSERT INTO book VALUES (7)`)
	fmt.Println(err)
	// Output:
	// sqlite: FOREIGN KEY constraint failed (SQLITE_CONSTRAINT_FOREIGNKEY) in "INSERT INTO book VALUES (7)"
}

// A misspelt column in double quotes is an error, not a string.
func ExampleNoDoubleQuotedStrings() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()
	conn.Exec("CREATE TABLE t(name); INSERT INTO t VALUES ('x')")

	for row, err := range conn.Query(`SELECT "nmae" FROM t`) {
		fmt.Println("before:", row.ColumnText(0), err)
	}
	bestpractice.Apply(conn, bestpractice.NoDoubleQuotedStrings)
	for _, err := range conn.Query(`SELECT "nmae" FROM t`) {
		fmt.Println("after:", err)
	}
	// Output:
	// before: nmae <nil>
	// after: sqlite: no such column: "nmae" - should this be a string literal in single-quotes? (SQLITE_ERROR) at byte 7 of "SELECT \"nmae\" FROM t"
}

// SQLite's error log goes to a slog.Logger.
func ExampleLogging() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output for the example
			}
			return a
		},
	}))
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()
	defer sqlite.SetLogHandler(nil)

	bestpractice.Apply(conn, bestpractice.Logging(logger))
	conn.Exec("SELECT * FROM missing")
	// Output:
	// level=WARN msg="sqlite: no such table: missing in \"SELECT * FROM missing\"" code=SQLITE_ERROR errcode=1
}
