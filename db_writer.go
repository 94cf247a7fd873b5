package asqlite

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite/internal/worker"
	"github.com/asqlite/asqlite/sqlite"
)

// dbWriter is the writer: a worker (see internal/worker) that serves the
// DB's writes, in groups. Everything but q and active is touched by the
// worker goroutine only.
type dbWriter struct {
	db     *DB
	conn   *sqlite.Conn
	q      *worker.Worker[*dbWrite]
	active atomic.Pointer[sqlite.Conn] // connection running a write, for Close to interrupt

	current *dbWrite   // write taken and not settled yet: neither answered, pending nor redone
	pending []*dbWrite // writes of the open group that succeeded, awaiting COMMIT
	redoQ   []*dbWrite // writes to run again, each alone, after their group failed

	// The group marker: temp.user_version of the writer, flipped inside a
	// group transaction before a write that could end the transaction
	// itself, so that afterwards the writer can tell whether it committed.
	marker    int64
	markerSet bool

	// The WAL, as the WAL hook reports it after each commit, and its size
	// after the last checkpoint attempt.
	walPages, checkedPages int
	restartTried           int // WAL size at the last RESTART readers blocked
	// deferredFKs is whether DBStatusDeferredFKs can be read.
	deferredFKs bool
	// guard watches the context of the write running (on any connection).
	guard worker.Guard
}

// Savepoint names of the writer; users' own savepoints nest inside.
const (
	dbSavepoint       = "SAVEPOINT asqlite_write"
	dbRelease         = "RELEASE asqlite_write"
	dbRollbackRelease = "ROLLBACK TO asqlite_write; RELEASE asqlite_write"
)

// newDBWriter makes the writer of db on c; go start runs it.
func newDBWriter(db *DB, c *sqlite.Conn) *dbWriter {
	wr := &dbWriter{db: db, conn: c}
	wr.q = worker.New(worker.Config[*dbWrite]{
		Serve:        wr.handle,
		Before:       wr.drainRedo,
		After:        wr.maintain,
		Shutdown:     func() { close(db.wdone) },
		Goexit:       wr.goexit,
		Answer:       wr.answer,
		Taken:        wr.taken,
		Capacity:     db.opts.QueueSize,
		FailWhenFull: db.opts.FailWhenQueueFull,
		Closed:       errDBClosed,
	})
	return wr
}

// start sets the writer connection up and serves the writes.
func (wr *dbWriter) start() {
	wr.active.Store(wr.conn)
	wr.guard.Install(wr.conn)
	// The hook replaces SQLite's automatic checkpoints: maintain does them.
	wr.conn.AddWALHook(func(schema string, pages int) error {
		if schema == "main" {
			wr.walPages = pages
		}
		return nil
	})
	_, _, err := wr.conn.Status(sqlite.DBStatusDeferredFKs, false)
	wr.deferredFKs = err == nil
	wr.q.Serve()
}

// errDBGoexit answers a write whose function, or Go code its COMMIT ran (a
// hook), called runtime.Goexit.
var errDBGoexit = errors.New("asqlite: runtime.Goexit called by a write's function; the write did not complete")

// goexit settles what runtime.Goexit (t.FailNow in a test, say) left when
// it ended the writer goroutine: w (ok), whose function called it, or Go
// code the writer's own work ran (a hook called by a COMMIT or ROLLBACK).
// A transaction still open is rolled back; one that ended under the Go code
// committed or not as the group marker says (without a marker, a COMMIT
// its hook left is rolled back when the binding resets it). The write
// running gets errDBGoexit (nil when a hook called it after its commit),
// the writes pending in the group nil when committed, else they run again.
func (wr *dbWriter) goexit(w *dbWrite, ok bool) {
	wr.active.Store(wr.conn)
	if !ok {
		w = wr.current
	}
	wr.current = nil
	c := wr.conn
	committed := c.AutoCommit() && wr.markerCommitted()
	if committed {
		wr.marker = 1 - wr.marker
		wr.db.stats.commits.Add(1)
	}
	if !c.AutoCommit() {
		wr.rollback(c)
	}
	wr.markerSet = false
	if w != nil {
		if committed && !ok {
			wr.reply(w, nil)
		} else {
			wr.reply(w, errDBGoexit)
		}
	}
	if committed {
		for _, p := range wr.pending {
			wr.reply(p, nil)
		}
	} else {
		wr.redo(wr.pending...)
	}
	clear(wr.pending)
	wr.pending = wr.pending[:0]
}

// taken records how long w waited in the queue.
func (wr *dbWriter) taken(w *dbWrite) {
	st := &wr.db.stats
	wait := time.Since(w.queued)
	st.queueWaitNs.Add(int64(wait))
	dbAtomicMax(&st.maxQueueWaitNs, int64(wait))
}

// next takes the next write for the open group without waiting: nil when
// the queue is empty or the next write must run alone (it is carried to
// the next round).
func (wr *dbWriter) next() *dbWrite {
	w, ok := wr.q.Take()
	if !ok {
		return nil
	}
	if w.alone() {
		wr.q.Carry(w)
		return nil
	}
	return w
}

// userCode reports whether Go code of the user's may run during w: its
// function, or Go callbacks (functions, hooks) its SQL may call.
func (wr *dbWriter) userCode(w *dbWrite) bool {
	return w.user || wr.db.callbacks.Load()
}

func (wr *dbWriter) handle(w *dbWrite) {
	wr.current = w
	switch {
	case w.opts.Isolated:
		wr.isolated(w)
	case w.bare:
		wr.bare(wr.conn, w)
	case wr.db.opts.DisableGroupCommit:
		wr.solo(wr.conn, w)
	default:
		wr.group(w)
	}
	wr.current = nil // settled, each write it took: never to be answered again
}

// reply gives w, a write the writer took, its outcome.
func (wr *dbWriter) reply(w *dbWrite, err error) {
	if wr.current == w {
		wr.current = nil
	}
	wr.answer(w, err)
}

// answer gives w its outcome; the worker calls it for the writes it
// refuses, from the goroutine calling Cancel too.
func (wr *dbWriter) answer(w *dbWrite, err error) {
	st := &wr.db.stats
	st.writes.Add(1)
	if err != nil {
		st.writeErrors.Add(1)
	}
	w.Answer(err)
}

// enter opens the savepoint of a write joining the open group, flipping
// the group marker first (once per group). Its error is the group's: the
// transaction failed around the write.
func (wr *dbWriter) enter(c *sqlite.Conn) error {
	if !wr.markerSet {
		if err := wr.setMarker(c); err != nil {
			return err
		}
	}
	return c.Exec(dbSavepoint)
}

// exec runs w's function on c with w's context installed and returns its
// error. A panic becomes the write's error (and is raised again in its
// caller); a runtime.Goexit ends the goroutine (see goexit).
func (wr *dbWriter) exec(c *sqlite.Conn, w *dbWrite) error {
	w.res = Result{}
	ctx := w.Context()
	user := wr.userCode(w)
	installed := ctx
	if user {
		// Mark the context Go code receives as the writer's.
		installed = wr.q.Mark(ctx)
	}
	c.SetContext(installed)
	wr.guard.Arm(ctx, installed)
	defer func() {
		wr.guard.Disarm()
		c.SetContext(context.Background())
	}()
	// Zero, so that what is left afterwards is this write's insert: a
	// comparison with the value before would miss an insert that reused
	// the last rowid (after a DELETE or a rollback).
	c.SetLastInsertRowID(0)
	err := wr.guard.Err(wr.q.Run(w, c, user))
	w.res.LastInsertRowID = c.LastInsertRowID()
	return err
}

// deferredViolation reports a deferred foreign key constraint left
// unresolved by the write that just ran in a group: alone, the write would
// fail at its COMMIT, so in a group it fails at once instead of making the
// shared COMMIT fail. (The writes before it left none.)
func (wr *dbWriter) deferredViolation(c *sqlite.Conn) error {
	if !wr.deferredFKs {
		return nil
	}
	if n, _, err := c.Status(sqlite.DBStatusDeferredFKs, false); err != nil || n == 0 {
		return nil
	}
	return sqlite.Errorf(sqlite.ErrConstraintForeignKey, "FOREIGN KEY constraint failed (a deferred constraint the write left unresolved)")
}

// begin opens a write transaction on c.
func (wr *dbWriter) begin(c *sqlite.Conn) error {
	wr.markerSet = false
	return c.Exec("BEGIN IMMEDIATE")
}

// commit commits c's transaction; on failure the transaction is rolled
// back (if SQLite has not done it) and the error returned.
func (wr *dbWriter) commit(c *sqlite.Conn) error {
	err := c.Exec("COMMIT")
	if err != nil {
		wr.rollback(c)
		return err
	}
	if wr.markerSet {
		wr.marker = 1 - wr.marker
	}
	wr.markerSet = false
	wr.db.stats.commits.Add(1)
	return nil
}

// rollback rolls c's transaction back, if one is open.
func (wr *dbWriter) rollback(c *sqlite.Conn) {
	wr.markerSet = false
	if !c.AutoCommit() {
		c.Exec("ROLLBACK")
	}
	wr.db.stats.rollbacks.Add(1)
}

// solo runs w in a transaction of its own on c and answers it.
func (wr *dbWriter) solo(c *sqlite.Conn, w *dbWrite) {
	wr.current = w
	if err := wr.begin(c); err != nil {
		wr.reply(w, err)
		return
	}
	err := wr.exec(c, w)
	switch {
	case c.AutoCommit():
		// SQLite rolled the transaction back (err != nil), or the write
		// ended it itself: either way there is nothing left to do.
	case err != nil:
		wr.rollback(c)
	default:
		err = wr.commit(c)
		if err == nil {
			wr.db.stats.batches.Add(1)
			wr.db.stats.batchSize(1)
		}
	}
	wr.reply(w, err)
}

// bare runs w outside any transaction of the writer's making.
func (wr *dbWriter) bare(c *sqlite.Conn, w *dbWrite) {
	err := wr.exec(c, w)
	if !c.AutoCommit() {
		wr.rollback(c)
		if err == nil {
			err = sqlite.Errorf(sqlite.ErrMisuse, "asqlite: a write without transaction left a transaction open; it was rolled back")
		}
	}
	wr.reply(w, err)
}

// isolated runs w on a connection opened for it.
func (wr *dbWriter) isolated(w *dbWrite) {
	c, err := wr.connect(w)
	if err != nil {
		wr.reply(w, err)
		return
	}
	wr.db.stats.isolated.Add(1)
	wr.guard.Install(c)
	wr.active.Store(c)
	defer func() {
		wr.active.Store(wr.conn)
		c.Close()
	}()
	if w.bare {
		wr.bare(c, w)
	} else {
		wr.solo(c, w)
	}
}

// connect opens the connection of w, an isolated write. A panic in the
// user's code that configures it (the ConnectHook, registrations) fails w
// and is raised again in its caller, as one in w's function would be.
func (wr *dbWriter) connect(w *dbWrite) (c *sqlite.Conn, err error) {
	defer func() {
		if p := recover(); p != nil {
			w.SetPanic(p)
			c, err = nil, fmt.Errorf("asqlite: configuring a connection panicked: %v", p)
		}
	}()
	return wr.db.connect(w.Context(), false)
}

// group runs first and the writes queued behind it in one transaction.
// wr.pending holds the writes that succeeded and wait for the COMMIT; when
// the transaction fails, they go to wr.redoQ, to run again alone.
func (wr *dbWriter) group(first *dbWrite) {
	db := wr.db
	c := wr.conn
	if err := wr.begin(c); err != nil {
		wr.reply(first, err)
		return
	}
	start := time.Now()
	wr.pending = wr.pending[:0]
	n := 0
	for w := first; w != nil; {
		n++
		nested := len(wr.pending) > 0
		if nested {
			if err := wr.enter(c); err != nil {
				// The group transaction itself failed around the write.
				wr.rollback(c)
				wr.fail(w)
				return
			}
		}
		wr.current = w
		err := wr.exec(c, w)
		if err == nil && !c.AutoCommit() {
			err = wr.deferredViolation(c)
		}
		switch {
		case c.AutoCommit():
			wr.ended(c, w, err, nested)
			return
		case err != nil && !nested:
			// The first write failed: nothing else is in the transaction.
			wr.rollback(c)
			wr.reply(w, err)
			return
		case err != nil:
			if rerr := c.Exec(dbRollbackRelease); rerr != nil {
				// The savepoint is gone: w ended the group's transaction
				// and began another.
				wr.ended(c, w, err, nested)
				return
			}
			wr.reply(w, err)
			if len(wr.pending) == 0 {
				return
			}
		default:
			if nested {
				if rerr := c.Exec(dbRelease); rerr != nil {
					wr.ended(c, w, nil, nested)
					return
				}
			}
			wr.pending = append(wr.pending, w)
			wr.current = nil
		}
		if n >= db.opts.MaxBatch || time.Since(start) >= db.opts.MaxBatchDelay {
			break
		}
		w = wr.next()
	}
	if err := wr.commit(c); err != nil {
		wr.fail(nil)
		return
	}
	db.stats.batches.Add(1)
	db.stats.batchSize(len(wr.pending))
	for _, p := range wr.pending {
		wr.reply(p, nil)
	}
	clear(wr.pending)
	wr.pending = wr.pending[:0]
}

// fail settles a group whose transaction failed as a whole and was rolled
// back: its pending writes, and w when not nil, run again alone.
func (wr *dbWriter) fail(w *dbWrite) {
	wr.db.stats.groupFailures.Add(1)
	wr.redo(wr.pending...)
	clear(wr.pending)
	wr.pending = wr.pending[:0]
	if w != nil {
		wr.redo(w)
	}
}

// ended settles a group whose transaction is no longer the one it began:
// SQLite rolled it back because of w's error, or w's own SQL ended it
// (COMMIT, END or ROLLBACK), maybe going on after that, even into a
// transaction of its own, which is rolled back here. The marker, flipped
// before w when other writes were pending, tells whether they were
// committed: then they are answered as committed, and w with its error,
// if any, since part of it may have committed too; never run again.
func (wr *dbWriter) ended(c *sqlite.Conn, w *dbWrite, err error, nested bool) {
	st := &wr.db.stats
	committed := len(wr.pending) > 0 && wr.markerCommitted()
	if !c.AutoCommit() {
		c.Exec("ROLLBACK")
		if err == nil {
			err = errWriteLeftTransaction
		}
	}
	wr.markerSet = false
	if committed {
		wr.marker = 1 - wr.marker
		st.commits.Add(1)
		for _, p := range wr.pending {
			wr.reply(p, nil)
		}
		clear(wr.pending)
		wr.pending = wr.pending[:0]
		wr.reply(w, err)
		return
	}
	if err == nil {
		// w ended the transaction without committing the writes before
		// it (ROLLBACK): they run again, alone.
		if len(wr.pending) > 0 {
			wr.fail(nil)
		}
		wr.reply(w, nil)
		return
	}
	st.rollbacks.Add(1)
	if !nested {
		wr.reply(w, err)
		return
	}
	ctxEnded := worker.Ended(w.Context()) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
	if _, panicked := w.Panicked(); ctxEnded || panicked {
		wr.fail(nil)
		wr.reply(w, err)
		return
	}
	// Its failure may be due to the writes before it (a full disk): it
	// gets a transaction of its own too.
	wr.fail(w)
}

// errWriteLeftTransaction answers a write that ended the writer's
// transaction and began one of its own, which was rolled back.
var errWriteLeftTransaction = errors.New("asqlite: the write ended the writer's transaction and began another (BEGIN after COMMIT or ROLLBACK), which was rolled back")

// redo queues writes whose group transaction failed, to run again each in
// a transaction of its own (drainRedo runs them, in order, once the group
// is settled).
func (wr *dbWriter) redo(ws ...*dbWrite) {
	for _, w := range ws {
		if wr.current == w {
			wr.current = nil
		}
	}
	wr.redoQ = append(wr.redoQ, ws...)
}

// drainRedo runs the writes queued by redo.
func (wr *dbWriter) drainRedo() {
	for len(wr.redoQ) > 0 {
		w := wr.redoQ[0]
		wr.redoQ[0] = nil
		wr.redoQ = wr.redoQ[1:]
		switch {
		case wr.db.cancelled.Load():
			wr.reply(w, errDBClosed)
		case worker.Ended(w.Context()):
			wr.reply(w, worker.CtxError(w.Context(), "write rolled back with its group"))
		default:
			wr.db.stats.redone.Add(1)
			wr.solo(wr.conn, w)
		}
	}
	wr.redoQ = wr.redoQ[:0]
}

// setMarker flips temp.user_version inside the open transaction.
func (wr *dbWriter) setMarker(c *sqlite.Conn) error {
	sql := "PRAGMA temp.user_version = 1"
	if wr.marker == 1 {
		sql = "PRAGMA temp.user_version = 0"
	}
	if err := c.Exec(sql); err != nil {
		return err
	}
	wr.markerSet = true
	return nil
}

// markerCommitted reports whether the flipped marker was committed.
func (wr *dbWriter) markerCommitted() bool {
	if !wr.markerSet {
		// Nothing ran that could end the transaction but an error, which
		// rolls back.
		return false
	}
	for s, err := range wr.conn.Query("PRAGMA temp.user_version") {
		if err != nil {
			return false
		}
		return s.ColumnInt64(0) != wr.marker
	}
	return false
}

// interrupt interrupts the SQL the writer is running, from any goroutine.
func (wr *dbWriter) interrupt() {
	if c := wr.active.Load(); c != nil {
		c.Interrupt()
	}
}

// maintain checkpoints the WAL after a commit made it grow: a PASSIVE
// checkpoint every CheckpointPages new pages (what SQLite's automatic
// checkpoint would do), and, when the WAL has grown past WALRestartPages
// because readers kept the passive checkpoints from finishing, a RESTART
// checkpoint, which waits briefly for those readers and lets the next write
// start the WAL over.
func (wr *dbWriter) maintain() {
	db := wr.db
	o := &db.opts
	pages := wr.walPages
	db.stats.walPages.Store(int64(pages))
	if pages < wr.checkedPages {
		// The WAL started over.
		wr.checkedPages, wr.restartTried = 0, 0
	}
	// A RESTART that readers blocked is tried again only after the WAL grew
	// some more, so a long read does not make every commit wait.
	restart := pages >= o.WALRestartPages && (wr.restartTried == 0 || pages-wr.restartTried >= o.CheckpointPages)
	if !restart && pages-wr.checkedPages < o.CheckpointPages {
		return
	}
	c := wr.conn
	mode := "PASSIVE"
	if restart {
		mode = "RESTART"
		c.SetBusyTimeout(o.CheckpointBusyTimeout)
		defer c.SetBusyTimeout(o.BusyTimeout)
	}
	busy, _, _, err := dbCheckpoint(c, mode)
	wr.checkedPages = pages
	switch {
	case err != nil && !errors.Is(err, sqlite.ErrBusy):
		db.stats.checkpointErrors.Add(1)
	case err != nil || busy != 0:
		db.stats.checkpointBusy.Add(1)
		if restart {
			wr.restartTried = pages
		}
	default:
		db.stats.checkpoints.Add(1)
		if restart {
			db.stats.walRestarts.Add(1)
		}
	}
}

// dbCheckpoint runs PRAGMA wal_checkpoint(mode) on c and returns its row:
// whether it was blocked, the WAL's size in pages, and the pages copied back.
func dbCheckpoint(c *sqlite.Conn, mode string) (busy, log, done int64, err error) {
	for s, err := range c.Query("PRAGMA main.wal_checkpoint(" + mode + ")") {
		if err != nil {
			return 0, 0, 0, err
		}
		return s.ColumnInt64(0), s.ColumnInt64(1), s.ColumnInt64(2), nil
	}
	return 0, 0, 0, nil
}
