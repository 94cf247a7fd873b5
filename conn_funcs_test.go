package asqlite

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

type ctxKey struct{}

// mustRun runs fn on c's worker (to register callbacks, say) and fails t
// if it fails.
func mustRun(t testing.TB, c *Conn, fn func(sc *sqlite.Conn) error) {
	t.Helper()
	if err := c.Run(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func mustFunc(t *testing.T, c *Conn, name string, nArg int, fn sqlite.ScalarFunc) {
	t.Helper()
	mustRun(t, c, func(sc *sqlite.Conn) error { return sc.CreateFunction(name, nArg, 0, fn) })
}

// blocker registers block(x): it signals started and waits until release
// is closed or, if obeyCtx, until its context ends.
type blocker struct {
	started chan struct{}
	release chan struct{}
	calls   int
}

func newBlocker(t *testing.T, c *Conn, obeyCtx bool) *blocker {
	b := &blocker{started: make(chan struct{}, 100), release: make(chan struct{})}
	mustFunc(t, c, "block", 1, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
		b.calls++
		b.started <- struct{}{}
		if obeyCtx {
			select {
			case <-b.release:
			case <-fc.Context().Done():
				return fc.Context().Err()
			}
		} else {
			<-b.release
		}
		fc.ResultInt64(args[0].Int64())
		return nil
	})
	return b
}

func TestFunctionReceivesTheCallersContext(t *testing.T) {
	c := openTest(t, nil)
	mustFunc(t, c, "who", 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
		v, _ := fc.Context().Value(ctxKey{}).(string)
		fc.ResultText(v)
		return nil
	})
	for _, caller := range []string{"alice", "bob"} {
		ctx := context.WithValue(context.Background(), ctxKey{}, caller)
		var got string
		if err := c.QueryRow(ctx, "SELECT who()").Scan(&got); err != nil || got != caller {
			t.Fatalf("function saw %q (%v), want %q", got, err, caller)
		}
	}
}

func TestRunningFunctionSeesCallContextEnd(t *testing.T) {
	c := openTest(t, nil)
	b := newBlocker(t, c, true)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := c.Exec(ctx, "SELECT block(1)")
		errc <- err
	}()
	<-b.started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	var one int
	if err := c.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("next call: %v", err)
	}
}

func TestFunctionErrorFromContextSatisfiesDeadline(t *testing.T) {
	c := openTest(t, nil)
	b := newBlocker(t, c, true)
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	_, err := c.Exec(ctx, "SELECT block(1)")
	<-b.started
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestRunningCallWaitsForFunctionThatIgnoresDeadline(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	b := newBlocker(t, c, false) // does not watch its context
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	errc := make(chan error)
	go func() {
		_, err := c.Exec(ctx, "INSERT INTO t VALUES (block(1))")
		errc <- err
	}()
	<-b.started
	<-ctx.Done()
	select {
	case err := <-errc:
		t.Fatalf("returned %v while its statement was still running", err)
	default:
	}
	close(b.release)
	// The statement completed after the deadline: it was applied, and the
	// caller is told so.
	if err := <-errc; err != nil {
		t.Fatalf("got %v for a committed INSERT", err)
	}
	if n := count(t, c, "t"); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

func TestCallQueuedBehindRunningFunctionIsCancelled(t *testing.T) {
	c := openTest(t, nil)
	b := newBlocker(t, c, true)
	mustExec(t, c, "CREATE TABLE t(x)")
	first := make(chan error)
	go func() {
		_, err := c.Exec(context.Background(), "SELECT block(1)")
		first <- err
	}()
	<-b.started
	queued := watchQueue(c)
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error)
	go func() {
		_, err := c.Exec(ctx, "INSERT INTO t VALUES (1)")
		second <- err
	}()
	<-queued
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Fatalf("queued call: %v", err)
	}
	close(b.release)
	if err := <-first; err != nil {
		t.Fatalf("running call: %v", err)
	}
	if n := count(t, c, "t"); n != 0 {
		t.Fatal("the cancelled queued call ran")
	}
}

func TestRunningSQLStartedByFunctionIsInterrupted(t *testing.T) {
	c := openTest(t, nil)
	started := make(chan struct{}, 1)
	mustFunc(t, c, "started", 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
		started <- struct{}{}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		// started() runs once, then the endless CTE keeps the worker busy.
		_, err := c.Exec(ctx, forever+"SELECT count(*) FROM n WHERE i > (SELECT started())")
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if _, err := c.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatalf("next call: %v", err)
	}
}

func TestReentrantCallFromFunctionFails(t *testing.T) {
	c := openTest(t, nil)
	var inner []error
	mustFunc(t, c, "reenter", 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
		_, err1 := c.Exec(fc.Context(), "SELECT 1")         // the worker's context
		_, err2 := c.Exec(context.Background(), "SELECT 1") // another context, same goroutine
		inner = append(inner, err1, err2)
		// SQL on the connection the function was given is fine.
		for s, err := range fc.Conn().Query("SELECT 41 + 1") {
			if err != nil {
				return err
			}
			fc.ResultInt64(s.ColumnInt64(0))
		}
		return nil
	})
	var v int
	if err := c.QueryRow(context.Background(), "SELECT reenter()").Scan(&v); err != nil || v != 42 {
		t.Fatalf("got %d, %v", v, err)
	}
	for i, err := range inner {
		if !errors.Is(err, ErrReentrant) {
			t.Fatalf("call %d from the function: %v, want ErrReentrant", i, err)
		}
	}
}

func TestReadAheadYieldsToQueuedCall(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 2})
	b := newBlocker(t, c, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // on failure, unblocks block() so that Close can finish
	q := "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 6) " +
		"SELECT CASE WHEN i <= 2 THEN i ELSE block(i) END FROM n"
	next, stop := iter.Pull2(c.Query(ctx, q))
	defer stop()
	if row, err, ok := next(); !ok || err != nil || row.Int64(0) != 1 {
		t.Fatalf("first row: %v %v %v", row, err, ok)
	}
	// The idle worker reads ahead and is now inside block(3).
	<-b.started
	queued := watchQueue(c)
	other := make(chan error)
	callsSeen := 0
	go func() {
		other <- c.Run(ctx, func(*sqlite.Conn) error { callsSeen = b.calls; return nil })
	}()
	<-queued
	b.release <- struct{}{} // let block(3) return; block(4) must wait for the other call
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	if callsSeen != 1 {
		t.Fatalf("read-ahead ran block() %d times before serving the queued call, want 1", callsSeen)
	}
	close(b.release)
	var got []int64
	got = append(got, 1)
	for {
		row, err, ok := next()
		if !ok {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.Int64(0))
	}
	if fmt.Sprint(got) != "[1 2 3 4 5 6]" {
		t.Fatalf("rows %v", got)
	}
}

func TestCollationAndAggregateRegisteredThroughRun(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustRun(t, c, func(sc *sqlite.Conn) error {
		if err := sc.CreateCollation("nocase_rev", func(a, b string) int {
			return strings.Compare(strings.ToLower(b), strings.ToLower(a))
		}); err != nil {
			return err
		}
		return sc.CreateAggregate("joined", 1, 0, func() sqlite.AggregateFunc { return &joinAgg{} })
	})
	var s string
	err := c.QueryRow(ctx, "SELECT joined(x) FROM (SELECT column1 AS x FROM (VALUES ('b'), ('A'), ('c')) ORDER BY x COLLATE nocase_rev)").Scan(&s)
	if err != nil || s != "c,b,A" {
		t.Fatalf("got %q, %v", s, err)
	}
}

type joinAgg struct{ parts []string }

func (a *joinAgg) Step(fc *sqlite.FuncContext, args []sqlite.Value) error {
	a.parts = append(a.parts, args[0].Text())
	return nil
}

func (a *joinAgg) Final(fc *sqlite.FuncContext) error {
	fc.ResultText(strings.Join(a.parts, ","))
	return nil
}

// TestGoexitInGoFunctionReadingAheadEndsTheIteration: a Go function that
// ends the worker goroutine (runtime.Goexit, as t.FailNow does) while the
// worker reads a query's next batch ahead ends that iteration with an
// error; the Conn serves on and closes.
func TestGoexitInGoFunctionReadingAheadEndsTheIteration(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, `CREATE TABLE t(x);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200)
		INSERT INTO t SELECT i FROM n`)
	exiting := make(chan struct{})
	if err := c.Run(ctx, func(sc *sqlite.Conn) error {
		return sc.CreateFunction("quit_at_70", 1, 0, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
			if args[0].Int64() == 70 { // in the second batch, read ahead
				close(exiting)
				runtime.Goexit()
			}
			fc.ResultInt64(args[0].Int64())
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		rows int
		err  error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		for _, err := range c.Query(ctx, "SELECT quit_at_70(x) FROM t") {
			if err != nil {
				o.err = err
				break
			}
			if o.rows == 0 {
				<-exiting // the worker reads ahead meanwhile
			}
			o.rows++
		}
		done <- o
	}()
	var o outcome
	select {
	case o = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the iteration hangs")
	}
	if o.rows != 69 || !errors.Is(o.err, errGoexit) {
		t.Fatalf("%d rows, then %v; want 69 rows, then the Goexit error", o.rows, o.err)
	}
	if n := count(t, c, "t"); n != 200 {
		t.Fatalf("count %d after the Goexit, want 200", n)
	}
}

// TestGoexitInGoFunctionOfFirstBatchFreesTheStatement: a Go function that
// ends the worker goroutine while the first batch of a query is read fails
// the iteration, and the query's statement is freed: once the query has
// run again, its statements use no more memory than before.
func TestGoexitInGoFunctionOfFirstBatchFreesTheStatement(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, `CREATE TABLE t(x);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200)
		INSERT INTO t SELECT i FROM n`)
	var quit atomic.Bool
	if err := c.Run(ctx, func(sc *sqlite.Conn) error {
		return sc.CreateFunction("quit_at_3", 1, 0, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
			if quit.Load() && args[0].Int64() == 3 { // in the first batch
				runtime.Goexit()
			}
			fc.ResultInt64(args[0].Int64())
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	const query = "SELECT quit_at_3(x) FROM t"
	run := func() (rows int, err error) {
		for _, err = range c.Query(ctx, query) {
			if err != nil {
				return rows, err
			}
			rows++
		}
		return rows, nil
	}
	if rows, err := run(); rows != 200 || err != nil {
		t.Fatalf("%d rows, %v; want 200 rows", rows, err)
	}
	before := statementMemory(t, c)
	quit.Store(true)
	if rows, err := run(); rows != 0 || !errors.Is(err, errGoexit) {
		t.Fatalf("%d rows, then %v; want no row and the Goexit error", rows, err)
	}
	quit.Store(false)
	if rows, err := run(); rows != 200 || err != nil {
		t.Fatalf("after the Goexit: %d rows, %v; want 200 rows", rows, err)
	}
	if after := statementMemory(t, c); after != before {
		t.Fatalf("statements use %d bytes after the Goexit, %d before", after, before)
	}
}

// statementMemory returns the memory c's prepared statements use.
func statementMemory(t *testing.T, c *Conn) int {
	t.Helper()
	var n int
	if err := c.Run(context.Background(), func(sc *sqlite.Conn) (err error) {
		n, _, err = sc.Status(sqlite.DBStatusStmtUsed, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
