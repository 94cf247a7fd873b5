package sqlite

import (
	"context"
	"time"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// busyState is the connection's busy handler: a Go function, or a timeout
// waited out by busyWait.
type busyState struct {
	fn      func(count int) bool
	timeout time.Duration
	start   time.Time   // when the current locking event began waiting
	timer   *time.Timer // reused between waits
	on      bool        // the trampoline is installed

	// onWait, if set (by tests), is called before each wait of the
	// timeout handler with the number of waits before it.
	onWait func(count int)
}

func (b *busyState) stop() {
	if b.timer != nil {
		b.timer.Stop()
	}
}

// SetBusyHandler registers fn to be called when a statement cannot get a
// lock because another connection holds it. count is the number of times fn
// was already called for this lock. If fn returns true SQLite tries again
// (and calls fn again if the lock is still held); if it returns false the
// statement fails with ErrBusy. A nil fn removes the handler, so locked
// databases fail at once. fn replaces any SetBusyTimeout.
//
// fn runs on the goroutine driving the connection, with the triggering
// call's context in c.Context(); it should stop retrying when that context
// ends. A panic in fn is recovered and stops the retries; the caller's error
// wraps a *PanicError holding the panic value.
//
// SQLite may report ErrBusy without calling the handler when waiting could
// deadlock (see the link).
//
// https://sqlite.org/c3ref/busy_handler.html
func (c *Conn) SetBusyHandler(fn func(count int) (retry bool)) {
	if c.db == 0 {
		return
	}
	c.hooks.busy.fn = fn
	c.hooks.busy.timeout = 0
	c.syncBusy()
}

// SetBusyTimeout makes a statement that finds the database locked wait for
// the lock, retrying with a growing backoff (from 50µs to 100ms between
// tries), for up to d in total before failing with ErrBusy. d <= 0 removes
// the wait. It replaces any SetBusyHandler.
//
// Unlike SQLite's own busy timeout (PRAGMA busy_timeout, which replaces this
// one), the wait ends early when the connection's context (SetContext)
// ends or its deadline passes (even before the context's timer has fired):
// the statement then fails promptly with an error wrapping the context's
// error, so errors.Is(err, context.Canceled) or
// errors.Is(err, context.DeadlineExceeded) holds. Interrupt also ends the
// wait, within one backoff step.
//
// https://sqlite.org/c3ref/busy_timeout.html
func (c *Conn) SetBusyTimeout(d time.Duration) {
	if c.db == 0 {
		return
	}
	c.hooks.busy.fn = nil
	c.hooks.busy.timeout = max(d, 0)
	c.syncBusy()
}

// BusyTimeout returns the wait set by SetBusyTimeout, 0 if none (also when
// a busy handler of SetBusyHandler is in place).
func (c *Conn) BusyTimeout() time.Duration { return c.hooks.busy.timeout }

func (c *Conn) syncBusy() {
	b := &c.hooks.busy
	on := b.fn != nil || b.timeout > 0
	if on == b.on {
		return
	}
	b.on = on
	if on {
		lib.Xsqlite3_busy_handler(c.tls, c.db, cfunc(busyTrampoline), c.handle)
	} else {
		lib.Xsqlite3_busy_handler(c.tls, c.db, 0, 0)
	}
}

func busyTrampoline(tls *libc.TLS, arg uintptr, count int32) (rc int32) {
	c := hookConn(arg)
	if c == nil {
		return 0
	}
	defer func() {
		if v := recover(); v != nil {
			c.setCallbackError(hookPanicked("busy handler", v))
			rc = 0
		}
	}()
	b := &c.hooks.busy
	switch {
	case b.fn != nil:
		if b.fn(int(count)) {
			return 1
		}
		return 0
	case b.timeout > 0:
		return c.busyWait(int(count))
	}
	return 0
}

// busyDelays is the backoff of the timeout handler: short first waits, so a
// lock held for a moment costs little latency, then longer ones.
var busyDelays = [...]time.Duration{
	50 * time.Microsecond, 100 * time.Microsecond, 250 * time.Microsecond,
	500 * time.Microsecond, time.Millisecond, 2 * time.Millisecond,
	5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond,
}

// busyWait waits before the next try at a lock, reporting 1 to retry or 0
// to give up: when the timeout is spent, the context ended or the
// connection was interrupted.
func (c *Conn) busyWait(count int) int32 {
	b := &c.hooks.busy
	now := time.Now()
	if count == 0 {
		b.start = now
	}
	left := b.timeout - now.Sub(b.start)
	if left <= 0 {
		return 0
	}
	if err := c.ctxErr(); err != nil {
		c.setCallbackError(err)
		return 0
	}
	if deadline, ok := c.ctx.Deadline(); ok {
		// The deadline itself, not only Done: a loaded machine fires the
		// context's timer late, and a context may carry a deadline with
		// no timer behind it.
		until := deadline.Sub(now)
		if until <= 0 {
			c.setCallbackError(context.DeadlineExceeded)
			return 0
		}
		left = min(left, until)
	}
	if lib.Xsqlite3_is_interrupted(c.tls, c.db) != 0 {
		c.setCallbackError(Errorf(ErrInterrupt, "interrupted while waiting for a lock"))
		return 0
	}
	if b.onWait != nil {
		b.onWait(count)
	}
	d := min(busyDelays[min(count, len(busyDelays)-1)], left)
	if b.timer == nil {
		b.timer = time.NewTimer(d)
	} else {
		b.timer.Reset(d)
	}
	select {
	case <-b.timer.C:
		return 1
	case <-c.done:
		b.timer.Stop()
		c.setCallbackError(c.ctx.Err())
		return 0
	}
}
