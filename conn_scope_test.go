package asqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

type startedKey struct{}

// withStarted registers started(): it closes the channel its call's
// context carries (under startedKey), so a test knows the SQL is running.
func withStarted(t *testing.T, c *Conn) {
	t.Helper()
	mustFunc(t, c, "started", 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
		if ch, ok := fc.Context().Value(startedKey{}).(chan struct{}); ok {
			close(ch)
		}
		fc.ResultInt64(1)
		return nil
	})
}

// spin is CPU-bound SQL that calls started() once and then runs until it
// is stopped.
const spin = "WITH RECURSIVE n(i) AS (SELECT started() UNION ALL SELECT i+1 FROM n) SELECT count(*) FROM n"

// cancelWhileRunning runs spin with a context it cancels once the SQL runs,
// and checks that the call failed with context.Canceled.
func cancelWhileRunning(c *Conn) error {
	ch := make(chan struct{})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), startedKey{}, ch))
	defer cancel()
	go func() {
		select {
		case <-ch:
			cancel()
		case <-ctx.Done(): // the call failed before its SQL ran
		}
	}()
	_, err := c.Exec(ctx, spin)
	if !errors.Is(err, context.Canceled) {
		return fmt.Errorf("cancelled call: got %v, want context.Canceled", err)
	}
	return nil
}

func TestCancelDoesNotInterruptPausedIteration(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 10})
	withStarted(t, c)
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100) INSERT INTO t SELECT i FROM n")
	ctx := context.Background()
	for round := range 20 {
		rows := 0
		for _, err := range c.Query(ctx, "SELECT x FROM t") {
			if err != nil {
				t.Fatalf("round %d: the paused iteration failed after %d rows: %v", round, rows, err)
			}
			rows++
			if rows%10 == 1 {
				if err := cancelWhileRunning(c); err != nil {
					t.Fatal(err)
				}
			}
		}
		if rows != 100 {
			t.Fatalf("round %d: %d rows, want 100", round, rows)
		}
		var n int
		if err := c.QueryRow(ctx, "SELECT 42").Scan(&n); err != nil || n != 42 {
			t.Fatalf("round %d: next call: %d, %v", round, n, err)
		}
	}
}

func TestCancelStormReachesOnlyCancelledCalls(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 10})
	withStarted(t, c)
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100) INSERT INTO t SELECT i FROM n")
	mustExec(t, c, "CREATE TABLE w(g, i)")
	const workers, calls = 6, 60 // 360 calls, a third of them cancelled
	var mu sync.Mutex
	var failures []error
	fail := func(err error) {
		mu.Lock()
		failures = append(failures, err)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			ctx := context.Background()
			for i := range calls {
				switch rng.IntN(6) {
				case 0, 1:
					if err := cancelWhileRunning(c); err != nil {
						fail(err)
					}
				case 2:
					// Cancelled at a random moment: queued, running or done.
					cctx, cancel := context.WithCancel(ctx)
					go cancel()
					c.Exec(cctx, "INSERT INTO w VALUES (-1, -1)")
				case 3:
					if _, err := c.Exec(ctx, "INSERT INTO w VALUES (?, ?)", g, i); err != nil {
						fail(fmt.Errorf("INSERT: %w", err))
					}
				case 4:
					if _, err := c.Exec(ctx, "BEGIN; INSERT INTO w VALUES (?, ?); COMMIT", g, i); err != nil {
						fail(fmt.Errorf("BEGIN…COMMIT: %w", err))
					}
				case 5:
					// A paused iteration with calls between its batches.
					rows := 0
					for _, err := range c.Query(ctx, "SELECT x FROM t") {
						if err != nil {
							fail(fmt.Errorf("iteration after %d rows: %w", rows, err))
							break
						}
						rows++
						if rows%25 == 0 {
							var n int
							if err := c.QueryRow(ctx, "SELECT 42").Scan(&n); err != nil {
								fail(fmt.Errorf("QueryRow inside an iteration: %w", err))
							}
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range failures {
		if i == 10 {
			t.Errorf("... %d failures in all", len(failures))
			break
		}
		t.Error(err)
	}
}

func TestCallbackSeesDeadlineBeforeItsTimerFires(t *testing.T) {
	c := openTest(t, nil)
	var seen error
	mustFunc(t, c, "late", 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
		ctx := fc.Context()
		d, _ := ctx.Deadline()
		for time.Now().Before(d) {
			runtime.Gosched()
		}
		// The deadline has passed; the timer may not have fired yet.
		seen = ctx.Err()
		select {
		case <-ctx.Done():
		default:
			seen = errors.New("Done not closed after the deadline")
		}
		fc.ResultInt64(1)
		return nil
	})
	ctx := lateTimer{Context: context.Background(), deadline: time.Now().Add(short)}
	_, err := c.Exec(ctx, "SELECT late()")
	if !errors.Is(seen, context.DeadlineExceeded) {
		t.Fatalf("the function saw %v, want context.DeadlineExceeded (Exec: %v)", seen, err)
	}
}

// lateTimer is a context whose deadline passes but whose Done never closes,
// as if its timer fired very late.
type lateTimer struct {
	context.Context
	deadline time.Time
}

func (l lateTimer) Deadline() (time.Time, bool) { return l.deadline, true }
func (lateTimer) Done() <-chan struct{}         { return nil }

func TestExecErrorMeansNothingApplied(t *testing.T) {
	c := openTest(t, nil)
	mustExec(t, c, "CREATE TABLE t(id)")
	// slow(obey) returns after its deadline: when obey is 1 it returns the
	// context's error (the INSERT fails), otherwise it ignores the context
	// (the INSERT completes after the deadline).
	ran := false // whether slow ran in this iteration: on a loaded machine the deadline may pass before the call starts
	mustFunc(t, c, "slow", 1, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
		ran = true
		ctx := fc.Context()
		if args[0].Int64() == 1 {
			<-ctx.Done()
			return ctx.Err()
		}
		d, _ := ctx.Deadline()
		for time.Now().Before(d.Add(time.Millisecond)) {
			runtime.Gosched()
		}
		fc.ResultInt64(0)
		return nil
	})
	for i := range 40 {
		ran = false
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		_, err := c.Exec(ctx, "INSERT INTO t VALUES (? + slow(?))", i, i%2)
		cancel()
		var n int
		if err := c.QueryRow(context.Background(), "SELECT count(*) FROM t WHERE id = ?", i).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if (err == nil) != (n == 1) {
			t.Fatalf("INSERT %d returned %v and left %d rows", i, err, n)
		}
		if i%2 == 0 && ran && err != nil {
			t.Fatalf("INSERT %d completed after its deadline but returned %v", i, err)
		}
	}
}

// TestDirectCallsBesideWorker mixes calls a caller may run itself (no Go
// callbacks registered) with iterations read ahead by the worker and calls
// stopped by their deadline: every call that was not stopped succeeds, and
// every INSERT that succeeded is there.
func TestDirectCallsBesideWorker(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 10})
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100) INSERT INTO t SELECT i FROM n")
	mustExec(t, c, "CREATE TABLE w(g, i)")
	const workers, calls = 4, 100
	var inserted [workers]int
	errc := make(chan error, workers)
	for g := range workers {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			ctx := context.Background()
			for i := range calls {
				switch rng.IntN(4) {
				case 0:
					dctx, cancel := context.WithTimeout(ctx, time.Millisecond)
					_, err := c.Exec(dctx, forever+"SELECT count(*) FROM n")
					cancel()
					if !errors.Is(err, context.DeadlineExceeded) {
						errc <- fmt.Errorf("stopped call: %v", err)
						return
					}
				case 1:
					if _, err := c.Exec(ctx, "INSERT INTO w VALUES (?, ?)", g, i); err != nil {
						errc <- err
						return
					}
					inserted[g]++
				case 2:
					var n int
					if err := c.QueryRow(ctx, "SELECT count(*) FROM w WHERE g = ?", g).Scan(&n); err != nil || n != inserted[g] {
						errc <- fmt.Errorf("count: %d, %v; want %d", n, err, inserted[g])
						return
					}
				case 3:
					rows := 0
					for _, err := range c.Query(ctx, "SELECT x FROM t") {
						if err != nil {
							errc <- fmt.Errorf("iteration after %d rows: %w", rows, err)
							return
						}
						rows++
					}
					if rows != 100 {
						errc <- fmt.Errorf("iteration: %d rows", rows)
						return
					}
				}
			}
			errc <- nil
		}()
	}
	for range workers {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}
