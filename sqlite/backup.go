package sqlite

import (
	"context"
	"math"
	"time"

	lib "modernc.org/sqlite/lib"
)

// Backup copies one database into another, page by page, while both stay in
// use: SQLite's online backup (https://sqlite.org/backup.html). The source
// and destination may be any two distinct connections, each on a file or
// in memory.
//
// Step copies some pages; when it reports done, the destination holds an
// exact copy of the source as of that moment. Between steps the source is
// unlocked, so other connections can write to it; such a write makes the
// next Step start the copy over (writes through the source connection
// itself are carried into the copy instead). Closing before the end rolls
// the destination back to what it held before.
//
// Both connections take part in every call, so while a Backup is open each
// of them must be used by the goroutine driving the backup only. Closing
// either connection closes the Backup.
//
// https://sqlite.org/c3ref/backup.html
type Backup struct {
	dst, src *Conn
	p        uintptr
}

// NewBackup starts copying the database srcSchema of src ("main" when
// empty) over the database dstSchema of dst ("main" when empty); nothing is
// copied until Step. It fails with an *Error when dst is inside a read
// transaction, when src and dst are the same connection, or when a schema
// does not exist. The caller closes the Backup.
//
// https://sqlite.org/c3ref/backup_finish.html#sqlite3backupinit
func NewBackup(dst *Conn, dstSchema string, src *Conn, srcSchema string) (*Backup, error) {
	if err := dst.check(); err != nil {
		return nil, err
	}
	if err := src.check(); err != nil {
		return nil, err
	}
	if dstSchema == "" {
		dstSchema = "main"
	}
	if srcSchema == "" {
		srcSchema = "main"
	}
	z, err := cnames(dst.tls, &dst.buf, false, dstSchema, srcSchema)
	if err != nil {
		return nil, err
	}
	p := lib.Xsqlite3_backup_init(dst.tls, dst.db, z[0], src.db, z[1])
	if p == 0 {
		return nil, dst.errorCode(lib.Xsqlite3_extended_errcode(dst.tls, dst.db), "")
	}
	b := &Backup{dst: dst, src: src, p: p}
	dst.own(b)
	src.own(b)
	return b, nil
}

// Step copies up to pages pages (all that remain when pages is negative)
// and reports whether the copy is complete. ErrBusy (a lock is held by
// another connection) and ErrLocked (the source connection is writing) are
// temporary: the Backup stays usable and Step can be called again (ErrBusy
// lasts as long as a write transaction on the source connection itself).
// Any other error is final; Close then returns it too.
//
// https://sqlite.org/c3ref/backup_finish.html#sqlite3backupstep
func (b *Backup) Step(pages int) (done bool, err error) {
	if b == nil || b.p == 0 {
		return false, closedError("backup")
	}
	n := int32(-1)
	if pages >= 0 {
		n = int32(min(pages, math.MaxInt32))
	}
	switch rc := lib.Xsqlite3_backup_step(b.dst.tls, b.p, n); rc {
	case lib.SQLITE_DONE:
		return true, nil
	case lib.SQLITE_OK:
		return false, nil
	default:
		return false, backupStepError(rc)
	}
}

func backupStepError(rc int32) error {
	code := ErrorCode(rc)
	msg := "backup: " + code.Error()
	if code.Primary() == ErrReadOnly {
		msg += " (the destination is read-only, or in WAL mode with another page size)"
	}
	return Errorf(code, "%s", msg)
}

// Remaining returns the number of pages still to copy, as of the last Step.
// https://sqlite.org/c3ref/backup_finish.html#sqlite3backupremaining
func (b *Backup) Remaining() int {
	if b == nil || b.p == 0 {
		return 0
	}
	return int(lib.Xsqlite3_backup_remaining(b.dst.tls, b.p))
}

// PageCount returns the number of pages in the source database, as of the
// last Step. https://sqlite.org/c3ref/backup_finish.html#sqlite3backuppagecount
func (b *Backup) PageCount() int {
	if b == nil || b.p == 0 {
		return 0
	}
	return int(lib.Xsqlite3_backup_pagecount(b.dst.tls, b.p))
}

// Close ends the backup and releases it. If the copy did not complete, the
// destination is rolled back to its former content. Close returns the error
// of a failed Step (other than ErrBusy and ErrLocked), nil otherwise.
// Closing a closed Backup does nothing.
//
// https://sqlite.org/c3ref/backup_finish.html#sqlite3backupfinish
func (b *Backup) Close() error {
	if b == nil || b.p == 0 {
		return nil
	}
	rc := lib.Xsqlite3_backup_finish(b.dst.tls, b.p)
	b.p = 0
	b.dst.disown(b)
	b.src.disown(b)
	if rc != lib.SQLITE_OK {
		return b.dst.errorCode(rc, "")
	}
	return nil
}

// BackupOptions tune Conn.BackupTo. The zero value (or nil) copies "main"
// to "main", 256 pages per step, without progress reports.
type BackupOptions struct {
	// SrcSchema and DstSchema name the databases copied from and over
	// ("main" when empty).
	SrcSchema, DstSchema string
	// PagesPerStep is how many pages each step copies (256 when 0; all at
	// once when negative). Smaller steps hold the source's lock for less
	// time and check the context more often.
	PagesPerStep int
	// Progress, when set, is called after each step with the pages that
	// remain and the total, ending with remaining == 0.
	Progress func(remaining, total int)
}

// backupRetry bounds the wait between attempts when a step meets a lock.
const (
	backupRetryMin = time.Millisecond
	backupRetryMax = 50 * time.Millisecond
)

// BackupTo copies the database of c (the source) over a database of dst and
// returns when the copy is complete, when it fails, or when ctx ends. It
// drives a Backup step by step (see NewBackup): ctx is checked between
// steps, and a step that meets a lock held by another connection
// (ErrBusy, ErrLocked) is retried after a short wait until ctx ends. A
// write transaction open on the source connection itself fails at once with
// ErrBusy, since waiting could not end it. If the
// source is written by another connection during the copy, the copy starts
// over, so a source under constant writes may never finish: bound the call
// with ctx.
//
// When ctx ends the destination is rolled back to its former content and
// the error is an *Error with code ErrInterrupt wrapping ctx.Err(). Both
// connections must be used by the calling goroutine only until BackupTo
// returns.
//
// https://sqlite.org/backup.html
func (c *Conn) BackupTo(ctx context.Context, dst *Conn, opts *BackupOptions) (err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var o BackupOptions
	if opts != nil {
		o = *opts
	}
	if o.PagesPerStep == 0 {
		o.PagesPerStep = 256
	}
	if err := ctx.Err(); err != nil {
		return backupCanceled(err)
	}
	if o.SrcSchema == "" {
		o.SrcSchema = "main"
	}
	if err := c.check(); err != nil {
		return err
	}
	// The source's own write transaction would make every step fail with
	// ErrBusy, and waiting could not help: this goroutine holds it.
	if c.TxnState(o.SrcSchema) == TxnWrite {
		return Errorf(ErrBusy, "backup: the source connection has a write transaction open on %q; end it first", o.SrcSchema)
	}
	b, err := NewBackup(dst, o.DstSchema, c, o.SrcSchema)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := b.Close(); err == nil {
			err = cerr
		}
	}()
	wait := backupRetryMin
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		done, err := b.Step(o.PagesPerStep)
		if err != nil {
			if code := CodeOf(err).Primary(); code != ErrBusy && code != ErrLocked {
				return err
			}
			if c.TxnState(o.SrcSchema) == TxnWrite {
				return err // held by this goroutine (begun in Progress)
			}
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-ctx.Done():
				return backupCanceled(ctx.Err())
			case <-timer.C:
			}
			wait = min(2*wait, backupRetryMax)
			continue
		}
		wait = backupRetryMin
		if o.Progress != nil {
			o.Progress(b.Remaining(), b.PageCount())
		}
		if done {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return backupCanceled(err)
		}
	}
}

func backupCanceled(cause error) error {
	return Errorf(ErrInterrupt, "backup interrupted").because(cause)
}
