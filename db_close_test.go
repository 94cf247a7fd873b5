package asqlite

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// dbOpenForClose opens a DB the test closes itself.
func dbOpenForClose(t *testing.T, path string, o *Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, o)
	dbMust(t, err)
	return db
}

// dbClosing reports whether Close has started.
func dbClosing(db *DB) bool {
	select {
	case <-db.quit:
		return true
	default:
		return false
	}
}

func TestCloseDrainsQueuedWrites(t *testing.T) {
	leaks := leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "close.db")
	db := dbOpenForClose(t, path, nil)
	dbGroupSchema(t, db)
	running := make(chan struct{})
	proceed := make(chan struct{})
	held := dbPendingCall{done: make(chan error, 1)}
	go func() {
		held.done <- db.Write(context.Background(), func(*sqlite.Conn) error {
			close(running)
			<-proceed
			return nil
		})
	}()
	<-running
	var qs []dbPendingCall
	for i := range 5 {
		qs = append(qs, dbQueue(t, db, dbInsert(db, i)))
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	for !dbClosing(db) {
		runtime.Gosched()
	}
	if _, err := db.Exec(context.Background(), "INSERT INTO t(x) VALUES (99)"); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close: got %v, want ErrClosed", err)
	}
	if _, err := dbValue(context.Background(), db, "SELECT 1"); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after Close: got %v, want ErrClosed", err)
	}
	if len(closed) > 0 {
		t.Fatal("Close returned before the queued writes ran")
	}
	close(proceed)
	dbMust(t, held.wait())
	for _, q := range qs {
		dbMust(t, q.wait())
	}
	dbMust(t, <-closed)
	leaks()

	// Everything the queue held was committed.
	db = dbOpenForClose(t, path, nil)
	defer db.Close()
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 5 {
		t.Fatalf("counter %d after reopening, want 5", n)
	}
}

func TestCloseContextCancelsWhatRemains(t *testing.T) {
	leaks := leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "close.db")
	db := dbOpenForClose(t, path, nil)
	dbGroupSchema(t, db)
	// A write running SQL that only an interrupt stops.
	started := make(chan struct{})
	running := dbPendingCall{done: make(chan error, 1)}
	go func() {
		running.done <- db.Write(context.Background(), func(c *sqlite.Conn) error {
			close(started)
			return c.Exec(dbForever)
		})
	}()
	<-started
	var qs []dbPendingCall
	for i := range 3 {
		qs = append(qs, dbQueue(t, db, dbInsert(db, i)))
	}
	// And a read that only its context stops.
	readStarted := make(chan struct{})
	read := dbPendingCall{done: make(chan error, 1)}
	go func() {
		read.done <- db.Reader(ReadOptions{TimeLimit: -1}).Read(context.Background(), func(c *sqlite.Conn) error {
			close(readStarted)
			<-c.Context().Done()
			return c.Context().Err()
		})
	}()
	<-readStarted
	// And a query, which runs with no context installed.
	query := dbPendingCall{done: make(chan error, 1)}
	go func() {
		query.done <- db.Reader(ReadOptions{TimeLimit: -1}).QueryRow(context.Background(), dbForever).Err()
	}()
	dbWaitStat(t, db, func(s Stats) bool { return s.IdleReaders == s.Readers-2 })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dbMust(t, db.CloseContext(ctx))
	if err := running.wait(); !errors.Is(err, sqlite.ErrInterrupt) {
		t.Errorf("running write: got %v, want an interrupt", err)
	}
	for _, q := range qs {
		if err := q.wait(); !errors.Is(err, ErrClosed) {
			t.Errorf("queued write: got %v, want ErrClosed", err)
		}
	}
	if err := read.wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("running read: got %v, want its context cancelled", err)
	}
	if err := query.wait(); !errors.Is(err, ErrClosed) {
		t.Errorf("running query: got %v, want ErrClosed", err)
	}
	leaks()

	db = dbOpenForClose(t, path, nil)
	defer db.Close()
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 0 {
		t.Fatalf("counter %d: a cancelled write ran", n)
	}
}

func TestCloseTwiceIsHarmless(t *testing.T) {
	leaks := leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "close.db")
	db := dbOpenForClose(t, path, nil)
	dbMust(t, db.Close())
	dbMust(t, db.Close())
	ctx := context.Background()
	if err := db.Register(ctx, func(*sqlite.Conn) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Register after Close: got %v", err)
	}
	if err := db.Read(ctx, func(*sqlite.Conn) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: got %v", err)
	}
	leaks()
}

func TestCloseReadOnlyAndMemory(t *testing.T) {
	leaks := leakcheck.Check(t)
	db, err := Open(context.Background(), ":memory:", nil)
	dbMust(t, err)
	dbMust(t, db.Close())
	path := filepath.Join(t.TempDir(), "ro.db")
	db, err = Open(context.Background(), path, nil)
	dbMust(t, err)
	dbMust(t, db.Close())
	db, err = Open(context.Background(), path, &Options{ReadOnly: true})
	dbMust(t, err)
	dbMust(t, db.Close())
	leaks()
}

// TestCloseContextFailsAWriteCarriedPastItsGroup: a write that must run
// alone, taken by a group and kept for the next round, has not run when
// CloseContext gives up: it fails with ErrClosed, like the queued ones.
func TestCloseContextFailsAWriteCarriedPastItsGroup(t *testing.T) {
	leaks := leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "close.db")
	db := dbOpenForClose(t, path, dbGroupOptions)
	dbGroupSchema(t, db)
	ctx := context.Background()
	inCommit, finish := make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		_, err := c.AddCommitHook(func() bool {
			if armed.CompareAndSwap(true, false) {
				close(inCommit)
				<-finish
			}
			return false
		})
		return err
	}))
	running, proceed := make(chan struct{}), make(chan struct{})
	held := dbPendingCall{done: make(chan error, 1)}
	go func() {
		held.done <- db.Write(ctx, func(*sqlite.Conn) error {
			close(running)
			<-proceed
			return nil
		})
	}()
	<-running
	w1 := dbQueue(t, db, dbInsert(db, 1))
	alone := dbQueue(t, db, func() error {
		_, err := db.Writer(WriteOptions{Isolated: true}).Exec(ctx, "INSERT INTO t(x) VALUES ('alone')")
		return err
	})
	queued := dbQueue(t, db, dbInsert(db, 3))
	armed.Store(true)
	close(proceed)
	<-inCommit // the group ran w1 and keeps the isolated write for later
	gaveUp, cancel := context.WithCancel(ctx)
	cancel()
	closed := make(chan error, 1)
	go func() { closed <- db.CloseContext(gaveUp) }()
	if err := queued.wait(); !errors.Is(err, ErrClosed) {
		t.Fatalf("queued write: got %v, want ErrClosed", err)
	}
	close(finish)
	if err := alone.wait(); !errors.Is(err, ErrClosed) {
		t.Fatalf("carried write: got %v, want ErrClosed", err)
	}
	// The group's outcome is its own (the COMMIT may be interrupted).
	held.wait()
	w1.wait()
	dbMust(t, <-closed)
	leaks()
	db = dbOpenForClose(t, path, nil)
	defer db.Close()
	if n := dbCount(t, db, "SELECT count(*) FROM t WHERE x = 'alone'"); n != 0 {
		t.Fatal("the carried write ran after Close gave up")
	}
}
