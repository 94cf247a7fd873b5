package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

func openExample() *sqlite.Conn {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

func ExampleConn_AddUpdateHook() {
	c := openExample()
	defer c.Close()
	c.Exec("CREATE TABLE fruit(name)")

	// The application's own hook...
	remove, err := c.AddUpdateHook(func(op sqlite.Op, schema, table string, rowid int64) {
		fmt.Println("app:", op, schema+"."+table, rowid)
	})
	if err != nil {
		log.Fatal(err)
	}
	defer remove()
	// ...and a watcher added for a while, without displacing it.
	removeWatcher, err := c.AddUpdateHook(func(op sqlite.Op, _, table string, rowid int64) {
		fmt.Println("watcher:", op, table, rowid)
	})
	if err != nil {
		log.Fatal(err)
	}
	c.Exec("INSERT INTO fruit VALUES('apple'), ('pear')")
	removeWatcher()
	c.Exec("UPDATE fruit SET name = 'quince' WHERE name = 'pear'")
	c.Exec("DELETE FROM fruit WHERE rowid = 1")
	// Output:
	// app: INSERT main.fruit 1
	// watcher: INSERT fruit 1
	// app: INSERT main.fruit 2
	// watcher: INSERT fruit 2
	// app: UPDATE main.fruit 2
	// app: DELETE main.fruit 1
}

func ExampleConn_AddCommitHook() {
	c := openExample()
	defer c.Close()
	c.Exec("CREATE TABLE t(a)")

	frozen := true
	remove, err := c.AddCommitHook(func() (rollback bool) { return frozen })
	if err != nil {
		log.Fatal(err)
	}
	defer remove()
	err = c.Exec("INSERT INTO t VALUES(1)")
	fmt.Println(errors.Is(err, sqlite.ErrConstraint))

	frozen = false
	fmt.Println(c.Exec("INSERT INTO t VALUES(2)"))
	// Output:
	// true
	// <nil>
}

func ExampleConn_AddRollbackHook() {
	c := openExample()
	defer c.Close()
	c.Exec("CREATE TABLE t(a)")

	remove, err := c.AddRollbackHook(func() { fmt.Println("rolled back") })
	if err != nil {
		log.Fatal(err)
	}
	defer remove()
	err = c.Tx(sqlite.Immediate, func() error {
		c.Exec("INSERT INTO t VALUES(1)")
		return errors.New("changed my mind")
	})
	fmt.Println(err)
	// Output:
	// rolled back
	// changed my mind
}

func ExampleConn_AddPreUpdateHook() {
	c := openExample()
	defer c.Close()
	c.Exec("CREATE TABLE price(item, cents); INSERT INTO price VALUES('tea', 250)")

	remove, err := c.AddPreUpdateHook(func(u *sqlite.PreUpdate) {
		if u.Op != sqlite.OpUpdate {
			return
		}
		for i := range u.Count() {
			old, _ := u.Old(i)
			new, _ := u.New(i)
			if old.String() != new.String() {
				fmt.Printf("%s row %d column %d: %s -> %s\n", u.Table, u.OldRowID, i, old, new)
			}
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	defer remove()
	c.Exec("UPDATE price SET cents = 275 WHERE item = 'tea'")
	// Output:
	// price row 1 column 1: 250 -> 275
}

func ExampleConn_AddWALHook() {
	dir, err := os.MkdirTemp("", "wal")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	c, err := sqlite.Open(filepath.Join(dir, "app.db"), 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.Exec("PRAGMA journal_mode=WAL; CREATE TABLE t(a)")

	// Checkpoint from the hook once the log passes a size: here the WAL
	// hook replaces SQLite's automatic checkpoints.
	checkpoints := 0
	remove, err := c.AddWALHook(func(schema string, pages int) error {
		if pages < 10 {
			return nil
		}
		checkpoints++
		return c.Exec("PRAGMA " + schema + ".wal_checkpoint(PASSIVE)")
	})
	if err != nil {
		log.Fatal(err)
	}
	defer remove()
	for range 20 {
		c.Exec("INSERT INTO t VALUES(randomblob(4000))")
	}
	fmt.Println(checkpoints > 0)
	// Output:
	// true
}

func ExampleConn_SetAuthorizer() {
	c := openExample()
	defer c.Close()
	c.Exec("CREATE TABLE users(name, password)")
	c.Exec("INSERT INTO users VALUES('ann', 'secret')")

	// Untrusted queries may read, but never see passwords or write.
	c.SetAuthorizer(func(a sqlite.AuthAction) sqlite.AuthResult {
		switch a.Code {
		case sqlite.AuthSelect, sqlite.AuthFunction:
			return sqlite.AuthOK
		case sqlite.AuthRead:
			if a.Arg2 == "password" {
				return sqlite.AuthIgnore // reads as NULL
			}
			return sqlite.AuthOK
		}
		return sqlite.AuthDeny
	})
	for row, err := range c.Query("SELECT name, password FROM users") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.ColumnText(0), row.ColumnType(1))
	}
	err := c.Exec("DELETE FROM users")
	fmt.Println(errors.Is(err, sqlite.ErrAuth))
	// Output:
	// ann NULL
	// true
}

func ExampleConn_SetBusyHandler() {
	dir, err := os.MkdirTemp("", "busy")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "app.db")
	a, _ := sqlite.Open(name, 0)
	defer a.Close()
	b, _ := sqlite.Open(name, 0)
	defer b.Close()
	a.Exec("CREATE TABLE t(x)")
	a.Exec("BEGIN IMMEDIATE") // a holds the write lock

	b.SetBusyHandler(func(count int) bool {
		fmt.Println("locked, attempt", count)
		return count < 2 // try three times, then give up
	})
	err = b.Exec("INSERT INTO t VALUES(1)")
	fmt.Println(errors.Is(err, sqlite.ErrBusy))
	// Output:
	// locked, attempt 0
	// locked, attempt 1
	// locked, attempt 2
	// true
}

func ExampleConn_SetBusyTimeout() {
	dir, err := os.MkdirTemp("", "busy")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "app.db")
	a, _ := sqlite.Open(name, 0)
	defer a.Close()
	b, _ := sqlite.Open(name, 0)
	defer b.Close()
	a.Exec("CREATE TABLE t(x)")
	a.Exec("BEGIN IMMEDIATE") // a holds the write lock

	// b would wait up to a minute, but its caller gives up sooner.
	b.SetBusyTimeout(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	b.SetContext(ctx)
	err = b.Exec("INSERT INTO t VALUES(1)")
	fmt.Println(errors.Is(err, sqlite.ErrBusy), errors.Is(err, context.DeadlineExceeded))
	// Output:
	// true true
}

func ExampleConn_AddProgressHandler() {
	c := openExample()
	defer c.Close()

	// A budget of about 50,000 virtual machine steps per query.
	steps := 0
	remove, err := c.AddProgressHandler(1000, func() bool {
		steps += 1000
		return steps >= 50000
	})
	if err != nil {
		log.Fatal(err)
	}
	defer remove()
	err = c.Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n) SELECT count(*) FROM n")
	fmt.Println(errors.Is(err, sqlite.ErrInterrupt), steps)
	// Output:
	// true 50000
}

func ExampleConn_AddTrace() {
	c := openExample()
	defer c.Close()
	c.Exec("CREATE TABLE t(a); INSERT INTO t VALUES(1), (2), (3)")

	rows := map[sqlite.StmtID]int{}
	remove, err := c.AddTrace(sqlite.TraceStmt|sqlite.TraceRow|sqlite.TraceProfile, func(ev sqlite.TraceEvent) {
		switch ev.Kind {
		case sqlite.TraceStmt:
			fmt.Println(">", ev.ExpandedSQL())
		case sqlite.TraceRow:
			rows[ev.ID]++
		case sqlite.TraceProfile:
			fmt.Println("  rows:", rows[ev.ID])
			delete(rows, ev.ID)
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	defer remove()
	for range c.Query("SELECT a FROM t WHERE a > ?", 1) {
	}
	// Output:
	// > SELECT a FROM t WHERE a > 1
	//   rows: 2
}

// A tracer in the style of the tour's "Tracing in a block": statements run
// by virtual tables and triggers are marked, and each statement's run
// reports the counters that grew. TraceStmt events with the ID of a
// statement already running belong to its triggers.
func ExampleTraceEvent() {
	c := openExample()
	defer c.Close()
	c.Exec(`CREATE TABLE t(a); CREATE TABLE log(a);
		CREATE TRIGGER keep AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); END`)

	start := map[sqlite.StmtID]sqlite.StmtCounters{}
	remove, err := c.AddTrace(sqlite.TraceStmt|sqlite.TraceProfile, func(ev sqlite.TraceEvent) {
		switch {
		case ev.Kind == sqlite.TraceProfile:
			run := ev.Counters().Sub(start[ev.ID])
			delete(start, ev.ID)
			fmt.Printf("< %s (VM steps > 0: %v)\n", ev.SQL(), run.VMSteps > 0)
		case ev.InTrigger():
			if name := ev.Trigger(); name != "" {
				fmt.Println("T trigger", name)
			} else {
				fmt.Println("T", strings.TrimPrefix(ev.Text(), "-- "))
			}
		default:
			start[ev.ID] = ev.Counters()
			mark := ">"
			if ev.Nested() {
				mark = "V"
			}
			fmt.Println(mark, ev.SQL())
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	defer remove()
	c.Exec("INSERT INTO t VALUES(1)")
	c.Exec("SELECT count(*) FROM pragma_table_list")
	// Output:
	// > INSERT INTO t VALUES(1)
	// T trigger keep
	// T INSERT INTO log VALUES(new.a)
	// < INSERT INTO t VALUES(1) (VM steps > 0: true)
	// > SELECT count(*) FROM pragma_table_list
	// V PRAGMA table_list
	// < PRAGMA table_list (VM steps > 0: true)
	// < SELECT count(*) FROM pragma_table_list (VM steps > 0: true)
}

func ExampleStmt_Status() {
	c := openExample()
	defer c.Close()
	c.Exec("CREATE TABLE t(a, b); INSERT INTO t VALUES(2, 'x'), (1, 'y')")

	s, _ := c.Prepare("SELECT a FROM t ORDER BY a")
	defer s.Close()
	s.Exec()
	fmt.Println("full scan steps:", s.Status(sqlite.StmtStatusFullScanStep, false))
	fmt.Println("sorts:", s.Status(sqlite.StmtStatusSort, false))
	fmt.Println("runs:", s.Counters().Runs)
	// Output:
	// full scan steps: 1
	// sorts: 1
	// runs: 1
}

func ExampleConn_Status() {
	c := openExample()
	defer c.Close()
	c.Exec("CREATE TABLE t(a); INSERT INTO t VALUES(1)")

	used, _, err := c.Status(sqlite.DBStatusSchemaUsed, false)
	fmt.Println(used > 0, err)
	for range c.Query("SELECT a FROM t") {
	}
	hits, _, _ := c.Status(sqlite.DBStatusCacheHit, true) // and reset
	fmt.Println(hits > 0)
	// Output:
	// true <nil>
	// true
}

func ExampleGlobalStatus() {
	_, largest, err := sqlite.GlobalStatus(sqlite.StatusPageCacheSize, false)
	fmt.Println(largest >= 0, err)
	// Output:
	// true <nil>
}
