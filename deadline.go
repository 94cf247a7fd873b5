package asqlite

import (
	"context"
	"errors"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// How contexts reach running SQL
//
// The worker installs each call's context on the connection
// (sqlite.Conn.SetContext): when the context ends, a context.AfterFunc
// interrupts the SQL. That relies on a timer firing and on another
// goroutine being scheduled, both of which can lag by milliseconds on a
// busy machine. So the worker also registers a progress handler, called by
// SQLite every progressEvery virtual machine steps on the worker itself,
// which interrupts the statement as soon as the installed call's context is
// done or its deadline has passed, whether or not the timer has fired yet.

// progressEvery is how many SQLite VM steps pass between two checks of the
// running call's context: some tens of microseconds of work.
const progressEvery = 1000

// watch is what the progress handler checks for the context installed now.
type watch struct {
	installed context.Context // the *workerCtx given to SetContext
	done      <-chan struct{}
	deadline  time.Time // zero when none
	hit       bool      // the handler interrupted at the deadline
}

// install makes ctx the context of the work that follows on the worker,
// marked with the Conn so that a call made with it from a callback is
// recognised as re-entrant.
func (c *Conn) install(ctx context.Context) {
	w := newLiveCtx(ctx, workerKey{}, c)
	c.sc.SetContext(w)
	c.watch = watch{installed: w, done: ctx.Done()}
	c.watch.deadline, _ = ctx.Deadline()
}

// uninstall leaves the connection with no context.
func (c *Conn) uninstall() {
	c.sc.SetContext(context.Background())
	c.watch = watch{}
}

// progress is the progress handler: it reports whether the running
// statement must stop.
func (c *Conn) progress() bool {
	w := &c.watch
	if w.installed == nil || c.sc.Context() != w.installed {
		// Another context is installed (a rollback that must not be
		// cancelled runs with none): not ours to stop.
		return false
	}
	if w.done != nil {
		select {
		case <-w.done:
			return true
		default:
		}
	}
	if !w.deadline.IsZero() && !time.Now().Before(w.deadline) {
		w.hit = true
		return true
	}
	return false
}

// deadlineErr makes err, an interruption the progress handler caused at
// the deadline before the context's timer fired, satisfy
// errors.Is(err, context.DeadlineExceeded) as well.
func (c *Conn) deadlineErr(err error) error {
	if err == nil || !c.watch.hit || errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, sqlite.ErrInterrupt) {
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
