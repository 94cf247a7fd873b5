package asqlite

import (
	"context"
	"errors"
	"sync"

	"github.com/asqlite/asqlite/internal/worker"
	"github.com/asqlite/asqlite/sqlite"
)

// A Conn's worker is a worker.Worker (see internal/worker) serving calls one
// at a time. A running call has the caller's context installed on the
// connection (sqlite.Conn.SetContext): it is what Go callbacks see, and the
// guard stops the call's own statements when it ends. While no call waits,
// the worker reads a cursor's next batch ahead (prefetch). Close fails
// every queued call at once.

// call is one piece of work for the worker: its function runs with the
// caller's context installed. The method that makes the call keeps its
// results in the variables the function captures.
type call struct {
	worker.Job
	user bool // the function is the caller's (Run, Tx), which may panic or call runtime.Goexit
}

var callPool = sync.Pool{New: func() any { return new(call) }}

// newWorker makes c's worker; c.start runs it.
func (c *Conn) newWorker() {
	c.w = worker.New(worker.Config[*call]{
		Serve: func(cl *call) {
			c.serving = cl
			err := c.execute(cl, false)
			c.serving = nil
			cl.Answer(err)
		},
		Direct: func(cl *call) bool {
			// Checked again holding the connection: a Run that registered
			// Go callbacks may have been served since call checked.
			if c.callbacks.Load() {
				return false
			}
			cl.SetErr(c.execute(cl, true))
			return true
		},
		Before:   c.collect,
		Idle:     c.idle,
		IdleWork: func() bool { return c.readAhead != nil || c.ngarbage.Load() != 0 },
		Shutdown: c.shutdown,
		Goexit:   c.goexit,
		Queued: func() {
			if h := c.queuedHook.Load(); h != nil {
				(*h)()
			}
		},
		Drop:   func(cl *call) { callPool.Put(cl) },
		Closed: errConnClosed,
	})
}

// call runs fn on the connection with ctx installed and returns its error;
// a panic in a user function is raised again here. A call that runs only
// SQL finding the connection idle runs on the calling goroutine, unless
// user code may have registered Go callbacks, which could call back into
// the Conn from there unrecognised.
func (c *Conn) call(ctx context.Context, user bool, fn func(sc *sqlite.Conn) error) error {
	if user {
		c.callbacks.Store(true)
	}
	cl := callPool.Get().(*call)
	cl.Set(ctx, fn)
	cl.user = user
	if err := c.w.Do(cl, !user && !c.callbacks.Load()); err != nil {
		return err
	}
	err := cl.Err()
	pv, panicked := cl.Panicked()
	callPool.Put(cl)
	if panicked {
		panic(pv)
	}
	return err
}

// execute runs cl on the connection with its context installed, on the
// worker or, directly, on its caller's goroutine.
func (c *Conn) execute(cl *call, direct bool) error {
	sc := c.sc
	c.install(cl.Context())
	inTx := !sc.AutoCommit()
	var err error
	if direct {
		err = cl.Call(sc)
	} else {
		err = c.w.Run(cl, sc, cl.user || c.callbacks.Load())
	}
	err = c.guard.Err(err)
	c.uninstall()
	if err != nil && !inTx && !sc.AutoCommit() {
		// A failed call leaves no transaction it opened behind (a script
		// cancelled between its BEGIN and COMMIT, say).
		sc.Exec("ROLLBACK")
	}
	return err
}

// errGoexit is the error of a call whose function ended its goroutine with
// runtime.Goexit (t.FailNow in a test, say): any transaction open on the
// connection is rolled back and a new worker goroutine takes over.
var errGoexit = errors.New("asqlite: runtime.Goexit called on the connection's worker")

// goexit settles what runtime.Goexit on the worker left: cl (ok), whose
// function called it, or else the call being served, whose Go callbacks
// did, or the cursor being read ahead, whose Go functions did; the call or
// the iteration fails with errGoexit.
func (c *Conn) goexit(cl *call, ok bool) {
	c.uninstall()
	if !c.sc.AutoCommit() {
		c.sc.Exec("ROLLBACK")
	}
	if !ok {
		cl = c.serving
	}
	c.serving = nil
	if cl != nil {
		cl.Answer(errGoexit)
		return
	}
	if cur := c.readAhead; cur != nil {
		// The statement stopped in the middle of a step: it ends here, and
		// its reader gets the rows read before it, then the error.
		if cur.ahead != nil {
			cur.ahead.err, cur.ahead.done = errGoexit, true
		}
		if cur.stmt != nil {
			cur.stmt.Close()
			cur.stmt = nil
		}
		delete(c.cursors, cur)
		c.readAhead = nil
	}
}

// install makes ctx the context of the work that follows, marked as the
// worker's so that a call made with it from a callback is recognised as
// re-entrant.
func (c *Conn) install(ctx context.Context) {
	l := c.w.Mark(ctx)
	c.sc.SetContext(l)
	c.guard.Arm(ctx, l)
}

// uninstall leaves the connection with no context.
func (c *Conn) uninstall() {
	c.sc.SetContext(context.Background())
	c.guard.Disarm()
}

// start opens the connection on the worker goroutine and then serves calls.
func (c *Conn) start(path string, opened chan<- error) {
	sc, err := sqlite.Open(path, c.opts.Flags)
	if err != nil {
		opened <- err
		close(c.exited)
		return
	}
	c.sc = sc
	// Calls stop their own statements only (see prefetch): a paused
	// iteration stays open while other calls run.
	sc.SetInterruptOnDone(false)
	c.guard.Install(sc)
	opened <- nil
	c.w.Serve()
}

// idle reads a cursor's next batch ahead while no call waits.
func (c *Conn) idle() bool {
	if c.readAhead == nil {
		return false
	}
	c.prefetch()
	return true
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
