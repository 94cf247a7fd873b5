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

func ExampleQueryInfo() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()
	conn.Exec(`CREATE TABLE book(title TEXT, year INTEGER); CREATE INDEX book_year ON book(year)`)

	q, err := inspect.QueryInfo(conn, "SELECT upper(title) AS t, year FROM book WHERE year > :after ORDER BY title",
		sqlite.Named("after", 1950))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("read-only:", q.ReadOnly)
	fmt.Println("parameters:", q.Params)
	for _, c := range q.Columns {
		fmt.Printf("column %s: %q from %q\n", c.Name, c.DeclType, c.Table)
	}
	fmt.Println("expanded:", q.ExpandedSQL)
	for _, a := range q.Actions {
		fmt.Println("action:", a)
	}
	fmt.Print(q.Plan)
	fmt.Println("program starts with", q.Program[0].Opcode)
	// Output:
	// read-only: true
	// parameters: [:after]
	// column t: "" from ""
	// column year: "INTEGER" from "book"
	// expanded: SELECT upper(title) AS t, year FROM book WHERE year > 1950 ORDER BY title
	// action: SQLITE_SELECT
	// action: SQLITE_FUNCTION upper
	// action: SQLITE_READ main.book.title
	// action: SQLITE_READ main.book.year
	// action: SQLITE_READ main.book.year
	// action: SQLITE_READ main.book.title
	// QUERY PLAN
	// |--SEARCH book USING INDEX book_year (year>?)
	// `--USE TEMP B-TREE FOR ORDER BY
	// program starts with Init
}
