package sqlite

import (
	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// progressState multiplexes SQLite's single progress handler between any
// number of Go handlers, each with its own interval.
type progressState struct {
	list hookList[*progressEntry]
	n    int // VM steps between engine calls; 0 when not installed
}

type progressEntry struct {
	every int
	acc   int // steps since the handler was last called
	fn    func() bool
}

// AddProgressHandler registers fn to be called about every `every` virtual
// machine steps while the connection runs SQL (every < 1 counts as 1). If fn
// returns true the statement is interrupted and fails with ErrInterrupt.
// It returns a function that removes the handler.
//
// Any number of handlers may be registered: SQLite's single progress
// handler is called every min(every) steps and calls each handler whose
// interval has elapsed, in registration order, until one interrupts.
//
// fn runs on the goroutine driving the connection, with the triggering
// call's context in [Conn.Context]. It must not run SQL on the connection.
// A panic in fn is recovered and interrupts the statement; the caller's
// error wraps a [*PanicError] holding the panic value.
//
// https://sqlite.org/c3ref/progress_handler.html
func (c *Conn) AddProgressHandler(every int, fn func() (interrupt bool)) (remove func(), err error) {
	return addHook(c, &c.hooks.prog.list, &progressEntry{every: max(every, 1), fn: fn}, fn == nil, c.syncProgress)
}

func (c *Conn) syncProgress() {
	p := &c.hooks.prog
	n := 0
	p.list.each(func(e *progressEntry) bool {
		if n == 0 || e.every < n {
			n = e.every
		}
		return true
	})
	if n == p.n {
		return
	}
	p.n = n
	if n == 0 {
		lib.Xsqlite3_progress_handler(c.tls, c.db, 0, 0, 0)
	} else {
		lib.Xsqlite3_progress_handler(c.tls, c.db, int32(n), cfunc(progressTrampoline), c.handle)
	}
}

func progressTrampoline(tls *libc.TLS, arg uintptr) (rc int32) {
	c := hookConn(arg)
	if c == nil {
		return 0
	}
	defer func() {
		if v := recover(); v != nil {
			c.setCallbackError(hookPanicked("progress handler", v))
			rc = 1
		}
	}()
	p := &c.hooks.prog
	n := p.n
	p.list.each(func(e *progressEntry) bool {
		e.acc += n
		if e.acc < e.every {
			return true
		}
		e.acc -= e.every
		if e.fn() {
			rc = 1
		}
		return rc == 0
	})
	if rc != 0 && c.stepping != 0 && vdbeOf(c.stepping).FeVdbeState == lib.VDBE_HALT_STATE {
		// SQLite calls the handler once more as a statement returns, after
		// it halted (and committed): failing it then would report as failed
		// a statement whose changes stay. Like sqlite3_interrupt, an
		// interrupt comes too late for a statement that has finished.
		rc = 0
	}
	return rc
}
