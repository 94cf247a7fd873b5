package asqlite

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// dbGuardEvery is how many virtual machine steps pass between two looks of
// a dbGuard at the clock.
const dbGuardEvery = 1000

// dbGuard stops the SQL of one connection of the DB as soon as the context
// of the read or write running on it has ended or its deadline has passed.
// The binding already interrupts SQL when the context ends, but through
// the context's timer and an AfterFunc goroutine, which a loaded machine
// schedules late (tens of milliseconds); the guard, a progress handler,
// notices on the connection's own goroutine. Only that goroutine touches a
// guard.
type dbGuard struct {
	deadline time.Time
	done     <-chan struct{}
	hit      bool         // the guard interrupted the SQL
	stop     *atomic.Bool // when set, interrupt whatever runs (Close gave up)
}

// install makes g the progress handler of c.
func (g *dbGuard) install(c *sqlite.Conn) {
	c.AddProgressHandler(dbGuardEvery, g.check)
}

// arm watches ctx for the work that follows.
func (g *dbGuard) arm(ctx context.Context) {
	d, _ := ctx.Deadline()
	g.watch(d, ctx.Done())
}

// watch watches a deadline (zero: none) and a done channel (nil: none).
func (g *dbGuard) watch(deadline time.Time, done <-chan struct{}) {
	g.deadline, g.done, g.hit = deadline, done, false
}

// disarm stops watching.
func (g *dbGuard) disarm() {
	g.deadline = time.Time{}
	g.done = nil
}

// check is the progress handler: it reports whether to interrupt.
func (g *dbGuard) check() bool {
	if g.stop != nil && g.stop.Load() {
		g.hit = true
		return true
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

// dbEnded reports whether ctx has ended or its deadline has passed (its
// timer may lag behind).
func dbEnded(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// dbDeadlineError marks err, the error of work the guard stopped when its
// context's deadline had passed but its timer had not fired yet, so that
// errors.Is(err, context.DeadlineExceeded) holds as it would a moment
// later.
func dbDeadlineError(err error, ctx context.Context, hit bool) error {
	if err == nil || !hit || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return fmt.Errorf("%w (%w)", err, context.DeadlineExceeded)
	}
	return err
}
