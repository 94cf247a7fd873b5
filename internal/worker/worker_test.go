package worker

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

type job struct{ Job }

var errClosed = errors.New("closed")

// start runs a worker serving jobs with Run, on no connection.
func start(t *testing.T, cfg Config[*job]) *Worker[*job] {
	t.Helper()
	t.Cleanup(leakcheck.Check(t))
	var w *Worker[*job]
	cfg.Serve = func(j *job) { j.Answer(w.Run(j, nil, true)) }
	exited := make(chan struct{})
	cfg.Shutdown = func() { close(exited) }
	if cfg.Goexit == nil {
		cfg.Goexit = func(j *job, _ bool) { j.Answer(errors.New("goexit")) }
	}
	cfg.Closed = errClosed
	w = New(cfg)
	go w.Serve()
	t.Cleanup(func() {
		w.Close()
		<-exited
	})
	return w
}

func do(w *Worker[*job], ctx context.Context, fn func(*sqlite.Conn) error) error {
	j := new(job)
	j.Set(ctx, fn)
	if err := w.Do(j, false); err != nil {
		return err
	}
	return j.Err()
}

// block occupies the worker until the returned function is called.
func block(t *testing.T, w *Worker[*job]) (release func()) {
	started, stop, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- do(w, context.Background(), func(*sqlite.Conn) error {
			close(started)
			<-stop
			return nil
		})
	}()
	<-started
	return func() {
		close(stop)
		if err := <-done; err != nil {
			t.Errorf("blocking job: %v", err)
		}
	}
}

func TestCancelledWhileQueuedNeverRuns(t *testing.T) {
	queued := make(chan struct{}, 1)
	w := start(t, Config[*job]{Queued: func() { queued <- struct{}{} }})
	release := block(t, w)
	<-queued // the blocking job's own wait
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	errc := make(chan error)
	go func() { errc <- do(w, ctx, func(*sqlite.Conn) error { ran = true; return nil }) }()
	<-queued
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	release()
	if err := do(w, context.Background(), func(*sqlite.Conn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("a job cancelled while queued ran")
	}
	if n := w.Abandoned.Load(); n != 1 {
		t.Fatalf("Abandoned = %d, want 1", n)
	}
}

func TestFullQueueFailsOrWaits(t *testing.T) {
	queued := make(chan struct{}, 2)
	w := start(t, Config[*job]{Capacity: 1, FailWhenFull: true, Queued: func() { queued <- struct{}{} }})
	release := block(t, w)
	<-queued
	errc := make(chan error)
	go func() { errc <- do(w, context.Background(), func(*sqlite.Conn) error { return nil }) }()
	<-queued // it holds the only slot
	if err := do(w, context.Background(), nil); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("got %v, want ErrQueueFull", err)
	}
	release()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestReentrantCallIsRefused(t *testing.T) {
	w := start(t, Config[*job]{})
	var inner, marked error
	err := do(w, context.Background(), func(*sqlite.Conn) error {
		inner = do(w, context.Background(), nil)
		marked = w.admissible(w.Mark(context.Background()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inner, ErrReentrant) || !errors.Is(marked, ErrReentrant) {
		t.Fatalf("got %v and %v, want ErrReentrant", inner, marked)
	}
}

func TestGoexitAnswersTheJobAndServesOn(t *testing.T) {
	w := start(t, Config[*job]{})
	err := do(w, context.Background(), func(*sqlite.Conn) error {
		runtime.Goexit()
		return nil
	})
	if err == nil || err.Error() != "goexit" {
		t.Fatalf("got %v, want the Goexit answer", err)
	}
	if err := do(w, context.Background(), func(*sqlite.Conn) error { return nil }); err != nil {
		t.Fatalf("after Goexit: %v", err)
	}
}

func TestCancelRefusesQueuedJobs(t *testing.T) {
	queued := make(chan struct{}, 2)
	w := start(t, Config[*job]{Queued: func() { queued <- struct{}{} }})
	release := block(t, w)
	<-queued
	errc := make(chan error)
	go func() { errc <- do(w, context.Background(), func(*sqlite.Conn) error { return nil }) }()
	<-queued
	w.Close()
	w.Cancel()
	if err := <-errc; !errors.Is(err, errClosed) {
		t.Fatalf("queued job: got %v, want the closed error", err)
	}
	if err := do(w, context.Background(), nil); !errors.Is(err, errClosed) {
		t.Fatalf("new job: got %v, want the closed error", err)
	}
	release()
}

func TestGoexitOutsideAJobServesOn(t *testing.T) {
	settled := make(chan bool, 1)
	var exited atomic.Bool
	w := start(t, Config[*job]{
		Idle: func() bool {
			if exited.CompareAndSwap(false, true) {
				runtime.Goexit() // as a Go function reading ahead might
			}
			return false
		},
		Goexit: func(j *job, ok bool) { settled <- ok },
	})
	if ok := <-settled; ok {
		t.Fatal("Goexit outside a job's function was given a job")
	}
	if err := do(w, context.Background(), func(*sqlite.Conn) error { return nil }); err != nil {
		t.Fatalf("after Goexit: %v", err)
	}
}

func TestDirectMayDecline(t *testing.T) {
	var decline atomic.Bool
	ranDirect := 0
	w := start(t, Config[*job]{Direct: func(j *job) bool {
		if decline.Load() {
			return false
		}
		ranDirect++
		j.SetErr(j.Call(nil))
		return true
	}})
	var on []bool
	fn := func(*sqlite.Conn) error { on = append(on, w.OnWorker()); return nil }
	for _, d := range []bool{false, true} {
		decline.Store(d)
		j := new(job)
		j.Set(context.Background(), fn)
		if err := w.Do(j, true); err != nil || j.Err() != nil {
			t.Fatalf("declined %v: %v, %v", d, err, j.Err())
		}
	}
	if ranDirect != 1 || len(on) != 2 || on[0] || !on[1] {
		t.Fatalf("ran directly %d times, on the worker %v: want once, then on the worker", ranDirect, on)
	}
}

// TestCancelledJobsDoNotGrowTheQueue: jobs whose callers leave while the
// worker is busy, many more than the queue's capacity, give their room
// back at once and are swept out of the queue, which stays within a bound;
// none of them runs.
func TestCancelledJobsDoNotGrowTheQueue(t *testing.T) {
	queued := make(chan struct{}, 1)
	w := start(t, Config[*job]{Capacity: 4, FailWhenFull: true, Queued: func() { queued <- struct{}{} }})
	var once sync.Once
	unblock := block(t, w)
	release := func() { once.Do(unblock) }
	defer release() // also when the test fails
	<-queued
	var ran atomic.Int32
	for i := range 1000 {
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error)
		go func() { errc <- do(w, ctx, func(*sqlite.Conn) error { ran.Add(1); return nil }) }()
		select {
		case <-queued:
		case err := <-errc: // refused: the queue is full of jobs whose callers left
			t.Fatalf("job %d: %v", i, err)
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("job %d: got %v, want context.Canceled", i, err)
		}
	}
	if n := w.Len(); n != 0 {
		t.Fatalf("%d jobs counted as waiting after all left", n)
	}
	w.mu.Lock()
	n := len(w.queue) - w.head
	w.mu.Unlock()
	if n > 2*64 {
		t.Fatalf("the queue holds %d entries after 1000 jobs left it", n)
	}
	release()
	if err := do(w, context.Background(), func(*sqlite.Conn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran.Load() != 0 {
		t.Fatalf("%d cancelled jobs ran", ran.Load())
	}
}
