package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/asqlite/asqlite/sqlite"
)

func ExampleConn_ReadPragma() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.SetPragma("cache_size", -4000); err != nil {
		panic(err)
	}
	size, err := c.ReadPragma("cache_size")
	if err != nil {
		panic(err)
	}
	fmt.Println("cache_size:", size)
	// Names are checked: this is refused, not run.
	_, err = c.ReadPragma("user_version; DROP TABLE t")
	fmt.Println(sqlite.CodeOf(err).String())
	// Output:
	// cache_size: -4000
	// SQLITE_MISUSE
}

func ExampleConn_SetJournalMode() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	c, err := sqlite.Open(filepath.Join(dir, "app.db"), 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	mode, err := c.SetJournalMode(sqlite.JournalWAL)
	if err != nil {
		panic(err)
	}
	fmt.Println("journal mode:", mode)
	if err := c.SetSynchronous(sqlite.SyncNormal); err != nil {
		panic(err)
	}
	sync, _ := c.Synchronous()
	fmt.Println("synchronous:", sync)
	// Output:
	// journal mode: wal
	// synchronous: NORMAL
}

func ExampleConn_UserVersion() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	v, _ := c.UserVersion()
	fmt.Println("schema version:", v)
	if v < 1 {
		if err := c.Exec("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
			panic(err)
		}
		if err := c.SetUserVersion(1); err != nil {
			panic(err)
		}
	}
	v, _ = c.UserVersion()
	fmt.Println("schema version:", v)
	// Output:
	// schema version: 0
	// schema version: 1
}

func ExampleConn_SetForeignKeys() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.SetForeignKeys(true); err != nil {
		panic(err)
	}
	err = c.Exec(`CREATE TABLE author(id INTEGER PRIMARY KEY);
		CREATE TABLE book(author REFERENCES author(id));
		INSERT INTO book VALUES (42)`)
	fmt.Println(sqlite.CodeOf(err).String())
	// Output: SQLITE_CONSTRAINT_FOREIGNKEY
}

func ExampleConn_IntegrityCheck() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Exec("CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (1), (2)"); err != nil {
		panic(err)
	}
	fmt.Println(c.IntegrityCheck())
	// Output: <nil>
}
