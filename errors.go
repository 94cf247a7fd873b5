package asqlite

import (
	"errors"

	"github.com/asqlite/asqlite/internal/worker"
	"github.com/asqlite/asqlite/sqlite"
)

// Sentinel errors of package asqlite. Test for them with errors.Is: the
// errors returned wrap them with details.
var (
	// ErrClosed is reported by every call on a closed Conn (or DB), by calls
	// that were still queued when it closed, and by an iteration whose
	// connection closed between two batches. It is the same value as
	// sqlite.ErrClosed, so errors.Is matches closed objects of either layer.
	ErrClosed = sqlite.ErrClosed

	// ErrReentrant is reported by a call made from the connection's own
	// worker: from a Go function, hook or virtual table that SQLite is
	// running for the connection, from the function given to Run or Tx, or
	// with a context the worker handed out (FuncContext.Context,
	// sqlite.Conn.Context inside Run). Such a call could only run after the
	// code that makes it returns, so waiting for it would deadlock. Inside
	// Run use the *sqlite.Conn it receives; inside Tx use the *Tx.
	ErrReentrant = worker.ErrReentrant

	// ErrNoRows is reported by QueryRow (through Row.Err and Row.Scan) when
	// the query returns no row. It is [sqlite.ErrNoRows].
	ErrNoRows = sqlite.ErrNoRows

	// ErrTxDone is reported by a method of a Tx used after its block
	// returned.
	ErrTxDone = errors.New("asqlite: transaction block has ended")
)

// errConnClosed is what calls on a closed Conn return.
var errConnClosed error = &wrapError{msg: "asqlite: connection is closed", err: ErrClosed}

// wrapError is an error with its own message that unwraps to a sentinel.
type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }
