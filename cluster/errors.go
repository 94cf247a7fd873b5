package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	sqldriver "database/sql/driver"
	"github.com/canonical/go-dqlite/driver"
)

// ErrOutcomeUnknown is reported by a write whose context ended while the
// writer could not tell whether its group committed: the leader died while
// committing and no new leader answered in time. The write may or may not
// have been applied (it was not applied twice). The error also wraps the
// context's error.
var ErrOutcomeUnknown = errors.New("cluster: the write's outcome is unknown (the leader was lost while it committed)")

// UnsupportedError reports a feature of asqlite.DB that a dqlite cluster
// cannot carry (see the package doc).
type UnsupportedError struct {
	// Feature names what was asked, such as "Go functions".
	Feature string
}

func (e *UnsupportedError) Error() string {
	return "cluster: " + e.Feature + " cannot run on a dqlite cluster"
}

func unsupported(feature string) error { return &UnsupportedError{Feature: feature} }

// Error codes of dqlite that say the leader was lost or is not here.
const (
	codeIOErr             = 10
	codeBusy              = 5
	codeNotLeader         = codeIOErr | 40<<8
	codeLeadershipLost    = codeIOErr | 41<<8
	codeNotLeaderOld      = codeIOErr | 32<<8
	codeLeadershipLostOld = codeIOErr | 33<<8
)

// transient reports whether err means the connection or the leader was
// lost, so that the transaction did not go through (or, for a COMMIT,
// may have): the writer reconnects and tries again.
func transient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, sqldriver.ErrBadConn) || errors.Is(err, driver.ErrNoAvailableLeader) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var de driver.Error
	if errors.As(err, &de) {
		switch de.Code {
		case codeNotLeader, codeLeadershipLost, codeNotLeaderOld, codeLeadershipLostOld:
			return true
		}
		return false
	}
	var ne net.Error
	var errno syscall.Errno
	return errors.As(err, &ne) || errors.As(err, &errno)
}

// busy reports an SQLITE_BUSY from the leader: another client holds the
// write lock. The transaction is rolled back and tried again.
func busy(err error) bool {
	var de driver.Error
	return errors.As(err, &de) && de.Code&0xff == codeBusy
}

// ctxError reports that ctx ended during the named phase.
func ctxError(ctx context.Context, phase string) error {
	err := ctx.Err()
	if err == nil {
		err = context.DeadlineExceeded
	}
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("cluster: %s: %w: %w", phase, err, cause)
	}
	return fmt.Errorf("cluster: %s: %w", phase, err)
}

// dqliteError is the error of a statement the leader ran.
type dqliteError = driver.Error
