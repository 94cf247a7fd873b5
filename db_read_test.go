package asqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// dbForever is a query that runs until it is interrupted.
const dbForever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"

func TestReadTimeLimitStopsLongQuery(t *testing.T) {
	db := dbOpenTest(t, &Options{ReadTimeLimit: 20 * time.Millisecond})
	_, err := dbValue(context.Background(), db, dbForever)
	if !errors.Is(err, ErrTimeLimit) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, sqlite.ErrInterrupt) {
		t.Fatalf("got %v, want a time limit error", err)
	}
	if st := db.Stats(); st.TimeLimited != 1 {
		t.Fatalf("%d reads stopped by their limit, want 1", st.TimeLimited)
	}
	// The reader is fine afterwards.
	if v, err := dbValue(context.Background(), db, "SELECT 1"); err != nil || v != int64(1) {
		t.Fatalf("got %v, %v", v, err)
	}
}

// A read whose time limit passes around the start of its statement either
// completes or fails with ErrTimeLimit, also when the limit passed before
// its timer fired (the statement is then refused before it starts).
func TestReadAtItsTimeLimitCompletesOrIsTimeLimited(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	for i := range 400 {
		rd := db.Reader(ReadOptions{TimeLimit: time.Duration(i%40+1) * 5 * time.Microsecond})
		err := rd.Read(ctx, func(c *sqlite.Conn) error { return c.Exec("SELECT 1") })
		if err != nil && !(errors.Is(err, ErrTimeLimit) && errors.Is(err, context.DeadlineExceeded)) {
			t.Fatalf("read %d: %v, want nil or a time limit error", i, err)
		}
	}
}

func TestReadTimeLimitOverriddenPerCall(t *testing.T) {
	// A limit so short that every read hits it...
	db := dbOpenTest(t, &Options{ReadTimeLimit: time.Nanosecond})
	ctx := context.Background()
	if _, err := dbValue(ctx, db, "SELECT 1"); !errors.Is(err, ErrTimeLimit) {
		t.Fatalf("got %v, want ErrTimeLimit", err)
	}
	// ...unless the call brings its own.
	for _, o := range []ReadOptions{{TimeLimit: time.Hour}, {TimeLimit: -1}} {
		if _, err := dbValue(ctx, db.Reader(o), "SELECT 1"); err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
	}
}

func TestReadLimitIsADeadline(t *testing.T) {
	db := dbOpenTest(t, &Options{ReadTimeLimit: time.Minute})
	start := time.Now()
	dbMust(t, db.Read(context.Background(), func(c *sqlite.Conn) error {
		d, ok := c.Context().Deadline()
		if !ok || d.Before(start.Add(time.Minute)) || d.After(time.Now().Add(time.Minute)) {
			return fmt.Errorf("deadline %v (%v), want a minute from now", d, ok)
		}
		return nil
	}))
	// The caller's earlier deadline wins, and its error is its own.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := dbValue(ctx, db, dbForever)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeLimit) {
		t.Fatalf("got %v, want the caller's deadline", err)
	}
}

func TestReadCancelledByCaller(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	err := db.Read(ctx, func(c *sqlite.Conn) error {
		cancel()
		<-c.Context().Done()
		return c.Exec("SELECT 1")
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestQueryCancelledByCaller(t *testing.T) {
	// Query and QueryRow run SQL only: no context is installed on the
	// reader, a progress handler watches the caller's instead.
	db := dbOpenTest(t, &Options{Readers: 1, ReadTimeLimit: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- db.QueryRow(ctx, dbForever).Err() }()
	dbWaitReaders(t, db, 0) // the query has the reader
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeLimit) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	var n int
	if err := db.QueryRow(context.Background(), "SELECT 41 + 1").Scan(&n); err != nil || n != 42 {
		t.Fatalf("the reader is not usable after: %d, %v", n, err)
	}
}

func TestQueryTimeLimit(t *testing.T) {
	db := dbOpenTest(t, &Options{ReadTimeLimit: 20 * time.Millisecond})
	var errs []error
	for _, err := range db.Query(context.Background(), dbForever) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrTimeLimit) || !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Fatalf("got %v, want one time limit error", errs)
	}
	if _, err := db.QueryRows(context.Background(), dbForever); !errors.Is(err, ErrTimeLimit) {
		t.Fatalf("QueryRows: got %v, want a time limit error", err)
	}
}

func TestQueryRowsCap(t *testing.T) {
	db := dbOpenTest(t, &Options{MaxRows: 2})
	ctx := context.Background()
	dbMust(t, db.ExecScript(ctx, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)"))
	rs, err := db.QueryRows(ctx, "SELECT x FROM t ORDER BY x")
	dbMust(t, err)
	if fmt.Sprint(rs.Rows) != "[[1] [2]]" || !rs.Truncated {
		t.Fatalf("capped: %v truncated=%v", rs.Rows, rs.Truncated)
	}
	rs, err = db.QueryRows(ctx, "SELECT x FROM t ORDER BY x LIMIT 2")
	dbMust(t, err)
	if len(rs.Rows) != 2 || rs.Truncated {
		t.Fatalf("exactly the cap: %v truncated=%v", rs.Rows, rs.Truncated)
	}
	rs, err = db.Reader(ReadOptions{MaxRows: -1}).QueryRows(ctx, "SELECT x FROM t")
	dbMust(t, err)
	if len(rs.Rows) != 3 || rs.Truncated {
		t.Fatalf("uncapped: %v truncated=%v", rs.Rows, rs.Truncated)
	}
}

func TestQueryRowNoRows(t *testing.T) {
	db := dbOpenTest(t, nil)
	if _, err := dbValue(context.Background(), db, "SELECT 1 WHERE 0"); !errors.Is(err, ErrNoRows) {
		t.Fatalf("got %v, want ErrNoRows", err)
	}
}

func TestQueryBreakReleasesReader(t *testing.T) {
	db := dbOpenTest(t, &Options{Readers: 1})
	ctx := context.Background()
	for range 3 {
		for row, err := range db.Query(ctx, "SELECT value FROM json_each('[1,2,3]')") {
			dbMust(t, err)
			if row.Int(0) == 1 {
				break
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := dbValue(ctx, db, "SELECT 1"); err != nil {
		t.Fatalf("the reader was not given back: %v", err)
	}
}

func TestQueryReportsErrors(t *testing.T) {
	db := dbOpenTest(t, nil)
	var errs []error
	for row, err := range db.Query(context.Background(), "SELECT nope FROM nowhere") {
		if row != nil {
			t.Fatal("a row from a bad query")
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], sqlite.ErrError) {
		t.Fatalf("got %v, want one SQL error", errs)
	}
}

func TestReadWaitsForFreeReader(t *testing.T) {
	db := dbOpenTest(t, &Options{Readers: 1})
	inside := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Read(context.Background(), func(*sqlite.Conn) error {
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := dbValue(ctx, db, "SELECT 1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled while waiting for a reader", err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := dbValue(context.Background(), db, "SELECT 1")
		waiting <- err
	}()
	close(release)
	dbMust(t, <-done)
	dbMust(t, <-waiting)
}

func TestReadPanicReleasesReader(t *testing.T) {
	db := dbOpenTest(t, &Options{Readers: 1})
	func() {
		defer func() {
			if recover() != "oops" {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		db.Read(context.Background(), func(c *sqlite.Conn) error {
			c.Exec("BEGIN")
			panic("oops")
		})
	}()
	if _, err := dbValue(context.Background(), db, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	dbMust(t, db.Read(context.Background(), func(c *sqlite.Conn) error {
		if !c.AutoCommit() {
			return errors.New("the transaction left by the panicking read is still open")
		}
		return nil
	}))
}

func TestReadsRunConcurrently(t *testing.T) {
	// Every reader can be busy at once: n reads all inside their function
	// at the same time.
	const n = 4
	db := dbOpenTest(t, &Options{Readers: n})
	var all sync.WaitGroup
	all.Add(n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			dbMust(t, db.Read(context.Background(), func(*sqlite.Conn) error {
				all.Done()
				all.Wait()
				return nil
			}))
		})
	}
	wg.Wait()
}

func TestCheckpointsProgressUnderConstantReads(t *testing.T) {
	db := dbOpenTest(t, &Options{CheckpointPages: 16, WALRestartPages: 64,
		JournalSizeLimit: 256 << 10, Synchronous: sqlite.SyncOff,
		ReadTimeLimit: time.Minute}) // a loaded machine under -race is slow

	ctx := context.Background()
	dbMust(t, db.ExecScript(ctx, "CREATE TABLE t(b)"))
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := dbValue(ctx, db, "SELECT count(*) FROM t"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 300 {
		if _, err := db.Exec(ctx, "INSERT INTO t VALUES (randomblob(3000))"); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	readers.Wait()
	st := db.Stats()
	t.Logf("WAL of %d pages; %d checkpoints, %d WAL restarts, %d blocked by readers; %d reads", st.WALPages, st.Checkpoints, st.WALRestarts, st.CheckpointBusy, st.Reads)
	if st.WALRestarts == 0 || st.CheckpointErrors != 0 {
		t.Fatalf("%d WAL restarts, %d checkpoint errors: the WAL was never started over", st.WALRestarts, st.CheckpointErrors)
	}
	// Without the RESTART checkpoints, the WAL would grow to some 800
	// pages, each write adding to it; with them it stays small.
	if st.WALPages > 256 {
		t.Fatalf("the WAL holds %d pages", st.WALPages)
	}
	fi, err := os.Stat(db.Path() + "-wal")
	dbMust(t, err)
	if fi.Size() > 2<<20 {
		t.Fatalf("the WAL file is %d bytes", fi.Size())
	}
}

func TestCloseCheckpointsTheWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := Open(context.Background(), path, nil)
	dbMust(t, err)
	dbMust(t, db.ExecScript(context.Background(), "CREATE TABLE t(x); INSERT INTO t VALUES (1)"))
	dbMust(t, db.Close())
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		t.Fatalf("the WAL holds %d bytes after Close", fi.Size())
	}
	if st := db.Stats(); st.Checkpoints == 0 {
		t.Fatal("no checkpoint counted")
	}
}

func TestReaderLimitsFillDefaults(t *testing.T) {
	db, err := Open(context.Background(), ":memory:", &Options{ReadTimeLimit: 3 * time.Second, MaxRows: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Reader(ReadOptions{}).Limits(); got != (ReadOptions{TimeLimit: 3 * time.Second, MaxRows: 7}) {
		t.Errorf("defaults: %+v", got)
	}
	if got := db.Reader(ReadOptions{TimeLimit: time.Millisecond, MaxRows: -1}).Limits(); got != (ReadOptions{TimeLimit: time.Millisecond, MaxRows: -1}) {
		t.Errorf("overridden: %+v", got)
	}
}

// TestReadStopsSQLUnderAContextItsCodeInstalled: SQL a read's function runs
// under a context of its own, derived from the read's, is still stopped by
// the read's time limit.
func TestReadStopsSQLUnderAContextItsCodeInstalled(t *testing.T) {
	db := dbOpenTest(t, &Options{ReadTimeLimit: 30 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		done <- db.Read(context.Background(), func(c *sqlite.Conn) error {
			ctx, cancel := context.WithCancel(c.Context())
			defer cancel()
			prev := c.SetContext(ctx)
			defer c.SetContext(prev)
			return c.Exec(dbForever)
		})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrTimeLimit) {
			t.Fatalf("got %v, want the time limit error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the read runs on past its time limit")
	}
}

// TestQueryStopsBetweenRowsWhenItsContextEnds: a Query whose context ends,
// or whose time limit passes, while the loop body runs yields no more rows.
func TestQueryStopsBetweenRowsWhenItsContextEnds(t *testing.T) {
	db := dbOpenTest(t, nil)
	const twenty = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20) SELECT x FROM c"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows := 0
	var err error
	for _, err = range db.Query(ctx, twenty) {
		if err != nil {
			break
		}
		rows++
		cancel()
	}
	if rows != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("%d rows, then %v; want 1 row, then context.Canceled", rows, err)
	}

	limit := 20 * time.Millisecond
	rows = 0
	for _, err = range db.Reader(ReadOptions{TimeLimit: limit}).Query(context.Background(), twenty) {
		if err != nil {
			break
		}
		rows++
		time.Sleep(limit) // the loop body outlasts the read's limit
	}
	if rows != 1 || !errors.Is(err, ErrTimeLimit) {
		t.Fatalf("%d rows, then %v; want 1 row, then the time limit error", rows, err)
	}
}

// TestReadGivenUpByCloseReportsErrClosed: a read that CloseContext stops
// because its own context ended fails with ErrClosed, not with the
// cancellation of a context the caller never cancelled.
func TestReadGivenUpByCloseReportsErrClosed(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		errs <- db.Read(context.Background(), func(c *sqlite.Conn) error {
			close(started)
			return c.Exec(dbForever)
		})
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	db.CloseContext(ctx)
	if err := <-errs; !errors.Is(err, ErrClosed) {
		t.Fatalf("got %v, want ErrClosed", err)
	}
}

// TestReadWaitingForALockEndsWithItsContextOrLimit: a read that waits for a
// lock another connection holds (a rollback-journal file locked
// exclusively) stops waiting when its context's deadline or its time limit
// passes, not at the end of the busy timeout.
func TestReadWaitingForALockEndsWithItsContextOrLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	lk, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	if err := lk.Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path, &Options{ReadOnly: true, Readers: 1, BusyTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := lk.Exec("BEGIN EXCLUSIVE; INSERT INTO t VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	defer lk.Exec("ROLLBACK")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := db.QueryRow(ctx, "SELECT count(*) FROM t").Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("QueryRow: got %v, want context.DeadlineExceeded", err)
	}
	rd := db.Reader(ReadOptions{TimeLimit: 20 * time.Millisecond})
	if _, err := rd.QueryRows(context.Background(), "SELECT count(*) FROM t"); !errors.Is(err, ErrTimeLimit) {
		t.Errorf("QueryRows: got %v, want ErrTimeLimit", err)
	}
	err = rd.Read(context.Background(), func(c *sqlite.Conn) error {
		for _, err := range c.Query("SELECT count(*) FROM t") {
			if err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, ErrTimeLimit) {
		t.Errorf("Read: got %v, want ErrTimeLimit", err)
	}
}
