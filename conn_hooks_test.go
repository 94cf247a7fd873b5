package asqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// Hooks registered through Run get the context of the call whose SQL
// triggers them from the connection they were registered on.
func TestHookRegisteredThroughRunSeesTriggeringCallsContext(t *testing.T) {
	c := openTest(t, nil)
	var seen []string
	var remove func()
	err := c.Run(context.Background(), func(sc *sqlite.Conn) (err error) {
		remove, err = sc.AddUpdateHook(func(op sqlite.Op, schema, table string, rowid int64) {
			ctx := sc.Context()
			who, _ := ctx.Value(ctxKey{}).(string)
			seen = append(seen, fmt.Sprintf("%s %v %s.%s %d", who, op, schema, table, rowid))
			// The hook's context identifies the worker: calling back is refused.
			if _, err := c.Exec(ctx, "SELECT 1"); !errors.Is(err, ErrReentrant) {
				seen = append(seen, fmt.Sprintf("re-entrant call: %v", err))
			}
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The hook calls back into c: calls must go through the worker now.
	if !c.callbacks.Load() {
		t.Fatal("registering through Run left direct calls on")
	}
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx := context.WithValue(context.Background(), ctxKey{}, "alice")
	if _, err := c.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	ctx = context.WithValue(context.Background(), ctxKey{}, "bob")
	if err := c.Tx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "UPDATE t SET x = 2")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mustRun(t, c, func(*sqlite.Conn) error { remove(); return nil })
	mustExec(t, c, "DELETE FROM t")
	if got := fmt.Sprint(seen); got != "[alice INSERT main.t 1 bob UPDATE main.t 1]" {
		t.Fatalf("hook saw %s", got)
	}
}

func TestCommitHookVetoAndRollbackHookThroughRun(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t(x)")
	var rollbacks int
	var vetoed []any
	veto := true
	mustRun(t, c, func(sc *sqlite.Conn) error {
		_, err := sc.AddCommitHook(func() bool {
			if veto {
				vetoed = append(vetoed, sc.Context().Value(ctxKey{}))
			}
			return veto
		})
		if err != nil {
			return err
		}
		_, err = sc.AddRollbackHook(func() { rollbacks++ })
		return err
	})
	vctx := context.WithValue(ctx, ctxKey{}, "vetoed")
	if _, err := c.Exec(vctx, "INSERT INTO t VALUES (1)"); !errors.Is(err, sqlite.ErrConstraint) {
		t.Fatalf("vetoed commit: %v", err)
	}
	veto = false // the hook runs on the worker, which the next call orders after this write
	mustExec(t, c, "INSERT INTO t VALUES (2)")
	if n := count(t, c, "t"); n != 1 || rollbacks != 1 || fmt.Sprint(vetoed) != "[vetoed]" {
		t.Fatalf("%d rows, %d rollbacks, commit hook saw contexts %v; want 1, 1, [vetoed]", n, rollbacks, vetoed)
	}
}

// A registration that fails through Run returns the binding's error.
func TestRegistrationErrorThroughRun(t *testing.T) {
	c := openTest(t, nil)
	err := c.Run(context.Background(), func(sc *sqlite.Conn) error {
		_, err := sc.AddUpdateHook(nil)
		return err
	})
	if !errors.Is(err, sqlite.ErrMisuse) {
		t.Fatalf("adding a nil hook: %v, want ErrMisuse", err)
	}
	err = c.Run(context.Background(), func(sc *sqlite.Conn) error {
		return sc.CreateFunction("", 0, 0, func(*sqlite.FuncContext, []sqlite.Value) error { return nil })
	})
	if err == nil || sqlite.CodeOf(err) == 0 {
		t.Fatalf("function with an empty name: %v, want an SQLite error", err)
	}
}

func TestBusyTimeoutEndsWithCallContext(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	path := filepath.Join(t.TempDir(), "busy.db")
	ctx := context.Background()
	a, err := OpenConn(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenConn(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustExec(t, a, "CREATE TABLE t(x)")
	mustRun(t, b, func(sc *sqlite.Conn) error { sc.SetBusyTimeout(time.Hour); return nil })
	// a holds the write lock until released.
	locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- a.Tx(ctx, func(tx *Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	short, cancel := context.WithTimeout(ctx, short)
	defer cancel()
	_, err = b.Exec(short, "INSERT INTO t VALUES (2)")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting for the lock: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mustExec(t, b, "INSERT INTO t VALUES (3)") // the lock is free: the hour-long timeout is not needed
	if n := count(t, b, "t"); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}

// neverDone is a context with a deadline but no timer: only the worker's
// progress handler can notice that the deadline passed.
type neverDone struct {
	context.Context
	deadline time.Time
}

func (n neverDone) Deadline() (time.Time, bool) { return n.deadline, true }

func TestProgressHandlerStopsSQLAtDeadlineWithoutTimer(t *testing.T) {
	c := openTest(t, nil)
	ctx := neverDone{Context: context.Background(), deadline: time.Now().Add(short)}
	_, err := c.Exec(ctx, forever+"SELECT count(*) FROM n")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, sqlite.ErrInterrupt) {
		t.Fatalf("got %v, want an interrupt at the deadline", err)
	}
	for _, err := range c.Query(neverDone{Context: context.Background(), deadline: time.Now().Add(short)}, forever+"SELECT i FROM n WHERE i < 0") {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("query: %v", err)
		}
	}
	if _, err := c.Exec(ctx, "SELECT 1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call past its deadline started: %v", err)
	}
	if _, err := c.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatalf("next call: %v", err)
	}
}

func TestRollbackAfterDeadlineIsNotInterrupted(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx := neverDone{Context: context.Background(), deadline: time.Now().Add(short)}
	err := c.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO t "+forever+"SELECT i FROM n LIMIT 1000"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, forever+"SELECT count(*) FROM n")
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	assertAutocommit(t, c)
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows survived", n)
	}
}
