package asqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// openTest opens a Conn on a private in-memory database, checks for leaked
// goroutines at the end of the test and closes the Conn before that.
func openTest(t testing.TB, opts *ConnOptions) *Conn {
	t.Helper()
	t.Cleanup(leakcheck.Check(t))
	c, err := OpenConn(context.Background(), ":memory:", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// hold occupies the worker with a Run call until the returned function is
// called, which waits for the Run to return.
func hold(t testing.TB, c *Conn) (release func()) {
	t.Helper()
	started, stop, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- c.Run(context.Background(), func(*sqlite.Conn) error {
			close(started)
			<-stop
			return nil
		})
	}()
	<-started
	return func() {
		close(stop)
		if err := <-done; err != nil {
			t.Errorf("held Run: %v", err)
		}
	}
}

// watchQueue returns a channel that receives a value each time a call is
// about to wait in c's queue.
func watchQueue(c *Conn) <-chan struct{} {
	ch := make(chan struct{}, 100)
	f := func() { ch <- struct{}{} }
	c.queuedHook.Store(&f)
	return ch
}

func mustExec(t testing.TB, c *Conn, sql string, args ...any) Result {
	t.Helper()
	res, err := c.Exec(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("Exec(%q): %v", sql, err)
	}
	return res
}

func count(t testing.TB, c *Conn, table string) int {
	t.Helper()
	var n int
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestExecReturnsLastInsertRowIDAndChanges(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	res := mustExec(t, c, "INSERT INTO t VALUES (?), (?), (?)", 1, 2, 3)
	if res.LastInsertRowID != 3 || res.Changes != 3 {
		t.Fatalf("got %+v, want rowid 3, 3 changes", res)
	}
	res = mustExec(t, c, "UPDATE t SET x = x + 1 WHERE x >= 2")
	if res.Changes != 2 {
		t.Fatalf("UPDATE changed %d rows, want 2", res.Changes)
	}
}

func TestExecRunsScriptWithArgs(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, `CREATE TABLE t(x, y);
		INSERT INTO t VALUES (?, ?);
		INSERT INTO t VALUES (?, :y)`, 1, "one", 2, sqlite.Named("y", "two"))
	var got []string
	for row, err := range c.Query(context.Background(), "SELECT x, y FROM t ORDER BY x") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.String())
	}
	if fmt.Sprint(got) != `[(1, "one") (2, "two")]` {
		t.Fatalf("got %v", got)
	}
}

func TestExecBadSQLReturnsSQLiteError(t *testing.T) {
	c := openTest(t, nil)
	_, err := c.Exec(context.Background(), "SELEC 1")
	var se *sqlite.Error
	if !errors.As(err, &se) || !errors.Is(err, sqlite.ErrError) {
		t.Fatalf("got %v, want *sqlite.Error with SQLITE_ERROR", err)
	}
	if _, err := c.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatalf("connection unusable after an error: %v", err)
	}
}

func TestQueryYieldsEveryRowAcrossBatches(t *testing.T) {
	for _, batch := range []int{1, 3, 64} {
		t.Run(fmt.Sprint(batch), func(t *testing.T) {
			c := openTest(t, &ConnOptions{BatchSize: batch})
			var want []int64
			i := int64(0)
			for row, err := range c.Query(context.Background(),
				"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100) SELECT i, 'row ' || i FROM n") {
				if err != nil {
					t.Fatal(err)
				}
				i++
				want = append(want, i)
				if row.Int64(0) != i || row.Text(1) != fmt.Sprintf("row %d", i) {
					t.Fatalf("row %d = %v", i, row)
				}
			}
			if len(want) != 100 {
				t.Fatalf("got %d rows, want 100", len(want))
			}
		})
	}
}

func TestQueryReportsErrorAfterTheRowsBeforeIt(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 3})
	var got []int64
	var qerr error
	for row, err := range c.Query(context.Background(),
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10) "+
			"SELECT CASE WHEN i < 6 THEN i ELSE abs(-9223372036854775807 - 1) END FROM n") {
		if err != nil {
			qerr = err
			break
		}
		got = append(got, row.Int64(0))
	}
	if fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Fatalf("rows before the error: %v", got)
	}
	if !errors.Is(qerr, sqlite.ErrError) {
		t.Fatalf("error: %v, want integer overflow", qerr)
	}
}

func TestQueryBadSQLYieldsError(t *testing.T) {
	c := openTest(t, nil)
	n := 0
	for _, err := range c.Query(context.Background(), "SELECT * FROM nowhere") {
		n++
		if !errors.Is(err, sqlite.ErrError) {
			t.Fatalf("got %v", err)
		}
	}
	if n != 1 {
		t.Fatalf("yielded %d times, want 1", n)
	}
}

func TestQueryRowScansFirstRow(t *testing.T) {
	c := openTest(t, nil)
	var n int
	var s string
	if err := c.QueryRow(context.Background(), "SELECT 42, 'x' UNION ALL SELECT 43, 'y'").Scan(&n, &s); err != nil {
		t.Fatal(err)
	}
	if n != 42 || s != "x" {
		t.Fatalf("got %d %q", n, s)
	}
}

func TestQueryRowWithoutRowsIsErrNoRows(t *testing.T) {
	c := openTest(t, nil)
	row := c.QueryRow(context.Background(), "SELECT 1 WHERE 0")
	if !errors.Is(row.Err(), ErrNoRows) {
		t.Fatalf("Err() = %v", row.Err())
	}
	var n int
	if err := row.Scan(&n); !errors.Is(err, ErrNoRows) {
		t.Fatalf("Scan = %v", err)
	}
}

func TestPragmaReadsAndSets(t *testing.T) {
	c := openTest(t, nil)
	v, err := c.Pragma(context.Background(), "journal_mode")
	if err != nil || v != "memory" {
		t.Fatalf("journal_mode = %v, %v", v, err)
	}
	if v, err := c.Pragma(context.Background(), "user_version = 7"); err != nil || v != nil {
		t.Fatalf("setting user_version: %v, %v", v, err)
	}
	if v, err := c.Pragma(context.Background(), "user_version"); err != nil || v != int64(7) {
		t.Fatalf("user_version = %v (%T), %v", v, v, err)
	}
}

func TestCallsRunInArrivalOrder(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(i)")
	release := hold(t, c)
	queued := watchQueue(c)
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Exec(context.Background(), "INSERT INTO t VALUES (?)", i); err != nil {
				t.Error(err)
			}
		}()
		<-queued // call i waits in the queue before call i+1 is made
	}
	release()
	wg.Wait()
	i := int64(0)
	for row, err := range c.Query(context.Background(), "SELECT i FROM t ORDER BY rowid") {
		if err != nil {
			t.Fatal(err)
		}
		if row.Int64(0) != i {
			t.Fatalf("row %d holds %d: calls ran out of order", i, row.Int64(0))
		}
		i++
	}
	if i != n {
		t.Fatalf("%d rows, want %d", i, n)
	}
}

func TestConcurrentCallersAllSucceed(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 7})
	mustExec(t, c, "CREATE TABLE t(g, i)")
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for i := range each {
				if _, err := c.Exec(ctx, "INSERT INTO t VALUES (?, ?)", g, i); err != nil {
					t.Error(err)
					return
				}
				n := 0
				for _, err := range c.Query(ctx, "SELECT i FROM t WHERE g = ?", g) {
					if err != nil {
						t.Error(err)
						return
					}
					n++
				}
				if n != i+1 {
					t.Errorf("goroutine %d sees %d of its rows, want %d", g, n, i+1)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := count(t, c, "t"); n != goroutines*each {
		t.Fatalf("%d rows, want %d", n, goroutines*each)
	}
}

func TestQueryLoopBodyMayCallTheConn(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 2})
	mustExec(t, c, "CREATE TABLE t(i, done); INSERT INTO t(i) VALUES (1), (2), (3), (4), (5)")
	ctx := context.Background()
	for row, err := range c.Query(ctx, "SELECT i FROM t ORDER BY i") {
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, "UPDATE t SET done = 1 WHERE i = ?", row.Int64(0)); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM t WHERE done").Scan(&n); err != nil || n != 5 {
		t.Fatalf("updated %d rows (%v), want 5", n, err)
	}
}

func TestRunGetsThePlainConnection(t *testing.T) {
	c := openTest(t, nil)
	var got int64
	err := c.Run(context.Background(), func(sc *sqlite.Conn) error {
		if err := sc.Exec("CREATE TABLE t(x); INSERT INTO t VALUES (5)"); err != nil {
			return err
		}
		for s, err := range sc.Query("SELECT x FROM t") {
			if err != nil {
				return err
			}
			got = s.ColumnInt64(0)
		}
		return nil
	})
	if err != nil || got != 5 {
		t.Fatalf("got %d, %v", got, err)
	}
}

func TestRunReturnsFunctionError(t *testing.T) {
	c := openTest(t, nil)
	boom := errors.New("boom")
	if err := c.Run(context.Background(), func(*sqlite.Conn) error { return boom }); err != boom {
		t.Fatalf("got %v", err)
	}
}

func TestRunErrorRollsBackTransactionItOpened(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	err := c.Run(context.Background(), func(sc *sqlite.Conn) error {
		if err := sc.Exec("BEGIN; INSERT INTO t VALUES (1)"); err != nil {
			return err
		}
		return errors.New("give up")
	})
	if err == nil {
		t.Fatal("no error")
	}
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows survived", n)
	}
	assertAutocommit(t, c)
}

func TestRunSuccessKeepsTransactionItOpened(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "BEGIN")
	mustExec(t, c, "INSERT INTO t VALUES (1)")
	if err := c.Run(context.Background(), func(sc *sqlite.Conn) error {
		if sc.AutoCommit() {
			return errors.New("transaction opened by Exec(BEGIN) is gone")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "COMMIT")
	if n := count(t, c, "t"); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

func assertAutocommit(t *testing.T, c *Conn) {
	t.Helper()
	if err := c.Run(context.Background(), func(sc *sqlite.Conn) error {
		if !sc.AutoCommit() {
			return errors.New("a transaction is still open")
		}
		if st := sc.TxnState(""); st != sqlite.TxnNone {
			return fmt.Errorf("transaction state %d, want none", st)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestRunPanicIsReraisedInCaller(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(x)")
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want boom", p)
			}
		}()
		c.Run(context.Background(), func(sc *sqlite.Conn) error {
			sc.Exec("BEGIN; INSERT INTO t VALUES (1)")
			panic("boom")
		})
		t.Fatal("Run returned")
	}()
	if n := count(t, c, "t"); n != 0 {
		t.Fatalf("%d rows survived the panic", n)
	}
}

func TestRunGoexitKeepsWorkerServing(t *testing.T) {
	c := openTest(t, nil)
	err := c.Run(context.Background(), func(*sqlite.Conn) error {
		runtime.Goexit()
		return nil
	})
	if !errors.Is(err, errGoexit) {
		t.Fatalf("got %v", err)
	}
	if v, err := c.Pragma(context.Background(), "user_version"); err != nil || v != int64(0) {
		t.Fatalf("after Goexit: %v, %v", v, err)
	}
}

func TestReentrantCallFromRunFails(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	err := c.Run(ctx, func(sc *sqlite.Conn) error {
		if _, err := c.Exec(ctx, "SELECT 1"); !errors.Is(err, ErrReentrant) {
			return fmt.Errorf("with the caller's context: %v", err)
		}
		if _, err := c.Exec(sc.Context(), "SELECT 1"); !errors.Is(err, ErrReentrant) {
			return fmt.Errorf("with the worker's context: %v", err)
		}
		if err := c.Close(); !errors.Is(err, ErrReentrant) {
			return fmt.Errorf("Close: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWorkerContextFromAnotherGoroutineIsReentrant(t *testing.T) {
	c := openTest(t, nil)
	err := c.Run(context.Background(), func(sc *sqlite.Conn) error {
		errc := make(chan error)
		go func() {
			_, err := c.Exec(sc.Context(), "SELECT 1")
			errc <- err
		}()
		if err := <-errc; !errors.Is(err, ErrReentrant) {
			return fmt.Errorf("got %v, want ErrReentrant", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenConnBadPathFails(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	_, err := OpenConn(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), nil)
	if !errors.Is(err, sqlite.ErrCantOpen) {
		t.Fatalf("got %v, want SQLITE_CANTOPEN", err)
	}
}

func TestOpenConnEndedContextFails(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := OpenConn(ctx, ":memory:", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestOpenConnFileIsShared(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	path := filepath.Join(t.TempDir(), "x.db")
	ctx := context.Background()
	a, err := OpenConn(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mustExec(t, a, "CREATE TABLE t(x); INSERT INTO t VALUES (1)")
	b, err := OpenConn(ctx, path, &ConnOptions{Flags: sqlite.OpenReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n := count(t, b, "t"); n != 1 {
		t.Fatalf("reader sees %d rows", n)
	}
	if _, err := b.Exec(ctx, "INSERT INTO t VALUES (2)"); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Fatalf("write on read-only Conn: %v", err)
	}
}

func TestNilContextIsMisuse(t *testing.T) {
	c := openTest(t, nil)
	var ctx context.Context
	if _, err := c.Exec(ctx, "SELECT 1"); !errors.Is(err, sqlite.ErrMisuse) {
		t.Fatalf("Exec: %v", err)
	}
	for _, err := range c.Query(ctx, "SELECT 1") {
		if !errors.Is(err, sqlite.ErrMisuse) {
			t.Fatalf("Query: %v", err)
		}
	}
	if _, err := OpenConn(ctx, ":memory:", nil); !errors.Is(err, sqlite.ErrMisuse) {
		t.Fatalf("OpenConn: %v", err)
	}
}

func TestCallAfterCloseFailsWithErrClosed(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c, err := OpenConn(context.Background(), ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, err = c.Exec(context.Background(), "SELECT 1")
	if !errors.Is(err, ErrClosed) || !errors.Is(err, sqlite.ErrClosed) {
		t.Fatalf("got %v", err)
	}
	if err := c.Run(context.Background(), func(*sqlite.Conn) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run: %v", err)
	}
}

func TestCloseFailsQueuedCallsAndLetsRunningOneFinish(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c, err := OpenConn(context.Background(), ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	release := hold(t, c)
	queued := watchQueue(c)
	ran := false
	queuedErr := make(chan error)
	go func() {
		queuedErr <- c.Run(context.Background(), func(*sqlite.Conn) error { ran = true; return nil })
	}()
	<-queued
	closed := make(chan error)
	go func() { closed <- c.Close() }()
	if err := <-queuedErr; !errors.Is(err, ErrClosed) {
		t.Fatalf("queued call: %v", err)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a call was running", err)
	default:
	}
	release() // the running call finishes normally
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("the queued call ran")
	}
}

func TestConcurrentCloseCallsAllWait(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c, err := OpenConn(context.Background(), ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Close(); err != nil {
				t.Error(err)
			}
			select {
			case <-c.exited:
			default:
				t.Error("Close returned before the worker exited")
			}
		}()
	}
	wg.Wait()
}

func TestCloseEndsIterationBetweenBatches(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c, err := OpenConn(context.Background(), ":memory:", &ConnOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var last error
	for _, err := range c.Query(context.Background(), "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10) SELECT i FROM n") {
		if err != nil {
			last = err
			break
		}
		n++
		if n == 1 {
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n != 2 || !errors.Is(last, ErrClosed) {
		t.Fatalf("read %d rows then %v; want the first batch (2) then ErrClosed", n, last)
	}
}
