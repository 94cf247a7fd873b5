package inspect_test

import (
	"fmt"

	"github.com/asqlite/asqlite/ext/inspect"
	"github.com/asqlite/asqlite/sqlite"
)

func ExampleAnalyzePages() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()
	conn.Exec(`CREATE TABLE t(x); CREATE INDEX t_x ON t(x);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000)
		INSERT INTO t SELECT i FROM n`)

	usage, err := inspect.AnalyzePages(conn, "main", inspect.ScopeTable)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, u := range usage.Usage {
		fmt.Printf("%s: tables %v, indexes %v, %d cells\n", u.Name, u.Tables, u.Indexes, u.Cells)
	}
	// Output:
	// sqlite_schema: tables [sqlite_schema], indexes [], 2 cells
	// t: tables [t], indexes [t_x], 2002 cells
}
