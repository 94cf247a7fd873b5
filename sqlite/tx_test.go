package sqlite_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func txRows(t *testing.T, c *sqlite.Conn) string {
	t.Helper()
	var got []string
	for row, err := range c.Query("SELECT x FROM t ORDER BY x") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.ColumnText(0))
	}
	return strings.Join(got, ",")
}

func TestTxCommitsOnNil(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	err := c.Tx(sqlite.Immediate, func() error {
		if c.AutoCommit() {
			t.Error("AutoCommit inside Tx")
		}
		return c.Exec("INSERT INTO t VALUES ('a')")
	})
	if err != nil {
		t.Fatal(err)
	}
	if !c.AutoCommit() || txRows(t, c) != "a" {
		t.Errorf("AutoCommit %v rows %q", c.AutoCommit(), txRows(t, c))
	}
}

func TestTxRollsBackOnError(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	boom := errors.New("boom")
	err := c.Tx(sqlite.Deferred, func() error {
		mustExec(t, c, "INSERT INTO t VALUES ('a')")
		return boom
	})
	if err != boom {
		t.Fatalf("Tx returned %v, want the function's error", err)
	}
	if !c.AutoCommit() || txRows(t, c) != "" {
		t.Errorf("AutoCommit %v rows %q", c.AutoCommit(), txRows(t, c))
	}
}

func TestTxModes(t *testing.T) {
	c := openFile(t, "modes.db", 0)
	mustExec(t, c, "CREATE TABLE t(x)")
	for _, m := range []sqlite.TxMode{sqlite.Deferred, sqlite.Immediate, sqlite.Exclusive} {
		var state sqlite.TxnState
		err := c.Tx(m, func() error {
			state = c.TxnState("main")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := sqlite.TxnWrite
		if m == sqlite.Deferred {
			want = sqlite.TxnNone
		}
		if state != want {
			t.Errorf("mode %d: TxnState at start = %v, want %v", m, state, want)
		}
	}
}

func TestTxNestedInnerErrorRollsBackOnlyInner(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	inner := errors.New("inner")
	err := c.Tx(sqlite.Immediate, func() error {
		mustExec(t, c, "INSERT INTO t VALUES ('outer1')")
		if err := c.Tx(sqlite.Immediate, func() error {
			mustExec(t, c, "INSERT INTO t VALUES ('inner')")
			return inner
		}); err != inner {
			t.Errorf("inner Tx returned %v", err)
		}
		if c.AutoCommit() {
			t.Error("inner rollback ended the outer transaction")
		}
		if err := c.Tx(sqlite.Deferred, func() error {
			return c.Exec("INSERT INTO t VALUES ('kept')")
		}); err != nil {
			t.Error(err)
		}
		return c.Exec("INSERT INTO t VALUES ('outer2')")
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := txRows(t, c); got != "kept,outer1,outer2" {
		t.Errorf("rows %q", got)
	}
}

func TestTxOuterErrorRollsBackCommittedInner(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	c.Tx(sqlite.Deferred, func() error {
		c.Tx(sqlite.Deferred, func() error { return c.Exec("INSERT INTO t VALUES ('inner')") })
		return errors.New("outer fails")
	})
	if got := txRows(t, c); got != "" {
		t.Errorf("rows %q after outer rollback", got)
	}
}

func TestTxPanicRollsBackAndRepanics(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Errorf("recovered %v, want the original panic", r)
			}
		}()
		c.Tx(sqlite.Deferred, func() error {
			mustExec(t, c, "INSERT INTO t VALUES ('outer')")
			c.Tx(sqlite.Deferred, func() error {
				mustExec(t, c, "INSERT INTO t VALUES ('inner')")
				panic("kaboom")
			})
			return nil
		})
	}()
	if !c.AutoCommit() || txRows(t, c) != "" {
		t.Errorf("after panic: AutoCommit %v rows %q", c.AutoCommit(), txRows(t, c))
	}
	// Savepoint numbering is back to the start: a new nest works.
	err := c.Tx(sqlite.Deferred, func() error {
		return c.Tx(sqlite.Deferred, func() error { return c.Exec("INSERT INTO t VALUES ('again')") })
	})
	if err != nil || txRows(t, c) != "again" {
		t.Errorf("after recovery: %v, rows %q", err, txRows(t, c))
	}
}

func TestTxInnerPanicRecoveredKeepsOuter(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	err := c.Tx(sqlite.Deferred, func() error {
		mustExec(t, c, "INSERT INTO t VALUES ('outer')")
		func() {
			defer func() { recover() }()
			c.Tx(sqlite.Deferred, func() error {
				mustExec(t, c, "INSERT INTO t VALUES ('inner')")
				panic("inner")
			})
		}()
		return nil
	})
	if err != nil || txRows(t, c) != "outer" {
		t.Errorf("err %v rows %q", err, txRows(t, c))
	}
}

func TestTxRollbackWorksAfterContextEnded(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx, cancel := context.WithCancel(context.Background())
	c.SetContext(ctx)
	err := c.Tx(sqlite.Immediate, func() error {
		mustExec(t, c, "INSERT INTO t VALUES ('a')")
		cancel()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Tx: %v", err)
	}
	if c.Context() != ctx {
		t.Error("Tx did not leave the caller's context installed")
	}
	c.SetContext(context.Background())
	if !c.AutoCommit() || txRows(t, c) != "" {
		t.Errorf("after cancelled Tx: AutoCommit %v rows %q", c.AutoCommit(), txRows(t, c))
	}
}

func TestTxCommitUnderEndedContextRollsBack(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx, cancel := context.WithCancel(context.Background())
	c.SetContext(ctx)
	err := c.Tx(sqlite.Immediate, func() error {
		mustExec(t, c, "INSERT INTO t VALUES ('a')")
		cancel()
		return nil // the commit itself meets the ended context
	})
	wantCode(t, err, sqlite.ErrInterrupt)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	c.SetContext(context.Background())
	if !c.AutoCommit() || txRows(t, c) != "" {
		t.Errorf("AutoCommit %v rows %q", c.AutoCommit(), txRows(t, c))
	}
}

func TestTxStatementErrorInsideIsReturned(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x PRIMARY KEY)")
	err := c.Tx(sqlite.Deferred, func() error {
		mustExec(t, c, "INSERT INTO t VALUES (1)")
		return c.Exec("INSERT INTO t VALUES (1)")
	})
	wantCode(t, err, sqlite.ErrConstraintPrimaryKey)
	if txRows(t, c) != "" {
		t.Error("failed transaction committed")
	}
}

func TestTxSurvivesEngineRollback(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x UNIQUE ON CONFLICT ROLLBACK)")
	err := c.Tx(sqlite.Deferred, func() error {
		return c.Tx(sqlite.Deferred, func() error {
			mustExec(t, c, "INSERT INTO t VALUES (1)")
			// ON CONFLICT ROLLBACK ends the whole transaction in the engine.
			return c.Exec("INSERT INTO t VALUES (1)")
		})
	})
	wantCode(t, err, sqlite.ErrConstraintUnique)
	if !c.AutoCommit() || txRows(t, c) != "" {
		t.Errorf("AutoCommit %v rows %q", c.AutoCommit(), txRows(t, c))
	}
}

func TestTxInsideManualTransactionUsesSavepoint(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x); BEGIN; INSERT INTO t VALUES ('manual')")
	c.Tx(sqlite.Deferred, func() error {
		mustExec(t, c, "INSERT INTO t VALUES ('tx')")
		return errors.New("undo")
	})
	if c.AutoCommit() {
		t.Fatal("Tx ended the caller's own transaction")
	}
	mustExec(t, c, "COMMIT")
	if got := txRows(t, c); got != "manual" {
		t.Errorf("rows %q", got)
	}
}
