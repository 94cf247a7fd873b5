package asqlite

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// How contexts reach running SQL
//
// The connections of Conn and DB install each call's context on their
// *sqlite.Conn (SetContext): it is what Go callbacks see, it keeps
// statements from starting once it has ended, and it ends busy waits. What
// stops a running statement is a guard, a progress handler SQLite calls
// every progressEvery virtual machine steps on the connection's own
// goroutine, which interrupts the statement as soon as the context of the
// work armed on it is done or its deadline has passed, whether or not the
// context's timer has fired yet (a loaded machine fires timers and
// schedules AfterFunc goroutines milliseconds late). Unlike
// sqlite3_interrupt, which stays in force while any statement of the
// connection is open, the guard stops only the statement running now, so
// a cancelled call leaves alone an iteration paused between two batches.

// progressEvery is how many SQLite VM steps pass between two checks of the
// running work's context: some tens of microseconds of work.
const progressEvery = 1000

// guard is the progress handler of one connection. Only the connection's
// goroutine touches it.
type guard struct {
	installed context.Context // the context SetContext was given for the work; nil: none
	deadline  time.Time       // zero when none
	done      <-chan struct{}
	hit       bool         // the guard interrupted the work
	stop      *atomic.Bool // when set, interrupt whatever runs (DB.Close gave up)
}

// install makes g the progress handler of c.
func (g *guard) install(c *sqlite.Conn) {
	c.AddProgressHandler(progressEvery, func() bool { return g.check(c) })
}

// arm watches ctx for the work that follows; installed is the context
// given to c.SetContext for it, or nil when the work installs none.
func (g *guard) arm(ctx, installed context.Context) {
	d, _ := ctx.Deadline()
	*g = guard{installed: installed, deadline: d, done: ctx.Done(), stop: g.stop}
}

// disarm stops watching.
func (g *guard) disarm() { *g = guard{stop: g.stop} }

// check is the progress handler of c: it reports whether to interrupt.
func (g *guard) check(c *sqlite.Conn) bool {
	if g.stop != nil && g.stop.Load() {
		g.hit = true
		return true
	}
	if g.installed != nil && c.Context() != g.installed {
		// Another context is installed (a rollback that must not be
		// cancelled runs with none): not ours to stop.
		return false
	}
	if g.done != nil {
		select {
		case <-g.done:
			g.hit = true
			return true
		default:
		}
	}
	if !g.deadline.IsZero() && !time.Now().Before(g.deadline) {
		g.hit = true
		return true
	}
	return false
}

// err returns err, the error of the armed work, marked by deadlineErr when
// the guard stopped the work.
func (g *guard) err(err error) error {
	if !g.hit {
		return err
	}
	return deadlineErr(err, g.deadline)
}

// deadlineErr makes err, the error of work stopped once its deadline had
// passed but possibly before its context's timer fired, satisfy
// errors.Is(err, context.DeadlineExceeded) as it would a moment later.
func deadlineErr(err error, deadline time.Time) error {
	if err == nil || deadline.IsZero() || time.Now().Before(deadline) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	return &deadlineError{err}
}

type deadlineError struct{ err error }

func (e *deadlineError) Error() string {
	return e.err.Error() + ": " + context.DeadlineExceeded.Error()
}
func (e *deadlineError) Unwrap() []error { return []error{e.err, context.DeadlineExceeded} }

// ended reports whether ctx is done or past its deadline (its timer may
// fire late on a busy machine).
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// install makes ctx the context of the work that follows on the Conn's
// worker, marked with the Conn so that a call made with it from a callback
// is recognised as re-entrant.
func (c *Conn) install(ctx context.Context) {
	w := newLiveCtx(ctx, workerKey{}, c)
	c.sc.SetContext(w)
	c.guard.arm(ctx, w)
}

// uninstall leaves the connection with no context.
func (c *Conn) uninstall() {
	c.sc.SetContext(context.Background())
	c.guard.disarm()
}

// liveCtx is the context Go callbacks receive: ctx, except that it reports
// its deadline as exceeded as soon as it has passed, not only once ctx's
// timer has fired (which a loaded machine schedules milliseconds late), and
// that Value(key) is val, marking work that runs on a connection's own
// goroutine.
type liveCtx struct {
	context.Context
	deadline time.Time // zero when none
	key, val any
}

func newLiveCtx(ctx context.Context, key, val any) *liveCtx {
	d, _ := ctx.Deadline()
	return &liveCtx{Context: ctx, deadline: d, key: key, val: val}
}

func (l *liveCtx) expired() bool {
	return !l.deadline.IsZero() && !time.Now().Before(l.deadline)
}

func (l *liveCtx) Done() <-chan struct{} {
	if l.Context.Err() == nil && l.expired() {
		return closedChan
	}
	return l.Context.Done()
}

func (l *liveCtx) Err() error {
	if err := l.Context.Err(); err != nil {
		return err
	}
	if l.expired() {
		return context.DeadlineExceeded
	}
	return nil
}

func (l *liveCtx) Value(key any) any {
	if l.key != nil && key == l.key {
		return l.val
	}
	return l.Context.Value(key)
}

var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()
