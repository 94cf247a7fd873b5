package shell_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/shell"
	"github.com/asqlite/asqlite/sqlite"
)

func Example() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	sh := shell.New(conn, os.Stdout, os.Stdout)
	defer sh.Close()

	// A script, as sqlite3 reads it on its standard input.
	script := `
CREATE TABLE birds(name, weight);
INSERT INTO birds VALUES ('wren', 0.01), ('swan', 11.5);
.mode box
SELECT * FROM birds;
.mode json
SELECT name FROM birds WHERE weight > 1;
`
	if err := sh.Run(context.Background(), strings.NewReader(script)); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ┌──────┬────────┐
	// │ name │ weight │
	// ├──────┼────────┤
	// │ wren │ 0.01   │
	// │ swan │ 11.5   │
	// └──────┴────────┘
	// [{"name":"swan"}]
}

func ExampleShell_Exec() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	if err := conn.Exec("CREATE TABLE t(x, y); CREATE INDEX t_x ON t(x)"); err != nil {
		panic(err)
	}
	sh := shell.New(conn, os.Stdout, os.Stdout)
	defer sh.Close()
	ctx := context.Background()
	for _, cmd := range []string{".tables", ".indexes", ".mode quote", "SELECT 'it''s', 1.0, x'cafe', NULL"} {
		if err := sh.Exec(ctx, cmd); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// t
	// t_x
	// 'it''s',1.0,X'cafe',NULL
}

func ExampleShell_Run_errors() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	// Errors go to the error writer, as sqlite3 reports them; Run goes on
	// and tells at the end that something failed.
	sh := shell.New(conn, os.Stdout, os.Stdout)
	defer sh.Close()
	err = sh.Run(context.Background(), strings.NewReader("SELECT 1;\nSELECT nope;\nSELECT 2;\n"))
	fmt.Println(err)
	// Output:
	// 1
	// Parse error near line 2: no such column: nope
	//   SELECT nope;
	//          ^--- error here
	// 2
	// shell: errors in input: 1 failed
}

// A shell on a connection of an asqlite.DB shows the DB's figures in
// .stats.
func ExampleShell_SetDB() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := asqlite.Open(ctx, filepath.Join(dir, "app.db"), nil)
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE TABLE t(x); INSERT INTO t VALUES (1)"); err != nil {
		panic(err)
	}

	var out strings.Builder
	err = db.Read(ctx, func(sc *sqlite.Conn) error {
		sh := shell.New(sc, &out, os.Stderr)
		defer sh.Close()
		sh.SetDB(db)
		return sh.Exec(ctx, ".stats")
	})
	if err != nil {
		panic(err)
	}
	for line := range strings.Lines(out.String()) {
		if strings.HasPrefix(line, "DB writes") || strings.HasPrefix(line, "DB commits") {
			fmt.Print(line)
		}
	}
	// Output:
	// DB writes:                           1 (errors 0)
	// DB commits:                          1 (rollbacks 0)
}
