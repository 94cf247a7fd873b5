package worker

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// How contexts reach running SQL
//
// The connections of asqlite's Conn and DB install each call's context on their
// *sqlite.Conn (SetContext): it is what Go callbacks see, it keeps
// statements from starting once it has ended, and it ends busy waits. What
// stops a running statement is a guard, a progress handler SQLite calls
// every ProgressEvery virtual machine steps on the connection's own
// goroutine, which interrupts the statement as soon as the context of the
// work armed on it is done or its deadline has passed, whether or not the
// context's timer has fired yet (a loaded machine fires timers and
// schedules AfterFunc goroutines milliseconds late). Unlike
// sqlite3_interrupt, which stays in force while any statement of the
// connection is open, the guard stops only the statement running now, so
// a cancelled call leaves alone an iteration paused between two batches.

// ProgressEvery is how many SQLite VM steps pass between two checks of the
// running work's context: some tens of microseconds of work.
const ProgressEvery = 1000

// Guard is the progress handler of one connection. Only the connection's
// goroutine touches it.
type Guard struct {
	installed context.Context // the context SetContext was given for the work; nil: none
	Deadline  time.Time       // zero when none
	done      <-chan struct{}
	Hit       bool         // the guard interrupted the work
	Stop      *atomic.Bool // when set, interrupt whatever runs (DB.Close gave up)
}

// Install makes g the progress handler of c.
func (g *Guard) Install(c *sqlite.Conn) {
	c.AddProgressHandler(ProgressEvery, func() bool { return g.Check(c) })
}

// Arm watches ctx for the work that follows; installed is the context
// given to c.SetContext for it, or nil when the work installs none.
func (g *Guard) Arm(ctx, installed context.Context) {
	d, _ := ctx.Deadline()
	*g = Guard{installed: installed, Deadline: d, done: ctx.Done(), Stop: g.Stop}
}

// Disarm stops watching.
func (g *Guard) Disarm() { *g = Guard{Stop: g.Stop} }

// Check is the progress handler of c: it reports whether to interrupt.
func (g *Guard) Check(c *sqlite.Conn) bool {
	if g.Stop != nil && g.Stop.Load() {
		g.Hit = true
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
			g.Hit = true
			return true
		default:
		}
	}
	if !g.Deadline.IsZero() && !time.Now().Before(g.Deadline) {
		g.Hit = true
		return true
	}
	return false
}

// Err returns err, the error of the armed work, marked by DeadlineErr when
// the guard stopped the work.
func (g *Guard) Err(err error) error {
	if !g.Hit {
		return err
	}
	return DeadlineErr(err, g.Deadline)
}

// DeadlineErr makes err, the error of work stopped once its deadline had
// passed but possibly before its context's timer fired, satisfy
// errors.Is(err, context.DeadlineExceeded) as it would a moment later.
func DeadlineErr(err error, deadline time.Time) error {
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

// Ended reports whether ctx is done or past its deadline (its timer may
// fire late on a busy machine).
func Ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// LiveCtx is the context Go callbacks receive: ctx, except that it reports
// its deadline as exceeded as soon as it has passed, not only once ctx's
// timer has fired (which a loaded machine schedules milliseconds late), and
// that Value(key) is val, marking work that runs on a connection's own
// goroutine.
type LiveCtx struct {
	context.Context
	deadline time.Time // zero when none
	key, val any
}

func NewLiveCtx(ctx context.Context, key, val any) *LiveCtx {
	d, _ := ctx.Deadline()
	return &LiveCtx{Context: ctx, deadline: d, key: key, val: val}
}

func (l *LiveCtx) expired() bool {
	return !l.deadline.IsZero() && !time.Now().Before(l.deadline)
}

func (l *LiveCtx) Done() <-chan struct{} {
	if l.Context.Err() == nil && l.expired() {
		return closedChan
	}
	return l.Context.Done()
}

func (l *LiveCtx) Err() error {
	if err := l.Context.Err(); err != nil {
		return err
	}
	if l.expired() {
		return context.DeadlineExceeded
	}
	return nil
}

func (l *LiveCtx) Value(key any) any {
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
