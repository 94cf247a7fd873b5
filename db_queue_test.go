package asqlite

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

func TestQueueFullWaitsForRoom(t *testing.T) {
	db := dbOpenTest(t, &Options{QueueSize: 2})
	dbGroupSchema(t, db)
	release := dbHold(t, db)
	a := dbQueue(t, db, dbInsert(db, 1))
	b := dbQueue(t, db, dbInsert(db, 2))
	// The queue is full: the next write waits for room.
	c := dbPendingCall{done: make(chan error, 1)}
	go func() { c.done <- dbInsert(db, 3)() }()
	dbWaitStat(t, db, func(s Stats) bool { return s.QueueWaits == 1 })
	if c.answered() {
		t.Fatal("a write to a full queue returned instead of waiting")
	}
	release()
	for _, q := range []dbPendingCall{a, b, c} {
		dbMust(t, q.wait())
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 3 {
		t.Fatalf("counter %d", n)
	}
}

func TestQueueFullWaitEndsWithContext(t *testing.T) {
	db := dbOpenTest(t, &Options{QueueSize: 1})
	dbGroupSchema(t, db)
	release := dbHold(t, db)
	defer release()
	a := dbQueue(t, db, dbInsert(db, 1))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (2)")
		done <- err
	}()
	dbWaitStat(t, db, func(s Stats) bool { return s.QueueWaits == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	release()
	dbMust(t, a.wait())
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 1 {
		t.Fatalf("counter %d: the cancelled write ran", n)
	}
}

func TestQueueFullFailsWhenConfigured(t *testing.T) {
	db := dbOpenTest(t, &Options{QueueSize: 2, FailWhenQueueFull: true})
	dbGroupSchema(t, db)
	release := dbHold(t, db)
	a := dbQueue(t, db, dbInsert(db, 1))
	b := dbQueue(t, db, dbInsert(db, 2))
	if err := dbInsert(db, 3)(); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("got %v, want ErrQueueFull", err)
	}
	release()
	dbMust(t, a.wait())
	dbMust(t, b.wait())
	if st := db.Stats(); st.QueueFull != 1 || st.QueueCapacity != 2 {
		t.Fatalf("stats: %d refused, capacity %d", st.QueueFull, st.QueueCapacity)
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 2 {
		t.Fatalf("counter %d", n)
	}
}

// TestWritesCancelledWhileQueuedGiveTheirRoomBack: writes whose callers
// gave up while they were queued no longer count against QueueSize, so a
// new write is not refused for them; they are never applied.
func TestWritesCancelledWhileQueuedGiveTheirRoomBack(t *testing.T) {
	db := dbOpenTest(t, &Options{QueueSize: 2, FailWhenQueueFull: true})
	dbGroupSchema(t, db)
	release := dbHold(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	gone := func(x int) func() error {
		return func() error {
			_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (?)", x)
			return err
		}
	}
	a := dbQueue(t, db, gone(1))
	b := dbQueue(t, db, gone(2))
	cancel()
	for _, q := range []dbPendingCall{a, b} {
		if err := q.wait(); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	}
	if st := db.Stats(); st.QueueDepth != 0 {
		t.Fatalf("queue depth %d after both callers left, want 0", st.QueueDepth)
	}
	c := dbQueue(t, db, dbInsert(db, 3))
	d := dbQueue(t, db, dbInsert(db, 4))
	release()
	dbMust(t, c.wait())
	dbMust(t, d.wait())
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 2 {
		t.Fatalf("%d rows, want the 2 writes that stayed", n)
	}
}

// dbWaitStat waits until ok holds for the DB's stats.
func dbWaitStat(t testing.TB, db *DB, ok func(Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok(db.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("stats never reached the expected state: %+v", db.Stats())
		}
		runtime.Gosched()
	}
}

func TestQueuedWriteCancelledNeverRuns(t *testing.T) {
	db := dbOpenTest(t, nil)
	dbGroupSchema(t, db)
	release := dbHold(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	q := dbQueue(t, db, func() error {
		_, err := db.Exec(ctx, "INSERT INTO t(x) VALUES (1)")
		return err
	})
	cancel()
	if err := q.wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	release()
	if _, err := db.Exec(context.Background(), "INSERT INTO t(x) VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 1 {
		t.Fatalf("counter %d: the cancelled write ran", n)
	}
	if st := db.Stats(); st.Abandoned != 1 {
		t.Fatalf("%d abandoned writes, want 1", st.Abandoned)
	}
}

func TestWriteWithEndedContextIsNotQueued(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.Exec(ctx, "CREATE TABLE t(x)"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	//lint:ignore SA1012 a nil context is the bad input under test
	if _, err := db.Exec(nil, "CREATE TABLE t(x)"); !errors.Is(err, sqlite.ErrMisuse) {
		t.Fatalf("nil context: got %v", err)
	}
}

func TestRunningWriteIsInterruptedByItsContext(t *testing.T) {
	db := dbOpenTest(t, nil)
	dbGroupSchema(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	err := db.Write(ctx, func(c *sqlite.Conn) error {
		if err := c.Exec("INSERT INTO t(x) VALUES (1)"); err != nil {
			return err
		}
		cancel()
		// The context has ended: SQL no longer runs, and the write is
		// rolled back.
		return c.Exec("INSERT INTO t(x) VALUES (2)")
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("%d rows of the cancelled write remain", n)
	}
	if _, err := db.Exec(context.Background(), "INSERT INTO t(x) VALUES (3)"); err != nil {
		t.Fatalf("the writer is unusable after a cancelled write: %v", err)
	}
}

func TestWriteFunctionSeesItsContext(t *testing.T) {
	db := dbOpenTest(t, nil)
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "mine")
	dbMust(t, db.Write(ctx, func(c *sqlite.Conn) error {
		if c.Context().Value(key{}) != "mine" {
			return errors.New("the write's context is not installed on the connection")
		}
		return nil
	}))
}

func TestWriteFromTheWriterIsReentrant(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	err := db.Write(ctx, func(c *sqlite.Conn) error {
		_, err := db.Exec(ctx, "CREATE TABLE t(x)")
		return err
	})
	if !errors.Is(err, ErrReentrant) {
		t.Fatalf("outer context: got %v, want ErrReentrant", err)
	}
	err = db.Write(ctx, func(c *sqlite.Conn) error {
		_, err := db.Exec(c.Context(), "CREATE TABLE t(x)")
		return err
	})
	if !errors.Is(err, ErrReentrant) {
		t.Fatalf("the writer's context: got %v, want ErrReentrant", err)
	}
	// Reads from a write are fine: they use the reader pool.
	dbMust(t, db.Write(ctx, func(c *sqlite.Conn) error {
		_, err := dbValue(ctx, db, "SELECT 1")
		return err
	}))
}

func TestStatsCountQueueWait(t *testing.T) {
	db := dbOpenTest(t, nil)
	dbGroupSchema(t, db)
	release := dbHold(t, db)
	q := dbQueue(t, db, dbInsert(db, 1))
	if st := db.Stats(); st.QueueDepth != 1 {
		t.Fatalf("queue depth %d, want 1", st.QueueDepth)
	}
	release()
	dbMust(t, q.wait())
	st := db.Stats()
	if st.QueueDepth != 0 || st.QueueWait <= 0 || st.MaxQueueWait <= 0 || st.MaxQueueWait > st.QueueWait {
		t.Fatalf("stats %+v", st)
	}
	if st.Writes == 0 || st.Commits == 0 || st.Batches == 0 || st.BatchedWrites < st.Batches {
		t.Fatalf("stats %+v", st)
	}
	var inHistogram int64
	for _, n := range st.BatchSizes {
		inHistogram += n
	}
	if inHistogram != st.Batches {
		t.Fatalf("histogram holds %d batches of %d", inHistogram, st.Batches)
	}
}

func TestQueueBoundsWaitingWrites(t *testing.T) {
	// Many more writes than the queue holds: the queue never holds more
	// than its size, the others wait in their callers' goroutines, and no
	// goroutine is added per write.
	const size, writers = 16, 500
	db := dbOpenTest(t, &Options{QueueSize: size})
	dbGroupSchema(t, db)
	release := dbHold(t, db)
	before := runtime.NumGoroutine()
	done := make(chan error, writers)
	for i := range writers {
		go func() { done <- dbInsert(db, i)() }()
	}
	dbWaitStat(t, db, func(s Stats) bool { return s.QueueWaits == writers-size })
	if st := db.Stats(); st.QueueDepth != size {
		t.Fatalf("queue holds %d writes, want %d", st.QueueDepth, size)
	}
	if n := runtime.NumGoroutine() - before; n > writers {
		t.Fatalf("%d goroutines for %d waiting writes", n, writers)
	}
	release()
	for range writers {
		dbMust(t, <-done)
	}
	if n := dbCount(t, db, "SELECT n FROM counter"); n != writers {
		t.Fatalf("counter %d, want %d", n, writers)
	}
}
