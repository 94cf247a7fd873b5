package usage_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/asqlite/asqlite/ext/usage"
	"github.com/asqlite/asqlite/sqlite"
)

// Print what a block used. The figures vary from run to run, so this
// example shows no output.
func ExampleDo() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()

	usage.Do(conn, os.Stdout, nil, func() error {
		return conn.Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100000) SELECT sum(i) FROM n")
	})
}

// Measure a block and use the figures.
func ExampleMeasure() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()

	u, err := usage.Measure(conn, nil, func() error {
		return conn.Exec(`CREATE TABLE t(x);
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000)
			INSERT INTO t SELECT i FROM n;
			SELECT x FROM t ORDER BY x DESC LIMIT 1`)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("statements:", u.Statements)
	fmt.Println("sorts:", u.Stmt.Sorts)
	fmt.Println("full scan steps:", u.Stmt.FullScanSteps)
	fmt.Println("took some time:", u.Wall > 0)
	// Output:
	// statements: 3
	// sorts: 1
	// full scan steps: 999
	// took some time: true
}

// Start and Stop measure a span; Lines gives the printed figures, here
// only those of SQLite's statements.
func ExampleMeter() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()

	m, err := usage.Start(conn, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	conn.Exec("SELECT 1 UNION ALL SELECT 2")
	for _, l := range m.Stop().Lines() {
		if strings.HasPrefix(l.Label, "SQLite") && strings.Contains(l.Label, "operations") {
			fmt.Printf("%s: %s\n", l.Label, l.Value)
		}
	}
	// Output:
	// SQLite vm operations: 7
}
