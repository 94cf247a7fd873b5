package migrate_test

import (
	"fmt"

	"github.com/asqlite/asqlite/ext/migrate"
	"github.com/asqlite/asqlite/sqlite"
)

func ExampleUp() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()

	schema := []migrate.Step{
		{Name: "create notes", SQL: "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)"},
		{Name: "add created", SQL: "ALTER TABLE notes ADD COLUMN created TEXT"},
	}
	res, err := migrate.Up(conn, schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("migrated from version %d to %d\n", res.From, res.To)
	// Output: migrated from version 0 to 2
}
