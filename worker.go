package asqlite

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/asqlite/asqlite/sqlite"
)

// How a Conn's worker serves calls
//
// The worker is one goroutine that owns the *sqlite.Conn. A caller appends
// its *call to the Conn's queue (a slice under a mutex, so the order is the
// order of arrival) and wakes the worker; the worker takes calls from the
// head. Each call carries a state that the caller, the worker and Close
// change with compare-and-swap, so exactly one of them decides its fate:
//
//	queued ──worker takes it──▶ running ──worker finishes──▶ done
//	   │
//	   └─caller's ctx ends─▶ cancelled (never runs; the worker drops it)
//
// Close fails every queued call at once. A running call has the caller's
// context installed on the connection (sqlite.Conn.SetContext): it is what
// Go callbacks see, and the progress handler stops the call's own
// statements when it ends (see deadline.go).
//
// Once a call runs, its caller waits for its outcome even after its
// context ended: SQL stops within microseconds, and only the outcome says
// whether a statement was applied (one may complete all the same); Run and
// Tx wait for their function, which may share memory with the caller.

// States of a call (see above).
const (
	stateQueued    int32 = iota // in the queue
	stateRunning                // taken by the worker (or failed by Close)
	stateDone                   // finished; done was signalled
	stateCancelled              // its caller left while it was queued
)

// call is one piece of work for the worker: fn, run with the caller's
// context installed. The method that makes the call keeps its results in
// the variables fn captures.
type call struct {
	ctx  context.Context
	fn   func(sc *sqlite.Conn) error
	user bool // fn runs the caller's function (Run, Tx), which may panic or call runtime.Goexit

	err      error
	panicked bool
	panicVal any

	state atomic.Int32
	done  chan struct{} // buffered (1): the worker never blocks on it
}

var callPool = sync.Pool{New: func() any { return &call{done: make(chan struct{}, 1)} }}

func putCall(cl *call) {
	done := cl.done
	*cl = call{done: done}
	callPool.Put(cl)
}

// call runs fn on the worker with ctx installed and returns its error; a
// panic in a user function is raised again here. A user function may
// register Go callbacks on the connection, which turns off direct calls.
func (c *Conn) call(ctx context.Context, user bool, fn func(sc *sqlite.Conn) error) error {
	if user {
		c.callbacks.Store(true)
	}
	cl := callPool.Get().(*call)
	cl.fn, cl.user = fn, user
	if err := c.do(ctx, cl); err != nil {
		return err
	}
	err, panicked, pv := cl.err, cl.panicked, cl.panicVal
	putCall(cl)
	if panicked {
		panic(pv)
	}
	return err
}

type workerKey struct{}

// do hands cl to the worker and waits for it. A nil error means the worker
// finished cl and its results are in it; a non-nil error means cl never
// ran, and the caller must not touch it again.
func (c *Conn) do(ctx context.Context, cl *call) error {
	if ctx == nil {
		putCall(cl)
		return errNilContext
	}
	if ended(ctx) {
		putCall(cl)
		return ctxError(ctx, "call not started")
	}
	if owner, ok := ctx.Value(workerKey{}).(*Conn); ok && owner == c {
		putCall(cl)
		return ErrReentrant
	}
	// A call from the worker's own goroutine (a callback calling back into
	// its Conn) would wait for itself. Asking costs about a microsecond, so
	// only when the worker is busy, as it must be for such a call.
	if c.busy.Load() && c.onWorker() {
		putCall(cl)
		return ErrReentrant
	}
	cl.ctx = ctx
	if !cl.user && c.direct(cl) {
		return nil
	}
	if !c.enqueue(cl) {
		putCall(cl)
		return errConnClosed
	}
	if h := c.queuedHook.Load(); h != nil {
		(*h)()
	}
	done := ctx.Done()
	if done == nil { // a context that never ends: a plain receive is cheaper
		<-cl.done
		return nil
	}
	select {
	case <-cl.done:
		return nil
	case <-done:
	}
	if cl.state.CompareAndSwap(stateQueued, stateCancelled) {
		return ctxError(ctx, "cancelled while queued")
	}
	// Running: the worker stops its SQL at once, and only the outcome says
	// whether it was applied (a statement may complete all the same), so
	// the caller waits for it.
	<-cl.done
	return nil
}

// enqueue appends cl to the queue and wakes the worker. It reports false
// when the Conn is closed.
func (c *Conn) enqueue(cl *call) bool {
	c.qmu.Lock()
	if c.qclosed {
		c.qmu.Unlock()
		return false
	}
	c.queue = append(c.queue, cl)
	c.qmu.Unlock()
	c.waiting.Add(1)
	c.signal()
	return true
}

// dequeue takes the call at the head of the queue, or returns nil.
func (c *Conn) dequeue() *call {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.qhead == len(c.queue) {
		return nil
	}
	cl := c.queue[c.qhead]
	c.queue[c.qhead] = nil
	c.qhead++
	c.waiting.Add(-1)
	switch {
	case c.qhead == len(c.queue):
		c.queue, c.qhead = c.queue[:0], 0
	case c.qhead >= 64 && c.qhead*2 >= len(c.queue):
		n := copy(c.queue, c.queue[c.qhead:])
		clear(c.queue[n:])
		c.queue, c.qhead = c.queue[:n], 0
	}
	return cl
}

// signal wakes the worker if it sleeps.
func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// beginClose stops accepting calls and fails the queued ones. It does not
// wait.
func (c *Conn) beginClose() {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.qmu.Lock()
		c.qclosed = true
		queued := c.queue[c.qhead:]
		c.queue, c.qhead = nil, 0
		c.waiting.Add(-int32(len(queued)))
		c.qmu.Unlock()
		for _, cl := range queued {
			// Only the worker may touch what a call holds (a cursor), so a
			// call whose caller is gone is dropped as it is.
			if cl.state.CompareAndSwap(stateQueued, stateRunning) {
				cl.err = errConnClosed
				if cl.state.CompareAndSwap(stateRunning, stateDone) {
					cl.done <- struct{}{}
				}
			}
		}
		c.signal() // the worker sees closed once the queue is empty
	})
}

// onWorker reports whether the calling goroutine is the worker. It costs
// about a microsecond, so do asks only when the worker is busy.
func (c *Conn) onWorker() bool { return goid() == c.workerID.Load() }

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

// errGoexit is the error of a call whose function ended its goroutine with
// runtime.Goexit (t.FailNow in a test, say): any transaction open on the
// connection is rolled back and a new worker goroutine takes over.
var errGoexit = errors.New("asqlite: runtime.Goexit called on the connection's worker")

// start opens the connection on the worker goroutine and then serves calls.
func (c *Conn) start(path string, opened chan<- error) {
	c.workerID.Store(goid())
	sc, err := sqlite.Open(path, c.opts.Flags)
	if err != nil {
		opened <- err
		close(c.exited)
		return
	}
	c.sc = sc
	// Calls stop their own statements only (see progress): a paused
	// iteration stays open while other calls run.
	sc.SetInterruptOnDone(false)
	c.guard.install(sc)
	opened <- nil
	c.loop()
}

// loop serves calls until the Conn closes.
func (c *Conn) loop() {
	c.workerID.Store(goid())
	defer func() {
		if c.goexit {
			// runtime.Goexit in a user function ended this goroutine, in
			// the middle of serving: carry on in a new one. (A panic is
			// not recovered here.)
			c.goexit = false
			c.hold.Unlock()
			go c.loop()
		}
	}()
	for {
		c.hold.Lock()
		c.collect()
		if cl := c.dequeue(); cl != nil {
			c.serve(cl)
			c.hold.Unlock()
			continue
		}
		if c.closed.Load() {
			// Close failed whatever was queued, and nothing can be
			// queued any more.
			c.shutdown()
			c.hold.Unlock()
			return
		}
		if c.readAhead != nil {
			// A cursor's next batch is read ahead while no call waits.
			c.prefetch()
			c.hold.Unlock()
			continue
		}
		c.hold.Unlock()
		<-c.wake
	}
}

// direct runs cl, a call that runs only SQL, on the calling goroutine if
// the connection is idle: no call queued or running, and no Go callback
// registered that could call back into the Conn (see Conn.callbacks). It
// spares the two goroutine switches of a hand-over to the worker, most of
// the cost of a short call. It reports whether it ran cl.
func (c *Conn) direct(cl *call) bool {
	if c.callbacks.Load() || c.waiting.Load() != 0 || !c.hold.TryLock() {
		return false
	}
	// Deferred, so that a panic (a defect of the binding) leaves the Conn
	// usable; the worker is woken for what arrived meanwhile.
	defer func() {
		more := c.readAhead != nil || c.ngarbage.Load() != 0 || c.waiting.Load() != 0
		c.hold.Unlock()
		if more {
			c.signal()
		}
	}()
	if c.closed.Load() {
		return false
	}
	c.execute(cl)
	return true
}

// serve runs one call and hands its result over.
func (c *Conn) serve(cl *call) {
	if !cl.state.CompareAndSwap(stateQueued, stateRunning) {
		putCall(cl) // cancelled while queued: its caller is gone
		return
	}
	switch {
	case c.closed.Load():
		cl.err = errConnClosed
	case ended(cl.ctx):
		cl.err = ctxError(cl.ctx, "cancelled while queued")
	default:
		c.busy.Store(true)
		c.execute(cl)
		c.busy.Store(false)
	}
	c.finish(cl)
}

// finish hands cl back to its caller, which waits for it.
func (c *Conn) finish(cl *call) {
	cl.state.Store(stateDone)
	cl.done <- struct{}{}
}

// execute runs cl on the connection with its context installed.
func (c *Conn) execute(cl *call) {
	sc := c.sc
	c.install(cl.ctx)
	inTx := !sc.AutoCommit()
	if cl.user {
		c.runUser(cl)
	} else {
		cl.err = cl.fn(sc)
	}
	cl.err = c.guard.err(cl.err)
	failed := cl.err != nil || cl.panicked
	c.uninstall()
	if failed && !inTx && !sc.AutoCommit() {
		// A failed call leaves no transaction it opened behind (a script
		// cancelled between its BEGIN and COMMIT, say).
		sc.Exec("ROLLBACK")
	}
}

// runUser runs cl.fn, the caller's function, catching a panic (re-raised
// by the caller) and surviving runtime.Goexit.
func (c *Conn) runUser(cl *call) {
	returned := false
	defer func() {
		if returned {
			return
		}
		if p := recover(); p != nil {
			cl.panicked, cl.panicVal = true, p
			return
		}
		// runtime.Goexit: this goroutine is ending; release the caller now.
		// loop's deferred function starts a new worker.
		c.goexit = true
		c.uninstall()
		if !c.sc.AutoCommit() {
			c.sc.Exec("ROLLBACK")
		}
		c.busy.Store(false)
		cl.err = errGoexit
		c.finish(cl)
	}()
	cl.err = cl.fn(c.sc)
	returned = true
}

// shutdown closes the connection once the queue is empty for good.
func (c *Conn) shutdown() {
	c.collect()
	for cur := range c.cursors {
		c.closeCursor(cur)
	}
	c.closeErr = c.sc.Close()
	close(c.exited)
}

// execOn runs a script on sc and reports the connection's counters.
func execOn(sc *sqlite.Conn, sql string, args []any) (Result, error) {
	if err := sc.Exec(sql, args...); err != nil {
		return Result{}, err
	}
	return Result{LastInsertRowID: sc.LastInsertRowID(), Changes: sc.Changes()}, nil
}
