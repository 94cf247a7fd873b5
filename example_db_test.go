package asqlite_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

// exampleDB opens a DB in a temporary directory; the returned function
// closes it and removes the directory.
func exampleDB(o *asqlite.Options) (*asqlite.DB, func()) {
	dir, err := os.MkdirTemp("", "asqlite-example-")
	if err != nil {
		log.Fatal(err)
	}
	db, err := asqlite.Open(context.Background(), filepath.Join(dir, "app.db"), o)
	if err != nil {
		log.Fatal(err)
	}
	return db, func() {
		db.Close()
		os.RemoveAll(dir)
	}
}

// Open a database for a concurrent program: writes from any goroutine go
// through the writer's queue, reads run on the reader pool.
func ExampleOpen() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "asqlite-example-")
	defer os.RemoveAll(dir)

	db, err := asqlite.Open(ctx, filepath.Join(dir, "app.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	if _, err := db.Exec(ctx, "CREATE TABLE visits(page TEXT, at INTEGER)"); err != nil {
		log.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if _, err := db.Exec(ctx, "INSERT INTO visits VALUES (?, ?)", "/home", i); err != nil {
				log.Print(err)
			}
		})
	}
	wg.Wait()
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM visits").Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println("visits:", n)
	// Output: visits: 50
}

// Write runs Go code on the writer inside the write's transaction: a
// read-modify-write that no other write can interleave with.
func ExampleDB_Write() {
	db, done := exampleDB(nil)
	defer done()
	ctx := context.Background()
	db.Exec(ctx, "CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER); INSERT INTO account VALUES (1, 100), (2, 0)")

	transfer := func(from, to, amount int64) error {
		return db.Write(ctx, func(c *sqlite.Conn) error {
			var balance int64
			for s, err := range c.Query("SELECT balance FROM account WHERE id = ?", from) {
				if err != nil {
					return err
				}
				balance = s.ColumnInt64(0)
			}
			if balance < amount {
				return fmt.Errorf("account %d holds %d, cannot send %d", from, balance, amount)
			}
			if err := c.Exec("UPDATE account SET balance = balance - ? WHERE id = ?", amount, from); err != nil {
				return err
			}
			return c.Exec("UPDATE account SET balance = balance + ? WHERE id = ?", amount, to)
		})
	}
	fmt.Println(transfer(1, 2, 70))
	fmt.Println(transfer(1, 2, 70))
	rs, _ := db.QueryRows(ctx, "SELECT id, balance FROM account ORDER BY id")
	fmt.Println(rs.Rows)
	// Output:
	// <nil>
	// account 1 holds 30, cannot send 70
	// [[1 30] [2 70]]
}

// Writes queued together share one transaction; each has its own
// savepoint, so one failing write does not take the others with it.
func ExampleDB_Exec_groupCommit() {
	db, done := exampleDB(nil)
	defer done()
	ctx := context.Background()
	db.Exec(ctx, "CREATE TABLE users(email TEXT PRIMARY KEY)")

	emails := []string{"ada@example.com", "bob@example.com", "ada@example.com", "cy@example.com"}
	errs := make([]error, len(emails))
	var wg sync.WaitGroup
	for i, e := range emails {
		wg.Go(func() { _, errs[i] = db.Exec(ctx, "INSERT INTO users VALUES (?)", e) })
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if errors.Is(err, sqlite.ErrConstraint) {
			failed++
		}
	}
	var n int
	db.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n)
	fmt.Printf("%d users, %d duplicate refused\n", n, failed)
	// Output: 3 users, 1 duplicate refused
}

// ExecMany runs one statement for many argument lists, atomically.
func ExampleDB_ExecMany() {
	db, done := exampleDB(nil)
	defer done()
	ctx := context.Background()
	db.Exec(ctx, "CREATE TABLE points(x, y)")
	res, err := db.ExecMany(ctx, "INSERT INTO points VALUES (?, ?)", [][]any{{1, 2}, {3, 4}, {5, 6}})
	fmt.Println(res.Changes, res.LastInsertRowID, err)
	// Output: 3 3 <nil>
}

// ExecScript runs a script as the sqlite3 shell would, outside the
// writer's transactions: for migrations with their own transactions, or
// statements such as VACUUM.
func ExampleDB_ExecScript() {
	db, done := exampleDB(nil)
	defer done()
	ctx := context.Background()
	err := db.ExecScript(ctx, `
		BEGIN;
		CREATE TABLE log(line TEXT);
		INSERT INTO log VALUES ('migrated');
		PRAGMA user_version = 2;
		COMMIT;
		VACUUM;`)
	fmt.Println(err)
	v, _ := db.Pragma(ctx, "user_version")
	fmt.Println("user_version:", v)
	// Output:
	// <nil>
	// user_version: 2
}

// Reads run on the calling goroutine with a reader connection, which sees
// the last committed state even while a write transaction is open.
func ExampleDB_Read() {
	db, done := exampleDB(nil)
	defer done()
	ctx := context.Background()
	db.Exec(ctx, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")

	err := db.Read(ctx, func(c *sqlite.Conn) error {
		for s, err := range c.Query("SELECT x, x * x FROM t ORDER BY x") {
			if err != nil {
				return err
			}
			fmt.Println(s.ColumnInt(0), s.ColumnInt(1))
		}
		return nil
	})
	fmt.Println(err)
	// Output:
	// 1 1
	// 2 4
	// 3 9
	// <nil>
}

// Query yields rows from a reader, read on the calling goroutine.
func ExampleDB_Query() {
	db, done := exampleDB(nil)
	defer done()
	ctx := context.Background()
	db.Exec(ctx, "CREATE TABLE fruit(name TEXT); INSERT INTO fruit VALUES ('apple'), ('pear'), ('plum')")
	for row, err := range db.Query(ctx, "SELECT name FROM fruit WHERE name LIKE ? ORDER BY name", "p%") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.Text(0))
	}
	// Output:
	// pear
	// plum
}

// Every read has a time limit (1s by default), and QueryRows a row cap;
// a Reader changes them for the calls that need other limits.
func ExampleDB_Reader() {
	db, done := exampleDB(&asqlite.Options{ReadTimeLimit: 50 * time.Millisecond, MaxRows: 2})
	defer done()
	ctx := context.Background()

	endless := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
	err := db.QueryRow(ctx, endless).Err()
	fmt.Println("stopped by the time limit:", errors.Is(err, asqlite.ErrTimeLimit))

	rs, _ := db.QueryRows(ctx, "SELECT value FROM json_each('[1,2,3]')")
	fmt.Println(rs.Rows, "truncated:", rs.Truncated)

	all := db.Reader(asqlite.ReadOptions{MaxRows: -1, TimeLimit: time.Minute})
	rs, _ = all.QueryRows(ctx, "SELECT value FROM json_each('[1,2,3]')")
	fmt.Println(rs.Rows, "truncated:", rs.Truncated)
	// Output:
	// stopped by the time limit: true
	// [[1] [2]] truncated: true
	// [[1] [2] [3]] truncated: false
}

// Register adds Go functions (or collations, hooks, modules) to every
// connection of the DB: the writer, the readers, and those opened later.
func ExampleDB_Register() {
	db, done := exampleDB(nil)
	defer done()
	ctx := context.Background()
	err := db.Register(ctx, func(c *sqlite.Conn) error {
		return c.CreateFunction("shout", 1, sqlite.Deterministic, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
			fc.ResultText(strings.ToUpper(args[0].Text()) + "!")
			return nil
		})
	})
	if err != nil {
		log.Fatal(err)
	}
	db.Exec(ctx, "CREATE TABLE t(s); INSERT INTO t VALUES (shout('written'))") // on the writer
	var s string
	db.QueryRow(ctx, "SELECT s || ' ' || shout('read') FROM t").Scan(&s) // on a reader
	fmt.Println(s)
	// Output: WRITTEN! READ!
}

// With FailWhenQueueFull, a write finding the queue full fails at once
// instead of waiting for room.
func ExampleOptions_failWhenQueueFull() {
	db, done := exampleDB(&asqlite.Options{QueueSize: 1, FailWhenQueueFull: true})
	defer done()
	ctx := context.Background()

	// Keep the writer busy, and fill the queue.
	busy, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		db.Write(ctx, func(*sqlite.Conn) error {
			close(busy)
			<-release
			return nil
		})
	})
	<-busy
	wg.Go(func() { db.Exec(ctx, "SELECT 1") })
	for db.Stats().QueueDepth < 1 {
		runtime.Gosched()
	}
	_, err := db.Exec(ctx, "SELECT 2")
	fmt.Println(err, errors.Is(err, asqlite.ErrQueueFull))
	close(release)
	wg.Wait()
	// Output: asqlite: write queue is full true
}

// Stats shows the queue, the batches of group commit and the checkpoints.
func ExampleDB_Stats() {
	db, done := exampleDB(&asqlite.Options{Readers: 2})
	defer done()
	ctx := context.Background()
	db.Exec(ctx, "CREATE TABLE t(x)")
	for i := range 3 {
		db.Exec(ctx, "INSERT INTO t VALUES (?)", i)
	}
	st := db.Stats()
	fmt.Printf("%d writes, %d commits, queue %d/%d, %d readers\n", st.Writes, st.Commits, st.QueueDepth, st.QueueCapacity, st.Readers)
	// Output: 4 writes, 4 commits, queue 0/1024, 2 readers
}
