package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// Open a database, run a script with arguments, and read rows back.
func Example() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	err = conn.Exec(`
		CREATE TABLE fruit(name TEXT PRIMARY KEY, price REAL);
		INSERT INTO fruit VALUES (?, ?), (?, ?);`,
		"apple", 1.25, "cherry", 4.5)
	if err != nil {
		log.Fatal(err)
	}
	for row, err := range conn.Query("SELECT name, price FROM fruit WHERE price > ? ORDER BY name", 1) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s costs %.2f\n", row.ColumnText(0), row.ColumnFloat(1))
	}
	// Output:
	// apple costs 1.25
	// cherry costs 4.50
}

// Prepare a statement once and run it many times, binding typed values by
// index and by name.
func ExampleConn_Prepare() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec("CREATE TABLE event(id INTEGER PRIMARY KEY, kind TEXT, at INTEGER)"); err != nil {
		log.Fatal(err)
	}

	ins, err := conn.Prepare("INSERT INTO event(kind, at) VALUES (:kind, ?)")
	if err != nil {
		log.Fatal(err)
	}
	defer ins.Close()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, kind := range []string{"login", "view", "logout"} {
		// Bind by name, then the positional parameter by index.
		if err := ins.BindText(ins.ParamIndex("kind"), kind); err != nil {
			log.Fatal(err)
		}
		if err := ins.BindTime(2, start.Add(time.Duration(i)*time.Minute), sqlite.TimeUnix); err != nil {
			log.Fatal(err)
		}
		if _, err := ins.Step(); err != nil {
			log.Fatal(err)
		}
		ins.Reset()
	}

	sel, err := conn.Prepare("SELECT id, kind, at FROM event WHERE at >= ? ORDER BY id")
	if err != nil {
		log.Fatal(err)
	}
	defer sel.Close()
	if err := sel.Bind(start.Add(time.Minute).Unix()); err != nil {
		log.Fatal(err)
	}
	for {
		row, err := sel.Step()
		if err != nil {
			log.Fatal(err)
		}
		if !row {
			break
		}
		at, _ := sel.ColumnTime(2, sqlite.TimeUnix)
		fmt.Println(sel.ColumnInt64(0), sel.ColumnText(1), at.Format(time.Kitchen))
	}
	// Output:
	// 2 view 12:01AM
	// 3 logout 12:02AM
}

// Tx commits when its function returns nil and rolls back when it returns
// an error or panics; a Tx inside a Tx is a savepoint, so only the inner
// work is undone.
func ExampleConn_Tx() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec("CREATE TABLE account(name TEXT PRIMARY KEY, balance INTEGER CHECK (balance >= 0))"); err != nil {
		log.Fatal(err)
	}
	if err := conn.Exec("INSERT INTO account VALUES ('alice', 100), ('bob', 0)"); err != nil {
		log.Fatal(err)
	}

	transfer := func(from, to string, amount int) error {
		return conn.Tx(sqlite.Immediate, func() error {
			if err := conn.Exec("UPDATE account SET balance = balance + ? WHERE name = ?", amount, to); err != nil {
				return err
			}
			return conn.Exec("UPDATE account SET balance = balance - ? WHERE name = ?", amount, from)
		})
	}
	err = conn.Tx(sqlite.Immediate, func() error {
		if err := transfer("alice", "bob", 30); err != nil {
			return err
		}
		if err := transfer("alice", "bob", 500); err != nil {
			fmt.Println("second transfer undone:", errors.Is(err, sqlite.ErrConstraintCheck))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	for row, err := range conn.Query("SELECT name, balance FROM account ORDER BY name") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.ColumnText(0), row.ColumnInt(1))
	}
	// Output:
	// second transfer undone: true
	// alice 70
	// bob 30
}

// Errors carry SQLite's extended result code: errors.Is matches a primary
// code against all its extended forms, or one extended code exactly, and
// errors.As gives the message, the SQL and the error's position in it.
func ExampleError() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec("CREATE TABLE user(id INTEGER PRIMARY KEY, email TEXT UNIQUE)"); err != nil {
		log.Fatal(err)
	}
	if err := conn.Exec("INSERT INTO user VALUES (1, 'a@example.com')"); err != nil {
		log.Fatal(err)
	}

	err = conn.Exec("INSERT INTO user VALUES (2, 'a@example.com')")
	fmt.Println(errors.Is(err, sqlite.ErrConstraint), errors.Is(err, sqlite.ErrConstraintUnique),
		errors.Is(err, sqlite.ErrConstraintPrimaryKey))

	_, err = conn.Prepare("SELECT nme FROM user")
	var e *sqlite.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code.String(), "|", e.Msg, "| at byte", e.Offset)
	}
	// Output:
	// true true false
	// SQLITE_ERROR | no such column: nme | at byte 7
}

// The context installed with SetContext bounds the SQL that follows: when
// it ends, the running statement is interrupted, and the error matches both
// the context's error and ErrInterrupt. The connection stays usable.
func ExampleConn_SetContext() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	conn.SetContext(ctx)
	err = conn.Exec(`WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)
		SELECT count(*) FROM r`)
	fmt.Println(errors.Is(err, context.DeadlineExceeded), errors.Is(err, sqlite.ErrInterrupt))

	conn.SetContext(context.Background())
	for row, err := range conn.Query("SELECT 'still works'") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.ColumnText(0))
	}
	// Output:
	// true true
	// still works
}

// Prep returns a statement from the connection's cache, prepared on first
// use; Close hands it back, reset, for the next Prep of the same SQL.
func ExampleConn_Prep() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	square := func(n int) int64 {
		s, err := conn.Prep("SELECT ? * ?")
		if err != nil {
			log.Fatal(err)
		}
		defer s.Close()
		s.Bind(n, n)
		s.Step()
		return s.ColumnInt64(0)
	}
	fmt.Println(square(3), square(12))
	// Output: 9 144
}

// Named arguments work with or without their prefix, alongside
// positional ones.
func ExampleNamed() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	for row, err := range conn.Query("SELECT :greeting || ', ' || ? || '!'", sqlite.Named("greeting", "Hello"), "world") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.ColumnText(0))
	}
	// Output: Hello, world!
}
