package asqlite_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func ExampleOpenConn() {
	ctx := context.Background()
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	// Any goroutine may use conn; calls run one at a time, in order.
	done := make(chan error)
	for i := range 3 {
		go func() {
			_, err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES (?)", i)
			done <- err
		}()
	}
	for range 3 {
		if err := <-done; err != nil {
			log.Fatal(err)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "rows")
	// Output: 3 rows
}

func ExampleConn_Exec() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	// A script, with arguments for its statements in order.
	res, err := conn.Exec(ctx, `
		CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);
		INSERT INTO notes(body) VALUES (?), (?);
	`, "first", "second")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("last rowid", res.LastInsertRowID, "changes", res.Changes)

	res, err = conn.Exec(ctx, "UPDATE notes SET body = upper(body) WHERE id >= :min", sqlite.Named("min", 1))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("updated", res.Changes)
	// Output:
	// last rowid 2 changes 2
	// updated 2
}

func ExampleConn_Query() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", &asqlite.ConnOptions{BatchSize: 100})
	defer conn.Close()

	q := "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ?) SELECT i, i*i FROM n"
	for row, err := range conn.Query(ctx, q, 4) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.Int64(0), row.Int64(1))
	}
	// Output:
	// 1 1
	// 2 4
	// 3 9
	// 4 16
}

func ExampleConn_QueryRow() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	var version string
	if err := conn.QueryRow(ctx, "SELECT sqlite_version()").Scan(&version); err != nil {
		log.Fatal(err)
	}
	fmt.Println(version == sqlite.Version())

	err := conn.QueryRow(ctx, "SELECT 1 WHERE 0").Scan(new(int))
	fmt.Println(errors.Is(err, asqlite.ErrNoRows))
	// Output:
	// true
	// true
}

func ExampleConn_Pragma() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	if _, err := conn.Pragma(ctx, "user_version = 3"); err != nil {
		log.Fatal(err)
	}
	v, err := conn.Pragma(ctx, "user_version")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v)
	// Output: 3
}

func ExampleConn_Tx() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()
	conn.Exec(ctx, "CREATE TABLE accounts(name TEXT PRIMARY KEY, balance INTEGER CHECK (balance >= 0))")
	conn.Exec(ctx, "INSERT INTO accounts VALUES ('alice', 100), ('bob', 0)")

	transfer := func(from, to string, amount int) error {
		return conn.Tx(ctx, func(tx *asqlite.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = balance + ? WHERE name = ?", amount, to); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE accounts SET balance = balance - ? WHERE name = ?", amount, from)
			return err // a CHECK failure rolls back the whole transfer
		})
	}
	fmt.Println(transfer("alice", "bob", 60))
	fmt.Println(errors.Is(transfer("alice", "bob", 60), sqlite.ErrConstraintCheck))

	for row, err := range conn.Query(ctx, "SELECT name, balance FROM accounts ORDER BY name") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.Text(0), row.Int64(1))
	}
	// Output:
	// <nil>
	// true
	// alice 40
	// bob 60
}

func ExampleTx_Tx() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()
	conn.Exec(ctx, "CREATE TABLE log(msg)")

	err := conn.Tx(ctx, func(tx *asqlite.Tx) error {
		tx.Exec(ctx, "INSERT INTO log VALUES ('kept')")
		// A nested block is a savepoint: its failure undoes only its work.
		err := tx.Tx(ctx, func(tx *asqlite.Tx) error {
			tx.Exec(ctx, "INSERT INTO log VALUES ('undone')")
			return errors.New("inner failure")
		})
		fmt.Println("inner:", err)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	for row := range conn.Query(ctx, "SELECT msg FROM log") {
		fmt.Println(row.Text(0))
	}
	// Output:
	// inner: inner failure
	// kept
}

func ExampleConn_Run() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	// Run hands the plain connection to a function on the worker: many
	// statements, no hand-over between them, nothing else interleaved.
	var total int64
	err := conn.Run(ctx, func(sc *sqlite.Conn) error {
		if err := sc.Exec("CREATE TABLE t(x)"); err != nil {
			return err
		}
		s, err := sc.Prep("INSERT INTO t VALUES (?)")
		if err != nil {
			return err
		}
		defer s.Close()
		for i := range 100 {
			if err := s.Exec(i); err != nil {
				return err
			}
		}
		for s, err := range sc.Query("SELECT sum(x) FROM t") {
			if err != nil {
				return err
			}
			total = s.ColumnInt64(0)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(total)
	// Output: 4950
}

func ExampleRow_Scan() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	var (
		id      int64
		name    string
		score   float64
		comment *string // NULL leaves it nil
		when    time.Time
	)
	err := conn.QueryRow(ctx, "SELECT 7, 'ann', 9.5, NULL, '2024-03-01 12:00:00'").Scan(&id, &name, &score, &comment, &when)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id, name, score, comment == nil, when.Format(time.DateOnly))

	// Conversions that would lose information are errors.
	var n int
	err = conn.QueryRow(ctx, "SELECT 'seven'").Scan(&n)
	fmt.Println(errors.Is(err, sqlite.ErrMismatch))
	// Output:
	// 7 ann 9.5 true 2024-03-01
	// true
}

// Cancelling a call: a deadline stops CPU-bound SQL, and the connection is
// ready for the next call at once.
func Example_cancellation() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := conn.Exec(short, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n) SELECT count(*) FROM n")
	fmt.Println(errors.Is(err, context.DeadlineExceeded))

	var one int
	err = conn.QueryRow(ctx, "SELECT 1").Scan(&one)
	fmt.Println(one, err)
	// Output:
	// true
	// 1 <nil>
}

// A function running on the worker must not call its own Conn: such a call
// fails with ErrReentrant instead of waiting forever.
func ExampleErrReentrant() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	err := conn.Run(ctx, func(sc *sqlite.Conn) error {
		_, err := conn.Exec(ctx, "SELECT 1") // wrong: use sc
		return err
	})
	fmt.Println(errors.Is(err, asqlite.ErrReentrant))
	// Output: true
}

// Go functions, collations, hooks and virtual tables are registered with
// the binding, through Run. A function sees the context of the call whose
// SQL runs it in FuncContext.Context.
func ExampleConn_Run_function() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	type userKey struct{}
	err := conn.Run(ctx, func(sc *sqlite.Conn) error {
		return sc.CreateFunction("current_user", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
			user, _ := fc.Context().Value(userKey{}).(string)
			fc.ResultText(user)
			return nil
		})
	})
	if err != nil {
		log.Fatal(err)
	}
	var who string
	conn.QueryRow(context.WithValue(ctx, userKey{}, "ann"), "SELECT current_user()").Scan(&who)
	fmt.Println(who)
	// Output: ann
}

// A hook registered through Run runs on the worker, inside the statement
// that triggers it; sc.Context() is then that call's context. The remove
// function, too, is called on the worker.
func ExampleConn_Run_hook() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	type userKey struct{}
	var remove func()
	err := conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
		remove, err = sc.AddUpdateHook(func(op sqlite.Op, schema, table string, rowid int64) {
			user, _ := sc.Context().Value(userKey{}).(string)
			fmt.Println(user, op, schema, table, rowid)
		})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	conn.Exec(context.WithValue(ctx, userKey{}, "ann"), "CREATE TABLE t(x); INSERT INTO t VALUES ('a'), ('b'); DELETE FROM t WHERE x = 'a'")
	conn.Run(ctx, func(*sqlite.Conn) error { remove(); return nil })
	conn.Exec(ctx, "DELETE FROM t")
	// Output:
	// ann INSERT main t 1
	// ann INSERT main t 2
	// ann DELETE main t 1
}

// Settings of the connection are made through Run too.
func ExampleConn_Run_busyTimeout() {
	ctx := context.Background()
	conn, _ := asqlite.OpenConn(ctx, ":memory:", nil)
	defer conn.Close()

	// Wait up to 5 s for another connection's lock; a call whose context
	// ends sooner stops waiting then.
	err := conn.Run(ctx, func(sc *sqlite.Conn) error {
		sc.SetBusyTimeout(5 * time.Second)
		return nil
	})
	fmt.Println(err)
	// Output: <nil>
}
