package sqlite_test

import (
	"fmt"

	"github.com/asqlite/asqlite/sqlite"
)

func ExampleConn_ColumnMetadata() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	err = c.Exec(`CREATE TABLE users(
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		email TEXT NOT NULL COLLATE NOCASE)`)
	if err != nil {
		panic(err)
	}
	for _, col := range []string{"id", "email"} {
		m, err := c.ColumnMetadata("main", "users", col)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %+v\n", col, m)
	}
	// Output:
	// id: {DeclType:INTEGER Collation:BINARY NotNull:false PrimaryKey:true AutoIncrement:true}
	// email: {DeclType:TEXT Collation:NOCASE NotNull:true PrimaryKey:false AutoIncrement:false}
}

func ExampleConn_TableExists() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Exec("CREATE TABLE settings(k, v)"); err != nil {
		panic(err)
	}
	for _, name := range []string{"settings", "missing"} {
		ok, err := c.TableExists("", name)
		if err != nil {
			panic(err)
		}
		fmt.Println(name, ok)
	}
	// Output:
	// settings true
	// missing false
}
