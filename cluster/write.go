package cluster

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

type writeKind uint8

const (
	kindExec writeKind = iota
	kindMany
	kindFunc
	kindScript
)

// States of a write. The caller may abandon it while it is queued or while
// the writer waits for a leader, not while its SQL is on the way: only the
// writer moves it to stateRunning, and only from stateWaiting.
const (
	stateQueued int32 = iota
	stateWaiting
	stateRunning
	stateAbandoned
)

// write is one queued write and, once done is closed, its outcome.
type write struct {
	ctx     context.Context
	kind    writeKind
	sql     string
	args    []any
	argSets [][]any
	fn      func(tx *Tx) error

	state atomic.Int32
	doubt atomic.Bool // a COMMIT that carried it has an unknown outcome
	res   asqlite.Result
	err   error
	panic any // what fn panicked with, raised again in the caller
	done  chan struct{}
}

// Exec queues sql, one statement or several, with args, and waits until it
// has committed on a quorum of the cluster or failed; a script is atomic.
// Unlike asqlite.DB, which hands arguments out to the statements in order,
// dqlite binds args to the first statement of a script only: the
// parameters of the later ones are NULL.
// The Result holds SQLite's changes and last_insert_rowid on the writer's
// connection as the write left them: a write without INSERT, UPDATE or
// DELETE (or that inserted no row) may see an earlier write's values,
// where asqlite.DB reports 0. See the package doc for the outcome's
// guarantees across a leader's death.
//
// Errors: the statement's *sqlite.Error (errors.Is(err,
// sqlite.ErrConstraint) and the like), the context's error,
// asqlite.ErrQueueFull, asqlite.ErrClosed, ErrOutcomeUnknown, or an
// *UnsupportedError for an argument the cluster cannot carry.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) (asqlite.Result, error) {
	return db.submit(ctx, &write{kind: kindExec, sql: sql, args: args})
}

// ExecMany queues the single statement sql to run once per argument list,
// as one write: all of the runs are applied or none is. Changes is their
// total, LastInsertRowID the last one's.
func (db *DB) ExecMany(ctx context.Context, sql string, argSets [][]any) (asqlite.Result, error) {
	return db.submit(ctx, &write{kind: kindMany, sql: sql, argSets: argSets})
}

// ExecScript queues a script to run outside the writer's transactions, as
// asqlite.DB.ExecScript does: each statement commits by itself unless the
// script opens a transaction of its own. Such a script cannot be told
// apart from a retry, so it is never run twice: if the leader is lost
// while it runs, it fails with an error wrapping ErrOutcomeUnknown.
func (db *DB) ExecScript(ctx context.Context, script string, args ...any) error {
	_, err := db.submit(ctx, &write{kind: kindScript, sql: script, args: args})
	return err
}

// Write queues fn to run in the write's transaction (a savepoint of the
// group's) and waits for the outcome: if fn returns an error or panics,
// its changes are rolled back and the error is returned (the panic is
// raised again in the caller); if it returns nil, its changes commit
// before Write returns nil. fn may run more than once (after a leader is
// lost), so keep it free of other effects. The Tx is valid only while fn
// runs, and fn must not wait for another write of the same DB.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if fn == nil {
		return sqlite.Errorf(sqlite.ErrMisuse, "cluster: Write with a nil function")
	}
	_, err := db.submit(ctx, &write{kind: kindFunc, fn: fn})
	return err
}

// submit queues w and waits for its outcome.
func (db *DB) submit(ctx context.Context, w *write) (asqlite.Result, error) {
	if ctx == nil {
		return asqlite.Result{}, sqlite.Errorf(sqlite.ErrMisuse, "cluster: nil context")
	}
	if err := checkArgs(w.args); err != nil {
		return asqlite.Result{}, err
	}
	for _, set := range w.argSets {
		if err := checkArgs(set); err != nil {
			return asqlite.Result{}, err
		}
	}
	if ctx.Err() != nil {
		return asqlite.Result{}, ctxError(ctx, "queued write")
	}
	w.ctx = ctx
	w.done = make(chan struct{})
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return asqlite.Result{}, errDBClosed
	}
	if db.opts.FailWhenQueueFull {
		select {
		case db.queue <- w:
		default:
			db.mu.RUnlock()
			return asqlite.Result{}, asqlite.ErrQueueFull
		}
	} else {
		select {
		case db.queue <- w:
		case <-ctx.Done():
			db.mu.RUnlock()
			return asqlite.Result{}, ctxError(ctx, "queued write")
		}
	}
	db.mu.RUnlock()
	select {
	case <-w.done:
	case <-ctx.Done():
		if w.state.CompareAndSwap(stateQueued, stateAbandoned) {
			return asqlite.Result{}, ctxError(ctx, "queued write")
		}
		if w.state.CompareAndSwap(stateWaiting, stateAbandoned) {
			if w.doubt.Load() {
				return asqlite.Result{}, fmt.Errorf("%w: %w", ErrOutcomeUnknown, ctxError(ctx, "waiting for a leader"))
			}
			return asqlite.Result{}, ctxError(ctx, "waiting for a leader")
		}
		<-w.done
	}
	if w.panic != nil {
		panic(w.panic)
	}
	return w.res, w.err
}

// Tx is the transaction a Write function runs in: SQL only, on the leader,
// seeing the write's own uncommitted changes. It is valid while the
// function runs.
type Tx struct {
	db   *DB
	conn *sql.Conn
	ctx  context.Context // the writer's, for the statements
	done atomic.Bool
}

var errTxDone = fmt.Errorf("cluster: %w", asqlite.ErrTxDone)

// Exec runs sql with args in the transaction. ctx is checked before the
// statement starts; once sent, the statement runs to its end.
func (tx *Tx) Exec(ctx context.Context, sql string, args ...any) (asqlite.Result, error) {
	if err := tx.check(ctx, args); err != nil {
		return asqlite.Result{}, err
	}
	r, err := tx.conn.ExecContext(tx.ctx, sql, args...)
	if err != nil {
		return asqlite.Result{}, sqlError(err)
	}
	return result(r), nil
}

// Query runs the query sql with args in the transaction and yields its
// rows, as asqlite.DB.Query does.
func (tx *Tx) Query(ctx context.Context, sql string, args ...any) iter.Seq2[*asqlite.Row, error] {
	return func(yield func(*asqlite.Row, error) bool) {
		if err := tx.check(ctx, args); err != nil {
			yield(nil, err)
			return
		}
		queryRows(tx.ctx, tx.conn.QueryContext, sql, args, yield)
	}
}

// check refuses a statement of a Tx that ended, with a nil or ended
// context, or with arguments the cluster cannot carry.
func (tx *Tx) check(ctx context.Context, args []any) error {
	switch {
	case tx.done.Load():
		return errTxDone
	case ctx == nil:
		return sqlite.Errorf(sqlite.ErrMisuse, "cluster: nil context")
	case ctx.Err() != nil:
		return ctxError(ctx, "statement")
	}
	return checkArgs(args)
}

// QueryRow runs the query and returns its first row, as
// asqlite.DB.QueryRow does.
func (tx *Tx) QueryRow(ctx context.Context, sql string, args ...any) *asqlite.Row {
	return firstRow(tx.Query(ctx, sql, args...))
}

// writer is the goroutine that sends the queued writes to the leader.
type writer struct {
	db     *DB
	client string    // unique per DB, prefix of the group ids
	seq    int64     // groups sent
	conn   *sql.Conn // to the leader; nil after it was lost
	next   *write    // taken from the queue but left for the next group
	conns  int64     // connections made
	stats  counters
}

// attemptLimit bounds one attempt at a group, so that a leader that stops
// answering without closing its connection is given up on.
const attemptLimit = 30 * time.Second

func (w *writer) run() {
	db := w.db
	defer close(db.wdone)
	defer w.drop()
	for {
		first := w.next
		w.next = nil
		if first == nil {
			select {
			case first = <-db.queue:
			case <-db.quit:
				select {
				case first = <-db.queue:
				default:
					return
				}
			}
		}
		group := []*write{first}
		if first.kind != kindScript {
		fill:
			for len(group) < db.opts.MaxBatch {
				select {
				case x := <-db.queue:
					if x.kind == kindScript {
						w.next = x
						break fill
					}
					group = append(group, x)
				default:
					break fill
				}
			}
		}
		var live []*write
		for _, x := range group {
			if x.state.CompareAndSwap(stateQueued, stateWaiting) {
				live = append(live, x)
			}
		}
		if len(live) == 0 {
			continue
		}
		if first.kind == kindScript {
			w.script(first)
		} else {
			w.group(live)
		}
	}
}

// claim moves the writes of live that are still waiting to stateRunning
// and returns them; the others were abandoned by their callers.
func claim(live []*write) []*write {
	kept := live[:0]
	for _, x := range live {
		if x.state.CompareAndSwap(stateWaiting, stateRunning) {
			kept = append(kept, x)
		}
	}
	return kept
}

// release puts running writes back to waiting, their callers free to give
// up while the writer looks for a leader.
func release(live []*write, doubt bool) {
	for _, x := range live {
		x.doubt.Store(doubt)
		x.state.Store(stateWaiting)
	}
}

// finish hands a write its outcome.
func finish(x *write, res asqlite.Result, err error) {
	x.res, x.err = res, err
	close(x.done)
}

// drop forgets the connection to the leader.
func (w *writer) drop() {
	if w.conn != nil {
		w.conn.Raw(func(any) error { return sqldriver.ErrBadConn }) // the pool closes it: it may hold an open transaction
		w.conn.Close()
		w.conn = nil
	}
}

// waitCtx returns a context that ends when every write of live has ended
// its context, or the DB gave up closing: what bounds reconnecting.
func (w *writer) waitCtx(live []*write) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(w.db.stop)
	left := atomic.Int64{}
	left.Store(int64(len(live)))
	stops := make([]func() bool, len(live))
	for i, x := range live {
		stops[i] = context.AfterFunc(x.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, s := range stops {
			s()
		}
		cancel()
	}
}

// connect makes sure the writer has a connection to the leader, waiting
// for one until ctx ends.
func (w *writer) connect(ctx context.Context) error {
	for pause := 10 * time.Millisecond; w.conn == nil; pause = min(2*pause, 500*time.Millisecond) {
		c, err := w.db.sql.Conn(ctx)
		if err == nil {
			_, err = c.ExecContext(ctx, groupsTable)
			if err == nil {
				w.conn = c
				if w.conns++; w.conns > 1 {
					w.stats.reconnects.Add(1)
				}
				return nil
			}
			c.Raw(func(any) error { return sqldriver.ErrBadConn })
			c.Close()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !transient(err) && !busy(err) {
			return sqlError(err)
		}
		w.pause(ctx, pause)
	}
	return nil
}

// groupsTable records the groups that committed, for the check after an
// unknown outcome.
const groupsTable = "CREATE TABLE IF NOT EXISTS asqlite_cluster_groups(id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID"

// groupsKept is how long a group's id is kept: far longer than any retry.
const groupsKept = time.Hour

// outcome of one attempt at a group.
type outcome uint8

const (
	committed outcome = iota
	lost              // the leader was lost before COMMIT: nothing applied
	unknown           // the leader was lost during COMMIT
	locked            // another client holds the write lock: nothing applied
	failed            // the transaction failed as a whole: nothing applied
)

// group runs live as one replicated transaction, again after a lost leader,
// until each write has its outcome.
func (w *writer) group(live []*write) {
	w.seq++
	id := w.client + "-" + strconv.FormatInt(w.seq, 36)
	ctx, cancel := w.waitCtx(live)
	defer cancel()
	doubt := false // a COMMIT of id was sent and its outcome is not known
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 500*time.Millisecond) {
		err := w.connect(ctx)
		if err == nil && doubt {
			var applied bool
			applied, err = w.applied(ctx, id)
			if err == nil {
				w.stats.checks.Add(1)
				if applied {
					// Callers that gave up were told the outcome is
					// unknown; the others hear it committed.
					w.stats.found.Add(1)
					live = claim(live)
					w.committed(live)
					for _, x := range live {
						finish(x, x.res, nil)
					}
					return
				}
				doubt = false
				release(live, false)
			}
		}
		if err != nil && ctx.Err() == nil && transient(err) {
			w.drop()
			w.pause(ctx, pause)
			continue
		}
		// Writes whose callers stopped waiting are not run again.
		live = claim(live)
		if err != nil {
			for _, x := range live {
				why := err
				switch {
				case x.ctx.Err() != nil:
					why = ctxError(x.ctx, "waiting for a leader")
				case w.db.stop.Err() != nil:
					why = errDBClosed
				}
				if doubt {
					why = fmt.Errorf("%w: %w", ErrOutcomeUnknown, why)
				}
				finish(x, asqlite.Result{}, why)
			}
			return
		}
		kept := live[:0]
		for _, x := range live {
			if x.ctx.Err() != nil {
				finish(x, asqlite.Result{}, ctxError(x.ctx, "waiting for a leader"))
			} else {
				kept = append(kept, x)
			}
		}
		live = kept
		if len(live) == 0 {
			return
		}
		var res outcome
		var cerr error
		live, res, cerr = w.attempt(id, live)
		switch res {
		case committed:
			w.committed(live)
			for _, x := range live {
				finish(x, x.res, nil)
			}
			return
		case unknown:
			w.stats.retries.Add(1)
			doubt = true
			release(live, true)
			w.drop()
		case lost:
			w.stats.retries.Add(1)
			release(live, false)
			w.drop()
		case locked:
			w.stats.retries.Add(1)
			release(live, false)
			w.pause(ctx, pause)
		case failed:
			if len(live) == 1 {
				finish(live[0], asqlite.Result{}, cerr)
				return
			}
			// As asqlite.DB does: each write alone, so that only the
			// guilty one fails.
			for _, x := range live {
				release([]*write{x}, false)
				w.group([]*write{x})
			}
			return
		}
		if len(live) == 0 {
			return
		}
	}
}

// committed counts a group that committed.
func (w *writer) committed(live []*write) {
	if len(live) > 0 {
		w.stats.groups.Add(1)
		w.stats.writes.Add(int64(len(live)))
	}
}

// pause waits d, or until ctx ends, before the writer tries again.
func (w *writer) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// applied reports whether the group id committed.
func (w *writer) applied(ctx context.Context, id string) (bool, error) {
	var n int
	err := w.conn.QueryRowContext(ctx, "SELECT count(*) FROM asqlite_cluster_groups WHERE id = ?", id).Scan(&n)
	return n > 0, err
}

// attempt runs one try of the group: BEGIN, a savepoint per write, the id,
// COMMIT. Writes that fail alone get their error at once and leave live.
//
// Every message to the leader is a network round trip, so the writer sends
// few: the savepoint of the next write is opened by the same message that
// releases the previous one, and an Exec's SQL travels with them (dqlite
// binds the arguments to the first statement of a message, the write's).
func (w *writer) attempt(id string, live []*write) ([]*write, outcome, error) {
	ctx, cancel := context.WithTimeout(w.db.stop, attemptLimit)
	defer cancel()
	c := w.conn
	abort := func(err error) ([]*write, outcome, error) {
		if transient(err) || ctx.Err() != nil {
			// Past the attempt's limit the connection is in doubt too.
			return live, lost, err
		}
		if _, rerr := c.ExecContext(ctx, "ROLLBACK"); rerr != nil && transient(rerr) {
			return live, lost, err
		}
		if busy(err) {
			return live, locked, err
		}
		return live, failed, sqlError(err)
	}
	if _, err := c.ExecContext(ctx, "BEGIN; SAVEPOINT w"); err != nil {
		return abort(err)
	}
	kept := live[:0:0]
	for _, x := range live {
		// Savepoint w is open: runWrite ends it and opens the next.
		werr := w.runWrite(ctx, x)
		if werr != nil && (transient(werr) || busy(werr)) {
			return abort(werr)
		}
		if werr != nil {
			// ROLLBACK TO keeps w open, ready for the next write.
			if _, err := c.ExecContext(ctx, "ROLLBACK TO w"); err != nil {
				return abort(err)
			}
			finish(x, asqlite.Result{}, sqlError(werr))
			continue
		}
		kept = append(kept, x)
	}
	live = kept
	if len(live) == 0 {
		c.ExecContext(ctx, "ROLLBACK")
		return nil, committed, nil
	}
	now := time.Now()
	if w.seq%1024 == 0 {
		if _, err := c.ExecContext(ctx, "DELETE FROM asqlite_cluster_groups WHERE at < ?", now.Add(-groupsKept).Unix()); err != nil {
			return abort(err)
		}
	}
	// COMMIT ends the empty savepoint w with the transaction.
	send := func() error {
		_, err := c.ExecContext(ctx, "INSERT INTO asqlite_cluster_groups(id, at) VALUES(?, ?); COMMIT", id, now.Unix())
		return err
	}
	var err error
	if commitHook != nil {
		err = commitHook(send)
	} else {
		err = send()
	}
	if err != nil {
		if transient(err) || ctx.Err() != nil {
			return live, unknown, err
		}
		return abort(err)
	}
	return live, committed, nil
}

// commitHook, set by tests before Open, stands between the writer and the
// leader for the COMMIT of a group: it may send it or not, and return the
// error the writer sees, as a leader lost at that moment would.
var commitHook func(send func() error) error

// nextSavepoint releases the write's savepoint and opens the next write's.
const nextSavepoint = "RELEASE w; SAVEPOINT w"

// runWrite runs one write inside savepoint w, leaving its Result in x.res.
// On success it has released w and opened it again; on failure w holds
// what the write did, for the caller to roll back.
func (w *writer) runWrite(ctx context.Context, x *write) (err error) {
	c := w.conn
	x.res = asqlite.Result{}
	switch x.kind {
	case kindExec:
		// The newline ends a trailing "--" comment of the write's SQL.
		r, err := c.ExecContext(ctx, x.sql+"\n;"+nextSavepoint, x.args...)
		if err != nil {
			return err
		}
		x.res = result(r)
		return nil
	case kindMany:
		if err := w.many(ctx, x); err != nil {
			return err
		}
	case kindFunc:
		if err := w.function(ctx, x); err != nil {
			return err
		}
	}
	_, err = c.ExecContext(ctx, nextSavepoint)
	return err
}

// many runs an ExecMany write.
func (w *writer) many(ctx context.Context, x *write) error {
	s, err := w.conn.PrepareContext(ctx, x.sql)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, args := range x.argSets {
		r, err := s.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		one := result(r)
		x.res.Changes += one.Changes
		x.res.LastInsertRowID = one.LastInsertRowID
	}
	return nil
}

// function runs a Write function, turning its panic into an error.
func (w *writer) function(ctx context.Context, x *write) (err error) {
	tx := &Tx{db: w.db, conn: w.conn, ctx: ctx}
	defer func() {
		tx.done.Store(true)
		if p := recover(); p != nil {
			x.panic = p
			err = fmt.Errorf("cluster: the Write function panicked: %v", p)
		}
	}()
	return x.fn(tx)
}

// script runs an ExecScript write outside any transaction, once.
func (w *writer) script(x *write) {
	ctx, cancel := w.waitCtx([]*write{x})
	defer cancel()
	err := w.connect(ctx)
	if len(claim([]*write{x})) == 0 {
		return // abandoned while the writer waited for a leader
	}
	if err != nil {
		if x.ctx.Err() != nil {
			err = ctxError(x.ctx, "waiting for a leader")
		}
		finish(x, asqlite.Result{}, err)
		return
	}
	actx, acancel := context.WithTimeout(w.db.stop, attemptLimit)
	defer acancel()
	_, err = w.conn.ExecContext(actx, x.sql, x.args...)
	if err != nil && transient(err) {
		w.drop()
		err = fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
	} else if err != nil {
		// A script that failed inside its own transaction leaves it open.
		w.conn.ExecContext(actx, "ROLLBACK")
		err = sqlError(err)
	}
	finish(x, asqlite.Result{}, err)
}

// result converts database/sql's result.
func result(r sql.Result) asqlite.Result {
	id, _ := r.LastInsertId()
	n, _ := r.RowsAffected()
	return asqlite.Result{LastInsertRowID: id, Changes: n}
}

// checkArgs refuses arguments the cluster cannot carry.
func checkArgs(args []any) error {
	for _, a := range args {
		if _, ok := a.(sqlite.NamedArg); ok {
			return unsupported("named arguments (sqlite.Named)")
		}
		if _, ok := a.(sql.NamedArg); ok {
			return unsupported("named arguments (sql.Named)")
		}
	}
	return nil
}

// sqlError turns a statement's error from dqlite into the *sqlite.Error
// that asqlite.DB would return.
func sqlError(err error) error {
	var de dqliteError
	if errors.As(err, &de) && !transient(err) {
		return sqlite.Errorf(sqlite.ErrorCode(de.Code), "%s", de.Message)
	}
	return err
}
