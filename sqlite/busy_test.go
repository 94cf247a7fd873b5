package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asqlite/asqlite/internal/leakcheck"
)

// hkLocked opens two connections to one new database file: holder, which
// has taken the write lock (BEGIN IMMEDIATE), and waiter.
func hkLocked(t *testing.T) (holder, waiter *Conn) {
	t.Helper()
	dir := t.TempDir()
	holder = hkOpenFile(t, dir, "busy.db")
	hkExec(t, holder, "CREATE TABLE t(a)")
	waiter = hkOpenFile(t, dir, "busy.db")
	hkExec(t, holder, "BEGIN IMMEDIATE; INSERT INTO t VALUES('holder')")
	return holder, waiter
}

func TestBusyTimeoutWaitsForLock(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	holder, waiter := hkLocked(t)
	waiter.SetBusyTimeout(time.Minute)
	waiting := make(chan struct{})
	waiter.hooks.busy.onWait = func(count int) {
		if count == 0 {
			close(waiting)
		}
	}
	done := make(chan error)
	go func() { done <- waiter.Exec("INSERT INTO t VALUES('waiter')") }()
	<-waiting
	// The waiter takes a shared lock for a moment at each try, which the
	// holder's commit must wait out too.
	holder.SetBusyTimeout(time.Minute)
	if err := holder.Exec("COMMIT"); err != nil {
		t.Errorf("holder's commit: %v", err)
		holder.Exec("ROLLBACK")
	}
	if err := <-done; err != nil {
		t.Fatalf("waiting writer: %v", err)
	}
	if n := hkInt(t, holder, "SELECT count(*) FROM t"); n != 2 {
		t.Fatalf("%d rows, want both writers'", n)
	}
}

func TestBusyTimeoutExpires(t *testing.T) {
	_, waiter := hkLocked(t)
	waiter.SetBusyTimeout(5 * time.Millisecond)
	waits := 0
	waiter.hooks.busy.onWait = func(int) { waits++ }
	err := waiter.Exec("INSERT INTO t VALUES('waiter')")
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("error %v, want ErrBusy", err)
	}
	if waits == 0 {
		t.Fatal("gave up without waiting")
	}
	if waiter.BusyTimeout() != 5*time.Millisecond {
		t.Fatal(waiter.BusyTimeout())
	}
	// Removing the timeout makes the next attempt fail at once.
	waiter.SetBusyTimeout(0)
	waits = 0
	if err := waiter.Exec("INSERT INTO t VALUES('waiter')"); !errors.Is(err, ErrBusy) || waits != 0 {
		t.Fatalf("without timeout: %v after %d waits", err, waits)
	}
}

func TestBusyTimeoutStopsWhenContextEnds(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	holder, waiter := hkLocked(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiter.SetContext(ctx)
	waiter.SetBusyTimeout(time.Hour)
	waiter.hooks.busy.onWait = func(count int) {
		if count == 2 {
			cancel()
		}
	}
	err := waiter.Exec("INSERT INTO t VALUES('waiter')")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want one wrapping context.Canceled", err)
	}
	// The connection works again with a live context once the lock is free.
	waiter.SetContext(context.Background())
	hkExec(t, holder, "COMMIT")
	hkExec(t, waiter, "INSERT INTO t VALUES('waiter')")
}

func TestBusyTimeoutStopsOnInterrupt(t *testing.T) {
	_, waiter := hkLocked(t)
	waiter.SetBusyTimeout(time.Hour)
	waiter.hooks.busy.onWait = func(count int) {
		if count == 1 {
			waiter.Interrupt()
		}
	}
	err := waiter.Exec("INSERT INTO t VALUES('waiter')")
	if !errors.Is(err, ErrInterrupt) {
		t.Fatalf("error %v, want ErrInterrupt", err)
	}
}

func TestBusyHandlerCountsAndGivesUp(t *testing.T) {
	_, waiter := hkLocked(t)
	var counts []int
	waiter.SetBusyHandler(func(count int) bool {
		counts = append(counts, count)
		return count < 3
	})
	if err := waiter.Exec("INSERT INTO t VALUES('waiter')"); !errors.Is(err, ErrBusy) {
		t.Fatalf("error %v, want ErrBusy", err)
	}
	if len(counts) != 4 || counts[3] != 3 {
		t.Fatalf("busy handler counts %v, want [0 1 2 3]", counts)
	}
}

func TestBusyHandlerPanicStopsRetrying(t *testing.T) {
	holder, waiter := hkLocked(t)
	calls := 0
	waiter.SetBusyHandler(func(int) bool { calls++; panic(errHookBoom) })
	err := waiter.Exec("INSERT INTO t VALUES('waiter')")
	if !errors.Is(err, ErrBusy) || !errors.Is(err, errHookBoom) || calls != 1 {
		t.Fatalf("error %v after %d calls: want ErrBusy wrapping the panic after 1", err, calls)
	}
	hkExec(t, holder, "COMMIT")
	hkExec(t, waiter, "INSERT INTO t VALUES('waiter')")
}
