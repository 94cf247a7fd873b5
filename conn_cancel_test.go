package asqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// forever is a recursive query that never ends by itself: CPU-bound SQL.
const forever = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n) "

// short is the deadline of tests where a deadline must pass: the test
// waits for it, not for a guess about scheduling.
const short = 20 * time.Millisecond

func TestQueuedCallCancelledReturnsAtOnceAndNeverRuns(t *testing.T) {
	c := openTest(t, nil)
	release := hold(t, c)
	queued := watchQueue(c)
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	errc := make(chan error)
	go func() {
		errc <- c.Run(ctx, func(*sqlite.Conn) error { ran = true; return nil })
	}()
	<-queued
	cancel()
	err := <-errc // returns while the worker is still held
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	release()
	if _, err := c.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatalf("next call: %v", err)
	}
	if ran {
		t.Fatal("the cancelled call ran")
	}
}

func TestQueuedCallPastDeadlineReturnsAndNeverRuns(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	release := hold(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	_, err := c.Exec(ctx, "INSERT INTO t VALUES (1)") // the worker stays held throughout
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	release()
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("the timed-out call inserted %d rows", n)
	}
}

func TestCallWithEndedContextNeverQueues(t *testing.T) {
	c := openTest(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	queued := watchQueue(c)
	if _, err := c.Exec(ctx, "SELECT 1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	select {
	case <-queued:
		t.Fatal("a call with an ended context was queued")
	default:
	}
}

func TestRunningSQLStopsAtDeadline(t *testing.T) {
	c := openTest(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	_, err := c.Exec(ctx, forever+"SELECT count(*) FROM n")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	var one int
	if err := c.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("next call: %d, %v", one, err)
	}
}

func TestRunningSQLInterruptedWhenContextCancelled(t *testing.T) {
	c := openTest(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	errc := make(chan error)
	go func() {
		errc <- c.Run(ctx, func(sc *sqlite.Conn) error {
			close(started)
			return sc.Exec(forever + "SELECT count(*) FROM n")
		})
	}()
	<-started
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) || !errors.Is(err, sqlite.ErrInterrupt) {
		t.Fatalf("got %v, want an interrupt wrapping context.Canceled", err)
	}
	if _, err := c.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatalf("next call: %v", err)
	}
}

func TestRunningFunctionSeesContextEnd(t *testing.T) {
	c := openTest(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	errc := make(chan error)
	go func() {
		errc <- c.Run(ctx, func(sc *sqlite.Conn) error {
			close(started)
			<-sc.Context().Done()
			return sc.Context().Err()
		})
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestCancelledInsertLeavesNothing(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	_, err := c.Exec(ctx, "INSERT INTO t "+forever+"SELECT i FROM n")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows left by the cancelled INSERT", n)
	}
	assertAutocommit(t, c)
}

func TestCancelledScriptRollsBackTransactionItOpened(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	// The SELECT is interrupted; SQLite keeps the transaction open after an
	// interrupted read, so the worker must roll it back.
	_, err := c.Exec(ctx, "BEGIN; INSERT INTO t VALUES (1); "+forever+"SELECT count(*) FROM n; COMMIT")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	assertAutocommit(t, c)
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows left by the cancelled script", n)
	}
}

func TestTxStatementCancelledRollsBackTheBlock(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	var stmtErr error
	err := c.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
			return err
		}
		_, stmtErr = tx.Exec(ctx, forever+"SELECT count(*) FROM n")
		return stmtErr
	})
	if !errors.Is(stmtErr, context.DeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("statement: %v; Tx: %v", stmtErr, err)
	}
	assertAutocommit(t, c)
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows left by the cancelled block", n)
	}
}

func TestTxCancelledBeforeCommitRollsBack(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx, cancel := context.WithCancel(context.Background())
	err := c.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	assertAutocommit(t, c)
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows committed by a cancelled block", n)
	}
}

func TestTxMethodsFailOnceBlockContextEnded(t *testing.T) {
	c := openTest(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	err := c.Tx(ctx, func(tx *Tx) error {
		cancel()
		// A statement with another context still sees the block's end.
		_, err := tx.Exec(context.Background(), "SELECT 1")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("statement after the block's context ended: %v", err)
		}
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

// readFirst reads the first row of the query (batch size 2) and then runs
// andThen inside the loop before continuing; it returns the rows read and
// the error that ended the iteration.
func readFirst(c *Conn, ctx context.Context, andThen func()) (rows int, last error) {
	for _, err := range c.Query(ctx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10) SELECT i FROM n") {
		if err != nil {
			return rows, err
		}
		rows++
		if rows == 1 {
			andThen()
		}
	}
	return rows, nil
}

// assertNoOpenStatements checks, on the worker, that no query is open.
func assertNoOpenStatements(t *testing.T, c *Conn) {
	t.Helper()
	err := c.Run(context.Background(), func(sc *sqlite.Conn) error {
		if len(c.cursors) != 0 {
			return errors.New("a cursor is still open")
		}
		if st := sc.TxnState(""); st != sqlite.TxnNone {
			return errors.New("a read transaction is still open")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestQueryCancelledBetweenBatchesFreesStatement(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 2})
	ctx, cancel := context.WithCancel(context.Background())
	rows, err := readFirst(c, ctx, cancel)
	if rows != 2 || !errors.Is(err, context.Canceled) {
		t.Fatalf("read %d rows then %v; want the first batch (2) then context.Canceled", rows, err)
	}
	assertNoOpenStatements(t, c)
}

func TestQueryBreakFreesStatement(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 2})
	for range c.Query(context.Background(), forever+"SELECT i FROM n") {
		break
	}
	assertNoOpenStatements(t, c)
}

func TestQueryPanicInLoopFreesStatement(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 2})
	func() {
		defer func() { recover() }()
		for range c.Query(context.Background(), forever+"SELECT i FROM n") {
			panic("boom")
		}
	}()
	assertNoOpenStatements(t, c)
}

func TestQueryDeadlineWhileWorkerReadsFirstBatch(t *testing.T) {
	c := openTest(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	n := 0
	for _, err := range c.Query(ctx, forever+"SELECT i FROM n WHERE i < 0") {
		n++
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
	}
	if n != 1 {
		t.Fatalf("yielded %d times, want once (the error)", n)
	}
	assertNoOpenStatements(t, c)
}

func TestQueryDeadlineWhileWorkerReadsLaterBatch(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 2})
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	rows := 0
	var last error
	// Rows 1 and 2 come at once; the third never does.
	for _, err := range c.Query(ctx, forever+"SELECT i FROM n WHERE i <= 2 OR i < 0") {
		if err != nil {
			last = err
			break
		}
		rows++
	}
	if rows != 2 || !errors.Is(last, context.DeadlineExceeded) {
		t.Fatalf("read %d rows then %v", rows, last)
	}
	assertNoOpenStatements(t, c)
}

// TestScriptCompletedAsContextEndsSucceeds: a script whose last statement
// completes as its context ends ran in full and reports success, as its
// changes stay.
func TestScriptCompletedAsContextEndsSucceeds(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := c.Run(context.Background(), func(sc *sqlite.Conn) error {
		return sc.CreateFunction("cancel_now", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
			cancel()
			fc.ResultInt64(2)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "INSERT INTO t VALUES (1); INSERT INTO t VALUES (cancel_now());"); err != nil {
		t.Fatalf("script ran in full, got %v", err)
	}
	if n := count(t, c, "t"); n != 2 {
		t.Fatalf("count %d, want 2", n)
	}
}
