package asqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// dbPendingCall is a write started in a goroutine of its own; wait returns its
// outcome.
type dbPendingCall struct {
	done chan error
}

func (q dbPendingCall) wait() error { return <-q.done }

// answered reports whether the write has returned, without waiting.
func (q dbPendingCall) answered() bool { return len(q.done) > 0 }

// dbQueue starts write in a goroutine and waits until it is queued (the
// writer must be held, see dbHold), so writes queue in a known order.
func dbQueue(t testing.TB, db *DB, write func() error) dbPendingCall {
	t.Helper()
	depth := db.Stats().QueueDepth
	q := dbPendingCall{done: make(chan error, 1)}
	go func() { q.done <- write() }()
	dbWaitQueued(t, db, depth+1)
	return q
}

// dbGroupSchema makes the tables of the group commit tests: t(x UNIQUE)
// for the writes and counter(n), which every successful write bumps, so
// that a write applied twice or lost shows.
func dbGroupSchema(t testing.TB, db *DB) {
	t.Helper()
	dbMust(t, db.ExecScript(context.Background(), `
		CREATE TABLE t(x UNIQUE);
		CREATE TABLE counter(n INTEGER);
		INSERT INTO counter VALUES (0);
		CREATE TRIGGER bump AFTER INSERT ON t BEGIN UPDATE counter SET n = n + 1; END;`))
}

func dbInsert(db *DB, x any) func() error {
	return func() error {
		_, err := db.Exec(context.Background(), "INSERT INTO t(x) VALUES (?)", x)
		return err
	}
}

// dbGroupOptions make every write queued behind the held one join its group.
var dbGroupOptions = &Options{MaxBatchDelay: time.Hour}

// TestGroupCommitBatching queues writes behind a held one, releases them
// together and checks how the writer grouped them: every write commits
// once and the counter shows each exactly once, in every case.
func TestGroupCommitBatching(t *testing.T) {
	cases := []struct {
		name    string
		opts    *Options
		writes  int
		commits int64 // commits for the held write and the queued ones
		batch   int   // the largest batch, the held write included
	}{
		{"queued together share one transaction", dbGroupOptions, 10, 1, 11},
		{"disabled: each write commits", &Options{DisableGroupCommit: true}, 5, 6, 1},
		{"bounded by count", &Options{MaxBatch: 4, MaxBatchDelay: time.Hour}, 10, 3, 4},
		// With a zero-length delay, a group takes no write after its first.
		{"bounded by time", &Options{MaxBatchDelay: time.Nanosecond}, 3, 4, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := dbOpenTest(t, tc.opts)
			dbGroupSchema(t, db)
			before := db.Stats()
			release := dbHold(t, db)
			var qs []dbPendingCall
			for i := range tc.writes {
				qs = append(qs, dbQueue(t, db, dbInsert(db, i)))
			}
			release()
			for _, q := range qs {
				dbMust(t, q.wait())
			}
			after := db.Stats()
			if commits := after.Commits - before.Commits; commits != tc.commits {
				t.Errorf("%d commits for %d writes, want %d", commits, tc.writes+1, tc.commits)
			}
			if after.MaxBatch != tc.batch {
				t.Errorf("largest batch %d, want %d", after.MaxBatch, tc.batch)
			}
			if n := dbCount(t, db, "SELECT n FROM counter"); n != int64(tc.writes) {
				t.Fatalf("counter %d, want %d", n, tc.writes)
			}
		})
	}
}

func TestGroupCommitFailingWriteRollsBackAlone(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES ('taken')")
	dbMust(t, err)
	boom := errors.New("boom")
	release := dbHold(t, db)
	ok1 := dbQueue(t, db, dbInsert(db, 1))
	dup := dbQueue(t, db, dbInsert(db, "taken"))
	fnFails := dbQueue(t, db, func() error {
		return db.Write(ctx, func(c *sqlite.Conn) error {
			if err := c.Exec("INSERT INTO t(x) VALUES (100), (101)"); err != nil {
				return err
			}
			return boom
		})
	})
	// OR FAIL keeps the rows a failing statement inserted before the
	// failure: only the write's savepoint takes them back.
	partial := dbQueue(t, db, func() error {
		_, err := db.Exec(ctx, "INSERT OR FAIL INTO t(x) VALUES (200), (201), ('taken')")
		return err
	})
	ok2 := dbQueue(t, db, dbInsert(db, 2))
	release()

	dbMust(t, ok1.wait())
	dbMust(t, ok2.wait())
	if err := dup.wait(); !errors.Is(err, sqlite.ErrConstraintUnique) {
		t.Errorf("duplicate: got %v, want a unique constraint error", err)
	}
	if err := fnFails.wait(); err != boom {
		t.Errorf("failing function: got %v, want its error", err)
	}
	if err := partial.wait(); !errors.Is(err, sqlite.ErrConstraintUnique) {
		t.Errorf("OR FAIL insert: got %v, want a unique constraint error", err)
	}
	rs, err := db.QueryRows(ctx, "SELECT x FROM t ORDER BY rowid")
	dbMust(t, err)
	if got := fmt.Sprint(rs.Rows); got != "[[taken] [1] [2]]" {
		t.Fatalf("rows %s, want only the successful writes", got)
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 3 {
		t.Fatalf("counter %d, want 3", n)
	}
	if st := db.Stats(); st.GroupFailures != 0 {
		t.Fatalf("%d group failures: the failing writes should have failed alone", st.GroupFailures)
	}
}

func TestGroupCommitNobodyHearsDoneBeforeCommit(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	release := dbHold(t, db)
	first := dbQueue(t, db, dbInsert(db, 1))
	inside := make(chan struct{})
	proceed := make(chan struct{})
	second := dbQueue(t, db, func() error {
		return db.Write(ctx, func(c *sqlite.Conn) error {
			close(inside)
			<-proceed
			return c.Exec("INSERT INTO t(x) VALUES (2)")
		})
	})
	release()
	<-inside
	// The first write has run in the group transaction, which is still
	// open: its caller must still be waiting, and readers cannot see it.
	if first.answered() {
		t.Fatal("the first write was answered before its group committed")
	}
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("readers see %d uncommitted rows", n)
	}
	close(proceed)
	dbMust(t, first.wait())
	dbMust(t, second.wait())
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 2 {
		t.Fatalf("%d rows after the commit, want 2", n)
	}
}

func TestGroupCommitDeferredForeignKeyFailsAlone(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	// A deferred foreign key is checked at COMMIT: alone, the orphan's
	// transaction would fail there. In a group it fails at once, alone,
	// instead of failing the shared COMMIT.
	dbMust(t, db.ExecScript(ctx, `
		CREATE TABLE parent(id INTEGER PRIMARY KEY);
		CREATE TABLE child(pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);`))
	release := dbHold(t, db)
	w1 := dbQueue(t, db, dbInsert(db, 1))
	orphan := dbQueue(t, db, func() error {
		_, err := db.Exec(ctx, "INSERT INTO child VALUES (99)")
		return err
	})
	adopted := dbQueue(t, db, func() error {
		_, err := db.Exec(ctx, "INSERT INTO child VALUES (7); INSERT INTO parent VALUES (7)")
		return err
	})
	w3 := dbQueue(t, db, dbInsert(db, 3))
	release()

	dbMust(t, w1.wait())
	dbMust(t, adopted.wait())
	dbMust(t, w3.wait())
	if err := orphan.wait(); !errors.Is(err, sqlite.ErrConstraintForeignKey) {
		t.Fatalf("orphan: got %v, want a foreign key error", err)
	}
	if st := db.Stats(); st.GroupFailures != 0 || st.MaxBatch != 4 {
		t.Errorf("group failures %d, largest batch %d: want 0 and 4", st.GroupFailures, st.MaxBatch)
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 2 {
		t.Fatalf("counter %d, want 2", n)
	}
	if n := dbCount(t, db, "SELECT count(*) FROM child"); n != 1 {
		t.Fatalf("%d children, want the adopted one", n)
	}
}

func TestGroupCommitFailedCommitRedoesEachWrite(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	// A commit hook that vetoes one commit: the group's.
	var veto atomic.Bool
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		c.AddCommitHook(func() bool { return veto.CompareAndSwap(true, false) })
		return nil
	}))
	release := dbHold(t, db)
	var qs []dbPendingCall
	for i := range 3 {
		qs = append(qs, dbQueue(t, db, dbInsert(db, i)))
	}
	veto.Store(true)
	release()
	for _, q := range qs {
		dbMust(t, q.wait())
	}
	st := db.Stats()
	if st.GroupFailures != 1 || st.Redone != 4 {
		t.Errorf("group failures %d, redone %d: want 1 and 4 (the held write too)", st.GroupFailures, st.Redone)
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 3 {
		t.Fatalf("counter %d, want 3: each write applied once", n)
	}
}

// dbCancelKey holds, in a write's context, the function that cancels it.
type dbCancelKey struct{}

func TestGroupCommitInterruptedWriteRedoesTheOthers(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	dbMust(t, db.ExecScript(ctx, "CREATE TABLE big(x)"))
	// cancel_me() cancels the context of the write calling it, from inside
	// its statement: SQLite is interrupted in the middle of an INSERT,
	// which rolls back the whole group transaction.
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		return c.CreateFunction("cancel_me", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
			if cancel, ok := fc.Context().Value(dbCancelKey{}).(context.CancelFunc); ok {
				cancel()
			}
			fc.ResultInt64(0)
			return nil
		})
	}))
	release := dbHold(t, db)
	w1 := dbQueue(t, db, dbInsert(db, 1))
	cancelled := dbQueue(t, db, func() error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ctx = context.WithValue(ctx, dbCancelKey{}, cancel)
		_, err := db.Exec(ctx, `INSERT INTO big
			WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT cancel_me() FROM c`)
		return err
	})
	w3 := dbQueue(t, db, dbInsert(db, 3))
	release()
	dbMust(t, w1.wait())
	dbMust(t, w3.wait())
	if err := cancelled.wait(); !errors.Is(err, context.Canceled) || !errors.Is(err, sqlite.ErrInterrupt) {
		t.Fatalf("cancelled write: got %v, want an interrupt by its context", err)
	}
	st := db.Stats()
	if st.GroupFailures != 1 || st.Redone != 2 {
		t.Errorf("group failures %d, redone %d: want 1 and 2 (the held write and w1)", st.GroupFailures, st.Redone)
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 2 {
		t.Fatalf("counter %d, want 2", n)
	}
	if n := dbCount(t, db, "SELECT count(*) FROM big"); n != 0 {
		t.Fatalf("%d rows of the interrupted write remain", n)
	}
}

func TestGroupCommitGoFunctionErrorFailsAlone(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	refused := errors.New("refused")
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		return c.CreateFunction("check_value", 1, sqlite.Deterministic, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
			if args[0].Text() == "bad" {
				return refused
			}
			fc.ResultValue(args[0])
			return nil
		})
	}))
	release := dbHold(t, db)
	w1 := dbQueue(t, db, dbInsert(db, 1))
	bad := dbQueue(t, db, func() error {
		_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (check_value('bad'))")
		return err
	})
	w3 := dbQueue(t, db, func() error {
		_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (check_value('good'))")
		return err
	})
	release()
	dbMust(t, w1.wait())
	dbMust(t, w3.wait())
	if err := bad.wait(); !errors.Is(err, refused) {
		t.Fatalf("got %v, want the function's error", err)
	}
	if st := db.Stats(); st.GroupFailures != 0 {
		t.Errorf("%d group failures", st.GroupFailures)
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 2 {
		t.Fatalf("counter %d, want 2", n)
	}
}

func TestGroupCommitDiskFull(t *testing.T) {
	// SQLITE_FULL in a statement that needs no statement journal (one
	// row, no trigger, no index) makes SQLite roll back the whole
	// transaction: the writes that
	// ran before it must be redone, not reported committed. In a statement
	// with a statement journal (several rows), only the statement is
	// rolled back and the write fails alone.
	for _, tc := range []struct {
		name        string
		big         string
		groupFailed int64
	}{
		{"transaction rolled back", "INSERT INTO big VALUES (zeroblob(200000))", 1},
		{"statement rolled back", "INSERT INTO t(x) SELECT zeroblob(100000) UNION ALL SELECT zeroblob(100001)", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := dbOpenTest(t, dbGroupOptions)
			dbGroupSchema(t, db)
			ctx := context.Background()
			_, err := db.Exec(ctx, "CREATE TABLE big(b)") // no trigger, no index
			dbMust(t, err)
			// Room for a few more small rows, not for a big one.
			dbMust(t, db.Write(ctx, func(c *sqlite.Conn) error {
				var pages int64
				for s, err := range c.Query("PRAGMA page_count") {
					if err != nil {
						return err
					}
					pages = s.ColumnInt64(0)
				}
				return c.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+4))
			}))
			release := dbHold(t, db)
			w1 := dbQueue(t, db, dbInsert(db, 1))
			full := dbQueue(t, db, func() error {
				_, err := db.Exec(ctx, tc.big)
				return err
			})
			w3 := dbQueue(t, db, dbInsert(db, 3))
			release()

			dbMust(t, w1.wait())
			dbMust(t, w3.wait())
			if err := full.wait(); !errors.Is(err, sqlite.ErrFull) {
				t.Fatalf("big insert: got %v, want SQLITE_FULL", err)
			}
			if st := db.Stats(); st.GroupFailures != tc.groupFailed {
				t.Errorf("%d group failures, want %d", st.GroupFailures, tc.groupFailed)
			}
			if n := dbCount(t, db, "SELECT n FROM counter"); n != 2 {
				t.Fatalf("counter %d, want 2", n)
			}
			if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 2 {
				t.Fatalf("%d rows, want 2", n)
			}
		})
	}
}

func TestGroupCommitWriteEndingTheTransaction(t *testing.T) {
	// A write that runs COMMIT or ROLLBACK itself ends the group's
	// transaction: the writes before it are answered according to what
	// really happened to them.
	for _, tc := range []struct {
		end       string
		committed int64 // rows of the writes before
	}{
		{"COMMIT", 1},
		{"ROLLBACK", 1}, // rolled back, then redone alone
	} {
		t.Run(tc.end, func(t *testing.T) {
			db := dbOpenTest(t, dbGroupOptions)
			dbGroupSchema(t, db)
			ctx := context.Background()
			release := dbHold(t, db)
			w1 := dbQueue(t, db, dbInsert(db, 1))
			ender := dbQueue(t, db, func() error {
				_, err := db.Exec(ctx, tc.end)
				return err
			})
			release()
			dbMust(t, w1.wait())
			dbMust(t, ender.wait())
			if n := dbCount(t, db, "SELECT n FROM counter"); n != tc.committed {
				t.Fatalf("counter %d, want %d", n, tc.committed)
			}
			_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (2)")
			dbMust(t, err)
		})
	}
}

// TestGroupCommitWriteEndingTheTransactionAndGoingOn: a write whose SQL
// commits the group's transaction and then fails, or begins a transaction
// of its own, leaves the writes before it committed exactly once and
// answered so; the write itself gets an error.
func TestGroupCommitWriteEndingTheTransactionAndGoingOn(t *testing.T) {
	for _, tail := range []string{
		"COMMIT; SELECT no_such_function()",
		"INSERT INTO t(x) VALUES (2); COMMIT; BEGIN; INSERT INTO t(x) VALUES (3)",
		"COMMIT; BEGIN; SELECT no_such_function()",
	} {
		t.Run(tail, func(t *testing.T) {
			db := dbOpenTest(t, dbGroupOptions)
			dbGroupSchema(t, db)
			ctx := context.Background()
			release := dbHold(t, db)
			w1 := dbQueue(t, db, dbInsert(db, 1))
			ender := dbQueue(t, db, func() error {
				_, err := db.Exec(ctx, tail)
				return err
			})
			release()
			dbMust(t, w1.wait())
			if err := ender.wait(); err == nil {
				t.Error("the write that ended the transaction and went on succeeded")
			}
			if n := dbCount(t, db, "SELECT count(*) FROM t WHERE x = 1"); n != 1 {
				t.Fatalf("the write before it applied %d times", n)
			}
			if n := dbCount(t, db, "SELECT count(*) FROM t WHERE x = 3"); n != 0 {
				t.Fatal("the transaction the write began was committed")
			}
			_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (4)")
			dbMust(t, err)
			if n := dbCount(t, db, "SELECT count(*) FROM t WHERE x = 4"); n != 1 {
				t.Fatal("the next write was not applied")
			}
		})
	}
}

func TestGroupCommitAloneWritesDoNotJoin(t *testing.T) {
	db := dbOpenTest(t, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	release := dbHold(t, db)
	w1 := dbQueue(t, db, dbInsert(db, 1))
	var inTx bool
	bare := dbQueue(t, db, func() error {
		return db.Writer(WriteOptions{NoTransaction: true}).Write(ctx, func(c *sqlite.Conn) error {
			inTx = !c.AutoCommit()
			return nil
		})
	})
	w3 := dbQueue(t, db, dbInsert(db, 3))
	release()
	dbMust(t, w1.wait())
	dbMust(t, bare.wait())
	dbMust(t, w3.wait())
	if inTx {
		t.Fatal("a NoTransaction write ran inside a group transaction")
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 2 {
		t.Fatalf("counter %d", n)
	}
}

func TestBreakTestTenThousandWriters(t *testing.T) {
	// The seed's "very likely to break the database" test: many concurrent
	// read-modify-write increments of one row. Through the writer there is
	// no SQLITE_BUSY and no lost update.
	n := 10000
	if testing.Short() {
		n = 1000
	}
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	dbMust(t, db.ExecScript(ctx, "CREATE TABLE test(id INTEGER PRIMARY KEY, value INTEGER); INSERT INTO test(value) VALUES (0)"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for range n {
		wg.Go(func() {
			if _, err := db.Exec(ctx, "UPDATE test SET value = value + 1 WHERE id = 1"); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d errors, the first: %v", len(errs), errs[0])
	}
	if v := dbCount(t, db, "SELECT value FROM test WHERE id = 1"); v != int64(n) {
		t.Fatalf("final value %d, want %d: updates were lost", v, n)
	}
	st := db.Stats()
	t.Logf("%d writes in %d batches (largest %d), %d waited for room in the queue",
		st.Writes, st.Batches, st.MaxBatch, st.QueueWaits)
}

func TestBreakTestReadModifyWriteInGo(t *testing.T) {
	// The same with the increment computed in Go between a read and a
	// write, the pattern that loses updates on a connection pool.
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	dbMust(t, db.ExecScript(ctx, "CREATE TABLE test(id INTEGER PRIMARY KEY, value INTEGER); INSERT INTO test(value) VALUES (0)"))
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			err := db.Write(ctx, func(c *sqlite.Conn) error {
				var v int64
				for s, err := range c.Query("SELECT value FROM test WHERE id = 1") {
					if err != nil {
						return err
					}
					v = s.ColumnInt64(0)
				}
				return c.Exec("UPDATE test SET value = ? WHERE id = 1", v+1)
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if v := dbCount(t, db, "SELECT value FROM test"); v != 200 {
		t.Fatalf("final value %d, want 200", v)
	}
}
