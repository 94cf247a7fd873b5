// Package worker is the core of asqlite's Conn and of its DB's writer: a
// goroutine that owns a *sqlite.Conn and serves queued, context-bound work.
//
// A caller puts a job (a function and its context) in the queue and waits;
// the worker takes jobs from the head, in order of arrival. Each job carries
// a state that the caller, the worker and Cancel change with
// compare-and-swap, so exactly one of them decides its fate:
//
//	queued ──taken──▶ running ──answered──▶ done
//	   │
//	   └─caller's ctx ends─▶ cancelled (never runs; the worker drops it)
//
// Once a job runs, its caller waits for its outcome even after its context
// ended: SQL stops within microseconds, and only the outcome says whether a
// statement was applied.
//
// The owner of a Worker (Conn, the DB writer) says how a job is served, what
// the worker does between jobs, and how it shuts down, through Config. The
// worker adds: a bounded or unbounded queue, with the caller waiting for room
// (as long as its context allows) or failing at once with ErrQueueFull;
// direct service on the caller's goroutine when the worker is idle;
// recognition of calls made from the worker itself (ErrReentrant); and
// survival of runtime.Goexit in a job's function or in any Go code the
// worker runs (a new goroutine carries on).
package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/asqlite/asqlite/sqlite"
)

// Errors of the worker, re-exported by package asqlite.
var (
	ErrReentrant  = errors.New("asqlite: call from the connection's own worker would deadlock (use the *sqlite.Conn or *Tx you were given)")
	ErrQueueFull  = errors.New("asqlite: write queue is full")
	ErrNilContext = sqlite.Errorf(sqlite.ErrMisuse, "asqlite: nil context")
)

// CtxError reports that ctx ended while a call was in the given phase. It
// wraps ctx.Err() (so errors.Is(err, context.Canceled) or
// context.DeadlineExceeded holds) and the context's cause when that is a
// different error.
func CtxError(ctx context.Context, phase string) error {
	err := ctx.Err()
	if err == nil { // past its deadline, before its timer fired
		return fmt.Errorf("asqlite: %s: %w", phase, context.DeadlineExceeded)
	}
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("asqlite: %s: %w: %w", phase, err, cause)
	}
	return fmt.Errorf("asqlite: %s: %w", phase, err)
}

// States of a job (see the package documentation).
const (
	stateQueued int32 = iota
	stateRunning
	stateDone
	stateCancelled
)

// Job is one piece of work: a function run on the worker's connection with
// a context. Owners embed it in their own job type, which carries the
// results the function writes.
type Job struct {
	ctx context.Context
	fn  func(*sqlite.Conn) error

	state    atomic.Int32
	released atomic.Bool   // its place in the queue was given back (pop, or cancelled while queued)
	done     chan struct{} // buffered (1): the worker never blocks on it

	err      error
	panicked bool
	panicVal any
}

// Item is an owner's job type: a pointer to a struct embedding Job.
type Item interface{ base() *Job }

func (j *Job) base() *Job { return j }

// Set prepares j to run fn with ctx. A pooled job may be Set again once its
// caller has read its outcome.
func (j *Job) Set(ctx context.Context, fn func(*sqlite.Conn) error) {
	j.ctx, j.fn = ctx, fn
	j.state.Store(stateQueued)
	j.released.Store(false)
	j.err, j.panicked, j.panicVal = nil, false, nil
	if j.done == nil {
		j.done = make(chan struct{}, 1)
	}
}

// Context returns the job's context.
func (j *Job) Context() context.Context { return j.ctx }

// Err returns the job's outcome, once answered.
func (j *Job) Err() error { return j.err }

// Panicked reports whether the job's function panicked, and with what; the
// caller raises the panic again.
func (j *Job) Panicked() (any, bool) { return j.panicVal, j.panicked }

// SetPanic records that Go code run for the job, outside its function,
// panicked with p, for the caller to raise again (see Panicked).
func (j *Job) SetPanic(p any) { j.panicked, j.panicVal = true, p }

// SetErr sets the outcome of a job run directly (Config.Direct).
func (j *Job) SetErr(err error) { j.err = err }

// Answer sets the job's outcome and releases its caller, which may reuse
// the job at once: the worker must not touch it afterwards.
func (j *Job) Answer(err error) {
	j.err = err
	j.state.Store(stateDone)
	j.done <- struct{}{}
}

// Config is what the owner of a Worker decides. Serve is required; the rest
// may be nil. Serve, Before, After, Idle, Shutdown and Goexit run on the
// worker goroutine, Direct on a caller's, all holding the connection;
// Answer runs there too, or on the goroutine calling Cancel.
type Config[T Item] struct {
	// Serve runs a job taken from the queue and answers it (Answer), at once
	// or later (a group answered at its commit).
	Serve func(j T)
	// Direct runs a job on its caller's goroutine, the worker being idle,
	// and reports true; Do's caller reads the outcome in the job. It may
	// decline (false, running nothing): the job is then queued.
	Direct func(j T) bool
	// Before runs at the start of each round of the worker, before a job is
	// taken; After runs after each job served.
	Before, After func()
	// Idle does some of the owner's own work while no job waits (reading a
	// query's next rows ahead) and reports whether there was any; it should
	// stop soon once Waiting is not zero. IdleWork reports whether Idle has
	// work, for a direct caller to wake the worker when it leaves.
	Idle     func() bool
	IdleWork func() bool
	// Shutdown runs on the worker once it is closed and its queue empty;
	// then the worker goroutine ends.
	Shutdown func()
	// Goexit settles what runtime.Goexit (t.FailNow in a test) left when
	// it ended the worker goroutine; it runs on the new goroutine that then
	// carries on. With ok set, j is the job whose function (Run) called it,
	// to answer; otherwise Go code of the user's that the owner's own work
	// ran (a Go function reading ahead in Idle, a hook run by a COMMIT)
	// called it, and the owner settles its own state.
	Goexit func(j T, ok bool)
	// Answer answers a job the worker refuses (its context ended while
	// queued, or Cancel); nil means Job.Answer.
	Answer func(j T, err error)
	// Taken is told of each job claimed from the queue.
	Taken func(j T)
	// Queued is told that a caller is about to wait for its job (tests).
	Queued func()
	// Drop is given a job that will never run and that nobody refers to
	// anymore, to recycle.
	Drop func(j T)

	// Capacity bounds the queue; zero means unbounded. When it is full, Do
	// waits for room as long as the job's context allows or, with
	// FailWhenFull, fails at once with ErrQueueFull.
	Capacity     int
	FailWhenFull bool
	// Closed is the error of jobs submitted after Close, and of those Cancel
	// refuses.
	Closed error
}

// Worker serves the jobs of one connection. The goroutine that calls Serve
// becomes the worker.
type Worker[T Item] struct {
	cfg Config[T]

	// admit is read-held by Do while it puts a job in the queue, waiting
	// for room included; Close write-locks it, so that once closed is set
	// every job that will ever be queued is queued.
	admit  sync.RWMutex
	closed bool
	// isClosed is closed, for the worker, which must not wait for admit:
	// callers waiting for room in the queue hold it.
	isClosed atomic.Bool

	mu    sync.Mutex
	queue []T // oldest at head
	head  int
	stale int           // jobs in queue[head:] cancelled while queued
	slots chan struct{} // with a capacity: one token per job waiting

	waiting atomic.Int32  // jobs waiting in the queue (not those cancelled there)
	wake    chan struct{} // (capacity 1) a job, or Close, is waiting
	carried T             // taken already, served next (Carry)
	carry   bool
	failing atomic.Bool // Cancel: refuse every job

	// hold is held by the goroutine using the connection: the worker, or a
	// caller running a job directly.
	hold   sync.Mutex
	gid    atomic.Uint64 // the worker goroutine's id
	inUser atomic.Bool   // the worker runs code that may call back (Watch)
	orphan T             // the job whose function called runtime.Goexit
	exited bool          // orphan is set

	// Counters for the owner's statistics.
	QueueWaits, QueueFull, Abandoned atomic.Int64
}

// New returns a Worker; the owner starts it with go w.Serve().
func New[T Item](cfg Config[T]) *Worker[T] {
	w := &Worker[T]{cfg: cfg, wake: make(chan struct{}, 1)}
	if cfg.Capacity > 0 {
		w.slots = make(chan struct{}, cfg.Capacity)
	}
	if w.cfg.Answer == nil {
		w.cfg.Answer = func(j T, err error) { j.base().Answer(err) }
	}
	return w
}

// markKey marks the contexts a worker hands out (Mark).
type markKey struct{}

// Mark returns the context to install for work on the worker: ctx, live
// (see LiveCtx), and marked as the worker's, so that a call made with it
// from a callback is recognised as re-entrant.
func (w *Worker[T]) Mark(ctx context.Context) *LiveCtx {
	return NewLiveCtx(ctx, markKey{}, w)
}

// reentrant reports whether a job submitted with ctx would wait for the
// worker while running on it: ctx was handed out by the worker (Mark), or
// the caller is the worker goroutine, running code that may call back (see
// Run). Asking for the goroutine's id costs about a microsecond, so only
// then.
func (w *Worker[T]) reentrant(ctx context.Context) bool {
	if v, ok := ctx.Value(markKey{}).(*Worker[T]); ok && v == w {
		return true
	}
	return w.inUser.Load() && w.OnWorker()
}

// OnWorker reports whether the calling goroutine is the worker.
func (w *Worker[T]) OnWorker() bool { return goid() == w.gid.Load() }

// Watch says whether the worker runs code that may call back into its
// owner (see reentrant); Run sets it for the job's function.
func (w *Worker[T]) Watch(on bool) { w.inUser.Store(on) }

// Waiting counts the jobs in the queue; Idle work stops when it is not zero.
func (w *Worker[T]) Waiting() *atomic.Int32 { return &w.waiting }

// Len returns the number of jobs in the queue.
func (w *Worker[T]) Len() int { return int(w.waiting.Load()) }

// Do hands j to the worker, or runs it directly when direct is set and the
// worker is idle, and waits for it. A nil error means j ran (or was
// answered) and its outcome is in it; otherwise j never ran and the caller
// must not touch it again.
func (w *Worker[T]) Do(j T, direct bool) error {
	b := j.base()
	ctx := b.ctx
	if err := w.admissible(ctx); err != nil {
		w.drop(j)
		return err
	}
	if direct && w.cfg.Direct != nil && w.direct(j) {
		return nil
	}
	if err := w.enqueue(j); err != nil {
		w.drop(j)
		return err
	}
	if w.cfg.Queued != nil {
		w.cfg.Queued()
	}
	ctxDone := ctx.Done()
	if ctxDone == nil { // a context that never ends: a plain receive is cheaper
		<-b.done
		return nil
	}
	select {
	case <-b.done:
		return nil
	case <-ctxDone:
	}
	if b.state.CompareAndSwap(stateQueued, stateCancelled) {
		w.Abandoned.Add(1)
		w.forget(j)
		return CtxError(ctx, "cancelled while queued")
	}
	// Running: the worker stops its SQL at once, and only the outcome says
	// whether it was applied (a statement may complete all the same).
	<-b.done
	return nil
}

// admissible checks a job's context before it is submitted.
func (w *Worker[T]) admissible(ctx context.Context) error {
	switch {
	case ctx == nil:
		return ErrNilContext
	case Ended(ctx):
		return CtxError(ctx, "call not started")
	case w.reentrant(ctx):
		return ErrReentrant
	}
	return nil
}

func (w *Worker[T]) drop(j T) {
	if w.cfg.Drop != nil {
		w.cfg.Drop(j)
	}
}

// direct runs j on the calling goroutine if the worker is idle: no job
// queued or running. It spares the two goroutine switches of a hand-over,
// most of the cost of a short job. It reports whether it ran j.
func (w *Worker[T]) direct(j T) bool {
	if w.waiting.Load() != 0 || !w.hold.TryLock() {
		return false
	}
	// Deferred, so that a panic (a defect of the binding) leaves the worker
	// usable; the worker is woken for what arrived meanwhile.
	defer func() {
		more := w.waiting.Load() != 0 || w.cfg.IdleWork != nil && w.cfg.IdleWork()
		w.hold.Unlock()
		if more {
			w.Signal()
		}
	}()
	if w.failing.Load() {
		return false
	}
	return w.cfg.Direct(j)
}

// enqueue appends j to the queue, waiting for room when it is bounded, and
// wakes the worker.
func (w *Worker[T]) enqueue(j T) error {
	w.admit.RLock()
	defer w.admit.RUnlock()
	if w.closed {
		return w.cfg.Closed
	}
	if w.slots != nil {
		select {
		case w.slots <- struct{}{}:
		default:
			if w.cfg.FailWhenFull {
				w.QueueFull.Add(1)
				return ErrQueueFull
			}
			w.QueueWaits.Add(1)
			ctx := j.base().ctx
			select {
			case w.slots <- struct{}{}:
			case <-ctx.Done():
				return CtxError(ctx, "waiting for room in the queue")
			}
		}
	}
	w.mu.Lock()
	w.queue = append(w.queue, j)
	w.mu.Unlock()
	w.waiting.Add(1)
	w.Signal()
	return nil
}

// pop removes the job at the head of the queue.
func (w *Worker[T]) pop() (j T, ok bool) {
	w.mu.Lock()
	if w.head == len(w.queue) {
		w.mu.Unlock()
		return j, false
	}
	j = w.queue[w.head]
	var zero T
	w.queue[w.head] = zero
	w.head++
	switch {
	case w.head == len(w.queue):
		w.queue, w.head = w.queue[:0], 0
	case w.head >= 64 && w.head*2 >= len(w.queue):
		n := copy(w.queue, w.queue[w.head:])
		clear(w.queue[n:])
		w.queue, w.head = w.queue[:n], 0
	}
	if !w.release(j.base()) {
		w.stale-- // its caller gave its place back
	}
	w.mu.Unlock()
	return j, true
}

// release gives back the place of a job in the queue, its room and its
// count, once: when the worker pops it or when its caller leaves it. It
// reports whether this call did.
func (w *Worker[T]) release(b *Job) bool {
	if !b.released.CompareAndSwap(false, true) {
		return false
	}
	w.waiting.Add(-1)
	if w.slots != nil {
		<-w.slots
	}
	return true
}

// forget gives back the place of j, cancelled while queued, so that the
// queue's room and count are those of the jobs still waiting: callers that
// give up on a slow worker do not keep new jobs out. j stays in the queue
// until the worker reaches it (and drops it), unless the cancelled jobs
// come to outnumber the waiting ones: then they are swept out, so that
// cancellations cannot grow the queue past its bound.
func (w *Worker[T]) forget(j T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.release(j.base()) {
		return // popped meanwhile: the worker drops it
	}
	w.stale++
	if live := len(w.queue) - w.head - w.stale; w.stale < 64 || w.stale <= live {
		return
	}
	kept := w.queue[:w.head]
	for _, q := range w.queue[w.head:] {
		if !q.base().released.Load() {
			kept = append(kept, q)
		}
	}
	clear(w.queue[len(kept):])
	w.queue, w.stale = kept, 0
}

// Take claims the next job without waiting: the carried one (Carry), else
// the queue's head. Jobs whose caller left are dropped; jobs whose context
// ended while queued, or refused by Cancel, are answered. It reports false
// when no job is left. A job taken must be answered.
func (w *Worker[T]) Take() (T, bool) {
	for {
		var j T
		if w.carry {
			// Taken already, but not run: refused like a queued job.
			var zero T
			j, w.carried, w.carry = w.carried, zero, false
		} else {
			var ok bool
			if j, ok = w.pop(); !ok {
				return j, false
			}
			if !j.base().state.CompareAndSwap(stateQueued, stateRunning) {
				w.drop(j) // cancelled while queued: its caller is gone
				continue
			}
			if w.cfg.Taken != nil {
				w.cfg.Taken(j)
			}
		}
		b := j.base()
		switch {
		case w.failing.Load():
			w.cfg.Answer(j, w.cfg.Closed)
		case Ended(b.ctx):
			w.cfg.Answer(j, CtxError(b.ctx, "cancelled while queued"))
		default:
			return j, true
		}
	}
}

// Carry keeps j, a job taken that the owner will not serve now, to be
// served next.
func (w *Worker[T]) Carry(j T) { w.carried, w.carry = j, true }

// Signal wakes the worker if it sleeps.
func (w *Worker[T]) Signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Close stops accepting jobs; the worker serves those queued, then shuts
// down. It does not wait.
func (w *Worker[T]) Close() {
	w.admit.Lock()
	w.closed = true
	w.isClosed.Store(true)
	w.admit.Unlock()
	w.Signal()
}

// Cancel refuses every job queued now or taken from now on: each is
// answered with Config.Closed without running. The job running, if any,
// goes on.
func (w *Worker[T]) Cancel() {
	w.failing.Store(true)
	for {
		j, ok := w.pop()
		if !ok {
			break
		}
		// Only the worker may touch what a job holds, so a job whose caller
		// is gone is left as it is.
		if j.base().state.CompareAndSwap(stateQueued, stateRunning) {
			w.cfg.Answer(j, w.cfg.Closed)
		}
	}
	w.Signal()
}

// Serve makes the calling goroutine the worker: it serves jobs until the
// worker is closed and its queue empty, then runs Config.Shutdown.
func (w *Worker[T]) Serve() {
	w.gid.Store(goid())
	returned := false
	defer func() {
		if returned {
			return
		}
		if p := recover(); p != nil {
			panic(p) // a defect of the owner's: not ours to hide
		}
		// runtime.Goexit ended this goroutine in the middle of serving, in
		// a job's function (Run) or in Go code the owner's work ran: carry
		// on in a new one, which still holds the connection.
		go w.resume()
	}()
	for {
		w.hold.Lock()
		if w.cfg.Before != nil {
			w.cfg.Before()
		}
		// Read before the queue: once closed, the queue gains no job.
		closed := w.isClosed.Load()
		if j, ok := w.Take(); ok {
			w.cfg.Serve(j)
			if w.cfg.After != nil {
				w.cfg.After()
			}
			w.hold.Unlock()
			continue
		}
		if closed {
			if w.cfg.Shutdown != nil {
				w.cfg.Shutdown()
			}
			w.hold.Unlock()
			returned = true
			return
		}
		if w.cfg.Idle != nil && w.cfg.Idle() {
			w.hold.Unlock()
			continue
		}
		w.hold.Unlock()
		<-w.wake
	}
}

// resume settles the job that ended the previous worker goroutine, then
// serves on.
func (w *Worker[T]) resume() {
	w.gid.Store(goid())
	w.inUser.Store(false)
	j, ok := w.orphan, w.exited
	var zero T
	w.orphan, w.exited = zero, false
	if w.cfg.Goexit != nil {
		w.cfg.Goexit(j, ok)
	}
	w.hold.Unlock()
	w.Serve()
}

// Run runs j's function on c, on the worker goroutine, and returns its
// error. With watch set (the function is the caller's code, or Go callbacks
// of the caller's may run), a call back from this goroutine is refused (see
// reentrant). A panic is recovered into j (see Job.Panicked) and reported as
// an error; runtime.Goexit ends the goroutine, and Config.Goexit answers j
// on the new one that carries on.
func (w *Worker[T]) Run(j T, c *sqlite.Conn, watch bool) (err error) {
	b := j.base()
	returned := false
	if watch {
		w.inUser.Store(true)
	}
	defer func() {
		if watch {
			w.inUser.Store(false)
		}
		if returned {
			return
		}
		if p := recover(); p != nil {
			b.panicked, b.panicVal = true, p
			err = fmt.Errorf("asqlite: function panicked: %v", p)
			return
		}
		w.orphan, w.exited = j, true
	}()
	err = b.fn(c)
	returned = true
	return err
}

// Call runs j's function on c as is (see Run).
func (j *Job) Call(c *sqlite.Conn) error { return j.fn(c) }

// goid returns the id of the calling goroutine, read from the first line
// of its stack trace ("goroutine 18 [running]:").
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}
