package asqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asqlite/asqlite/ext/vtfunc"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// dbOnEveryReader runs fn on every reader of db at once, so each of them
// runs it.
func dbOnEveryReader(t *testing.T, db *DB, fn func(c *sqlite.Conn) error) {
	t.Helper()
	n := db.Stats().Readers
	var all, wg sync.WaitGroup
	all.Add(n)
	for range n {
		wg.Go(func() {
			err := db.Read(context.Background(), func(c *sqlite.Conn) error {
				all.Done()
				all.Wait()
				return fn(c)
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestDBFunctionRegisteredOnEveryConnection(t *testing.T) {
	db := dbOpenTest(t, &Options{Readers: 3})
	ctx := context.Background()
	type key struct{}
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		return c.CreateFunction("tagged", 1, sqlite.Deterministic, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
			tag, _ := fc.Context().Value(key{}).(string)
			fc.ResultText(args[0].Text() + "@" + tag)
			return nil
		})
	}))
	wctx := context.WithValue(ctx, key{}, "writer")
	_, err := db.Exec(wctx, "CREATE TABLE t(s); INSERT INTO t VALUES (tagged('a'))")
	dbMust(t, err)
	dbMust(t, db.Writer(WriteOptions{Isolated: true}).Write(context.WithValue(ctx, key{}, "isolated"), func(c *sqlite.Conn) error {
		return c.Exec("INSERT INTO t VALUES (tagged('b'))")
	}))
	rctx := context.WithValue(ctx, key{}, "reader")
	dbOnEveryReader(t, db, func(c *sqlite.Conn) error {
		for s, err := range c.Query("SELECT group_concat(s, ' ') || ' ' || tagged('c') FROM t") {
			if err != nil {
				return err
			}
			if got := s.ColumnText(0); got != "a@writer b@isolated c@" {
				return fmt.Errorf("got %q", got)
			}
		}
		return nil
	})
	var got string
	dbMust(t, db.QueryRow(rctx, "SELECT tagged('d')").Scan(&got))
	if got != "d@reader" {
		t.Fatalf("a reader's function saw %q", got)
	}
}

func TestDBCollationAndAggregateRegistered(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		return c.CreateCollation("reverse", func(a, b string) int { return strings.Compare(b, a) })
	}))
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		return c.CreateAggregate("longest", 1, 0, func() sqlite.AggregateFunc { return &dbLongest{} })
	}))
	// The writer needs the collation for the index, the readers for the
	// query.
	_, err := db.Exec(ctx, "CREATE TABLE w(s); CREATE INDEX w_rev ON w(s COLLATE reverse); INSERT INTO w VALUES ('b'), ('c'), ('a'), ('bb')")
	dbMust(t, err)
	rs, err := db.QueryRows(ctx, "SELECT s FROM w ORDER BY s COLLATE reverse")
	dbMust(t, err)
	if fmt.Sprint(rs.Rows) != "[[c] [bb] [b] [a]]" {
		t.Fatalf("rows %v", rs.Rows)
	}
	var s string
	dbMust(t, db.QueryRow(ctx, "SELECT longest(s) FROM w").Scan(&s))
	if s != "bb" {
		t.Fatalf("longest %q", s)
	}
}

type dbLongest struct{ s string }

func (a *dbLongest) Step(_ *sqlite.FuncContext, args []sqlite.Value) error {
	if v := args[0].Text(); len(v) > len(a.s) {
		a.s = v
	}
	return nil
}

func (a *dbLongest) Final(fc *sqlite.FuncContext) error {
	fc.ResultText(a.s)
	return nil
}

func TestDBTableValuedFunctionOnReaders(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		return vtfunc.RegisterSlice(c, "squares", vtfunc.Table{Columns: []string{"n"}, Params: []vtfunc.Param{{Name: "upto", Required: true}}},
			func(_ context.Context, args vtfunc.Args) ([]int, error) {
				var out []int
				for i := 1; i <= args.Int("upto"); i++ {
					out = append(out, i*i)
				}
				return out, nil
			})
	}))
	var sum int
	dbMust(t, db.QueryRow(ctx, "SELECT sum(n) FROM squares(4)").Scan(&sum))
	if sum != 30 {
		t.Fatalf("sum %d", sum)
	}
	_, err := db.Exec(ctx, "CREATE TABLE sq AS SELECT n FROM squares(3)")
	dbMust(t, err)
	if n := dbCount(t, db, "SELECT count(*) FROM sq"); n != 3 {
		t.Fatalf("%d rows", n)
	}
}

func TestDBGoFunctionCallingTheWriterIsReentrant(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		return c.CreateFunction("log_write", 1, 0, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
			// A write from inside a write: with the function's context, or any.
			if _, err := db.Exec(fc.Context(), "INSERT INTO log VALUES (?)", args[0].Text()); err != nil {
				return err
			}
			_, err := db.Exec(context.Background(), "INSERT INTO log VALUES (?)", args[0].Text())
			return err
		})
	}))
	_, err := db.Exec(ctx, "CREATE TABLE log(s)")
	dbMust(t, err)
	_, err = db.Exec(ctx, "SELECT log_write('x')")
	if !errors.Is(err, ErrReentrant) {
		t.Fatalf("got %v, want ErrReentrant", err)
	}
	// From a reader, the same call is fine: it waits for the writer,
	// which is free.
	dbMust(t, db.QueryRow(ctx, "SELECT log_write('y')").Err())
	if n := dbCount(t, db, "SELECT count(*) FROM log"); n != 2 {
		t.Fatalf("%d log rows, want 2", n)
	}
}

func TestWriteGoexitLeavesTheWriterRunning(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	release := dbHold(t, db)
	w1 := dbQueue(t, db, dbInsert(db, 1))
	exits := dbQueue(t, db, func() error {
		return db.Write(ctx, func(c *sqlite.Conn) error {
			c.Exec("INSERT INTO t(x) VALUES ('gone')")
			runtime.Goexit() // as t.FailNow would
			return nil
		})
	})
	w3 := dbQueue(t, db, dbInsert(db, 3))
	release()
	if err := exits.wait(); !errors.Is(err, errDBGoexit) {
		t.Fatalf("got %v, want the Goexit error", err)
	}
	dbMust(t, w1.wait())
	dbMust(t, w3.wait())
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 2 {
		t.Fatalf("counter %d, want 2 (w1 redone, w3)", n)
	}
	_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (4)")
	dbMust(t, err)
}

// TestCommitHookGoexitLeavesTheWriterRunning: a hook registered with
// Register that ends the writer goroutine (runtime.Goexit) during a COMMIT
// leaves the writer serving, and each write's answer says exactly whether
// it was applied.
func TestCommitHookGoexitLeavesTheWriterRunning(t *testing.T) {
	// 0: one write alone in its group; otherwise writes queued behind a
	// held one, in its group.
	for _, writes := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(writes, " writes"), func(t *testing.T) {
			db := dbOpenTest(t, dbGroupOptions)
			dbGroupSchema(t, db)
			ctx := context.Background()
			var armed atomic.Bool
			dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
				_, err := c.AddCommitHook(func() bool {
					if armed.CompareAndSwap(true, false) {
						runtime.Goexit() // as t.FailNow would
					}
					return false
				})
				return err
			}))
			var ws []dbPendingCall
			if writes == 0 {
				armed.Store(true)
				alone := dbPendingCall{done: make(chan error, 1)}
				alone.done <- dbInsert(db, 0)()
				ws = append(ws, alone)
			} else {
				release := dbHold(t, db)
				for i := range writes {
					ws = append(ws, dbQueue(t, db, dbInsert(db, i)))
				}
				armed.Store(true)
				release()
			}
			applied := int64(0)
			for _, w := range ws {
				if err := w.wait(); err == nil {
					applied++
				} else if !errors.Is(err, errDBGoexit) {
					t.Fatalf("write: %v", err)
				}
			}
			if n := dbCount(t, db, "SELECT n FROM counter"); n != applied {
				t.Fatalf("counter %d, but %d writes answered as applied", n, applied)
			}
			_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES ('after')")
			dbMust(t, err)
		})
	}
}

// TestWriteGoexitAfterItsOwnCommitAnswersExactly: a Write function that
// ends the group's transaction itself (COMMIT) and then the writer goroutine
// (runtime.Goexit) leaves the writes before it in its group committed: they
// are answered as applied, not run a second time.
func TestWriteGoexitAfterItsOwnCommitAnswersExactly(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	release := dbHold(t, db)
	w1 := dbQueue(t, db, dbInsert(db, 1))
	exits := dbQueue(t, db, func() error {
		return db.Write(ctx, func(c *sqlite.Conn) error {
			if err := c.Exec("COMMIT"); err != nil {
				return err
			}
			runtime.Goexit() // as t.FailNow would
			return nil
		})
	})
	release()
	if err := exits.wait(); !errors.Is(err, errDBGoexit) {
		t.Fatalf("got %v, want the Goexit error", err)
	}
	dbMust(t, w1.wait())
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 1 {
		t.Fatalf("counter %d, want 1 (w1, once)", n)
	}
	_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (2)")
	dbMust(t, err)
}

// TestGoFunctionGoexitInAGroupFailsOnlyItsWrite: a Go function that ends
// the writer goroutine (runtime.Goexit) in the middle of a statement fails
// that write only; the statement is not left running, so the group's other
// writes and later ones commit.
func TestGoFunctionGoexitInAGroupFailsOnlyItsWrite(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		return c.CreateFunction("quit", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
			runtime.Goexit()
			return nil
		})
	}))
	release := dbHold(t, db)
	w1 := dbQueue(t, db, dbInsert(db, 1))
	w2 := dbQueue(t, db, func() error {
		_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (2), (quit())")
		return err
	})
	w3 := dbQueue(t, db, dbInsert(db, 3))
	release()
	if err := w2.wait(); !errors.Is(err, errDBGoexit) {
		t.Fatalf("got %v, want the Goexit error", err)
	}
	dbMust(t, w1.wait())
	dbMust(t, w3.wait())
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 2 {
		t.Fatalf("counter %d, want 2 (w1 redone, w3)", n)
	}
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	// The writer commits as before.
	for i := range 3 {
		dbMust(t, dbInsert(db, 10+i)())
	}
}

// TestRegistrationPanickingOnAReaderLosesNoReader: a registration that
// panics as a reader applies it fails that read with the panic, and the
// reader goes back to the pool: the next read applies it again, and Close
// does not wait for a lost reader.
func TestRegistrationPanickingOnAReaderLosesNoReader(t *testing.T) {
	leaks := leakcheck.Check(t)
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), &Options{Readers: 1})
	dbMust(t, err)
	ctx := context.Background()
	var calls atomic.Int32
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		if calls.Add(1) == 2 { // the writer's succeeds, the reader's first panics
			panic("registration panicked")
		}
		return nil
	}))
	func() {
		defer func() {
			if p := recover(); p != "registration panicked" {
				t.Errorf("read: recovered %v, want the registration's panic", p)
			}
		}()
		db.QueryRow(ctx, "SELECT 1")
	}()
	// Bounded, as the only reader might be lost.
	bounded, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if v, err := dbValue(bounded, db, "SELECT 42"); err != nil || v != int64(42) {
		t.Fatalf("read after the panic: %v, %v", v, err)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		dbMust(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits for a reader lost to the panic")
	}
	leaks()
}

// TestRegisterPanickingOnAReadOnlyDBLosesNoReader: on a read-only DB,
// Register tries fn on a reader; a panic in fn reaches the caller and the
// reader goes back to the pool.
func TestRegisterPanickingOnAReadOnlyDBLosesNoReader(t *testing.T) {
	leaks := leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := Open(context.Background(), path, nil)
	dbMust(t, err)
	dbMust(t, db.Close())
	db, err = Open(context.Background(), path, &Options{ReadOnly: true, Readers: 1})
	dbMust(t, err)
	ctx := context.Background()
	func() {
		defer func() {
			if p := recover(); p != "registration panicked" {
				t.Errorf("Register: recovered %v, want the function's panic", p)
			}
		}()
		db.Register(ctx, func(*sqlite.Conn) error { panic("registration panicked") })
	}()
	bounded, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if v, err := dbValue(bounded, db, "SELECT 42"); err != nil || v != int64(42) {
		t.Fatalf("read after the panic: %v, %v", v, err)
	}
	dbMust(t, db.Close())
	leaks()
}

// TestIsolatedWriteConnectHookPanicOrGoexit: a ConnectHook that panics or
// ends the writer goroutine (runtime.Goexit) while an isolated write's
// connection opens fails that write (a panic is raised again in its
// caller, as one in a Write function is); the writer serves on.
func TestIsolatedWriteConnectHookPanicOrGoexit(t *testing.T) {
	for _, how := range []string{"panic", "goexit"} {
		t.Run(how, func(t *testing.T) {
			var armed atomic.Bool
			db := dbOpenTest(t, &Options{ConnectHook: func(*sqlite.Conn, bool) error {
				if armed.CompareAndSwap(true, false) {
					if how == "panic" {
						panic("hook panicked")
					}
					runtime.Goexit() // as t.FailNow would
				}
				return nil
			}})
			dbGroupSchema(t, db)
			ctx := context.Background()
			isolated := db.Writer(WriteOptions{Isolated: true})
			armed.Store(true)
			done := make(chan any, 1)
			go func() {
				var out any
				defer func() {
					if p := recover(); p != nil {
						out = p
					}
					done <- out
				}()
				if _, err := isolated.Exec(ctx, "INSERT INTO t(x) VALUES (1)"); err != nil {
					out = err
				}
			}()
			var got any
			select {
			case got = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the isolated write was never answered")
			}
			switch err, _ := got.(error); {
			case how == "panic" && got != "hook panicked":
				t.Fatalf("got %v, want the hook's panic raised again", got)
			case how == "goexit" && !errors.Is(err, errDBGoexit):
				t.Fatalf("got %v, want the Goexit error", got)
			}
			if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 0 {
				t.Fatalf("%d rows, want none", n)
			}
			_, err := isolated.Exec(ctx, "INSERT INTO t(x) VALUES (2)")
			dbMust(t, err)
		})
	}
}
