package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/driver"
)

func Example() {
	db, err := sql.Open("asqlite", "file:example?mode=memory&_txlock=immediate")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	db.Exec("CREATE TABLE langs(name TEXT, year INTEGER)")
	db.Exec("INSERT INTO langs VALUES(:name, :year)", sql.Named("name", "Go"), sql.Named("year", 2009))

	var year int
	db.QueryRow("SELECT year FROM langs WHERE name = ?", "Go").Scan(&year)
	fmt.Println("Go appeared in", year)
	// Output: Go appeared in 2009
}

func ExampleConn_Raw() {
	db, _ := sql.Open("asqlite", ":memory:")
	defer db.Close()
	conn, _ := db.Conn(context.Background())
	defer conn.Close()

	// Reach the binding for what database/sql cannot express.
	conn.Raw(func(c any) error {
		raw := c.(*driver.Conn).Raw()
		fmt.Println("autocommit:", raw.AutoCommit())
		return nil
	})
	// Output: autocommit: true
}

func ExampleNewDBConnector() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	adb, err := asqlite.Open(ctx, filepath.Join(dir, "app.db"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer adb.Close()
	// database/sql and asqlite.DB on one database: database/sql's writes
	// join the DB's write queue, its reads use the DB's readers.
	db := sql.OpenDB(driver.NewDBConnector(adb))
	defer db.Close()

	db.Exec("CREATE TABLE langs(name TEXT, year INTEGER)")
	tx, _ := db.BeginTx(ctx, nil) // holds the DB's writer until Commit
	tx.Exec("INSERT INTO langs VALUES(?, ?)", "Go", 2009)
	tx.Commit()

	var year int
	adb.QueryRow(ctx, "SELECT year FROM langs WHERE name = 'Go'").Scan(&year)
	fmt.Println("Go appeared in", year)
	// Output: Go appeared in 2009
}
