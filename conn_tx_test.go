package asqlite

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

func TestTxCommitsWhenFunctionReturnsNil(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t(x)")
	err := c.Tx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO t VALUES (1), (2)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, c, "t"); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	assertAutocommit(t, c)
}

func TestTxRollsBackWhenFunctionFails(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t(x)")
	boom := errors.New("boom")
	err := c.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("got %v, want the function's error", err)
	}
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows survived", n)
	}
}

func TestNestedTxFailureRollsBackOnlyTheInnerBlock(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t(x)")
	var innerErr error
	err := c.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ('outer')"); err != nil {
			return err
		}
		innerErr = tx.Tx(ctx, func(tx *Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ('inner')"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "DROP TABLE nowhere")
			return err
		})
		return nil // the outer block carries on
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(innerErr, sqlite.ErrError) {
		t.Fatalf("inner block: %v", innerErr)
	}
	var got []string
	for row, err := range c.Query(ctx, "SELECT x FROM t") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.Text(0))
	}
	if fmt.Sprint(got) != "[outer]" {
		t.Fatalf("rows %v, want [outer]", got)
	}
}

func TestTxPanicRollsBackAndIsReraisedInCaller(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t(x)")
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v", p)
			}
		}()
		c.Tx(ctx, func(tx *Tx) error {
			tx.Exec(ctx, "INSERT INTO t VALUES (1)")
			tx.Tx(ctx, func(tx *Tx) error {
				tx.Exec(ctx, "INSERT INTO t VALUES (2)")
				panic("boom")
			})
			return nil
		})
	}()
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows survived the panic", n)
	}
	assertAutocommit(t, c)
}

func TestTxIsAtomicWithRespectToOtherCallers(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t(who)")
	queued := watchQueue(c)
	other := make(chan error)
	err := c.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ('block 1')"); err != nil {
			return err
		}
		go func() {
			_, err := c.Exec(ctx, "INSERT INTO t VALUES ('other')")
			other <- err
		}()
		<-queued // the other caller waits now
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES ('block 2')"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			return err
		}
		if n != 2 {
			return fmt.Errorf("the block sees %d rows: another caller ran inside it", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	var got []string
	for row, err := range c.Query(ctx, "SELECT who FROM t ORDER BY rowid") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.Text(0))
	}
	if fmt.Sprint(got) != "[block 1 block 2 other]" {
		t.Fatalf("rows %v", got)
	}
}

func TestTxUsedAfterBlockFailsWithErrTxDone(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	var kept *Tx
	if err := c.Tx(ctx, func(tx *Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Exec(ctx, "SELECT 1"); !errors.Is(err, ErrTxDone) {
		t.Fatalf("Exec: %v", err)
	}
	if err := kept.QueryRow(ctx, "SELECT 1").Err(); !errors.Is(err, ErrTxDone) {
		t.Fatalf("QueryRow: %v", err)
	}
	for _, err := range kept.Query(ctx, "SELECT 1") {
		if !errors.Is(err, ErrTxDone) {
			t.Fatalf("Query: %v", err)
		}
	}
}

func TestTxInsideExplicitTransactionIsSavepoint(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "BEGIN; INSERT INTO t VALUES (1)")
	err := c.Tx(ctx, func(tx *Tx) error {
		tx.Exec(ctx, "INSERT INTO t VALUES (2)")
		return errors.New("undo 2 only")
	})
	if err == nil {
		t.Fatal("no error")
	}
	mustExec(t, c, "COMMIT")
	if n := count(t, c, "t"); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

func TestTxQueryStepsRowsInPlace(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
	var got []int64
	err := c.Tx(ctx, func(tx *Tx) error {
		for row, err := range tx.Query(ctx, "SELECT x FROM t ORDER BY x") {
			if err != nil {
				return err
			}
			got = append(got, row.Int64(0))
			if _, err := tx.Exec(ctx, "UPDATE t SET x = x * 10 WHERE x = ?", row.Int64(0)); err != nil {
				return err
			}
		}
		v, err := tx.Pragma(ctx, "user_version")
		if err != nil || v != int64(0) {
			return fmt.Errorf("pragma: %v, %v", v, err)
		}
		return tx.Run(ctx, func(sc *sqlite.Conn) error {
			if sc.AutoCommit() {
				return errors.New("Run inside a block is outside the transaction")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("rows %v", got)
	}
	var sum int
	if err := c.QueryRow(ctx, "SELECT sum(x) FROM t").Scan(&sum); err != nil || sum != 60 {
		t.Fatalf("sum %d, %v", sum, err)
	}
}

func TestReentrantCallFromTxFails(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	err := c.Tx(ctx, func(tx *Tx) error {
		if _, err := c.Exec(ctx, "SELECT 1"); !errors.Is(err, ErrReentrant) {
			return fmt.Errorf("got %v, want ErrReentrant", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTxModeImmediateTakesWriteLock(t *testing.T) {
	c := openTest(t, &ConnOptions{TxMode: sqlite.Immediate})
	ctx := context.Background()
	err := c.Tx(ctx, func(tx *Tx) error {
		return tx.Run(ctx, func(sc *sqlite.Conn) error {
			if st := sc.TxnState("main"); st != sqlite.TxnWrite {
				return fmt.Errorf("transaction state %d, want write", st)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTxWhoseDeadlinePassedIsNotCommitted: a block whose function returns
// nil after its context's deadline has passed, its timer maybe not fired
// yet, is rolled back and fails with context.DeadlineExceeded.
func TestTxWhoseDeadlinePassedIsNotCommitted(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	for range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		err := c.Tx(ctx, func(tx *Tx) error {
			if _, err := tx.Exec(context.Background(), "INSERT INTO t VALUES (1)"); err != nil {
				return err
			}
			deadline, _ := ctx.Deadline()
			for time.Now().Before(deadline) { // let the deadline pass
			}
			return nil
		})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
	}
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows committed by blocks past their deadline", n)
	}
}
