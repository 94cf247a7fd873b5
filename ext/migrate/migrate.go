// Package migrate upgrades a database schema step by step, keyed on
// PRAGMA user_version.
//
// A schema's history is a list of steps: step i takes the database from
// version i to version i+1. Up runs the steps a database has not seen yet,
// each in its own IMMEDIATE transaction that also records the new version,
// so a failed step leaves the database at the last good version and two
// processes migrating at once apply each step exactly once. A database whose
// version is higher than the list knows is refused: code must not write to
// a schema newer than itself.
package migrate

import (
	"errors"
	"fmt"

	"github.com/asqlite/asqlite/sqlite"
)

// Step is one schema upgrade. SQL, when set, runs first (it may hold
// several statements); Func, when set, runs after it on the same connection
// inside the same transaction.
type Step struct {
	Name string // shown in errors; optional
	SQL  string
	Func func(conn *sqlite.Conn) error
}

// ErrTooNew is wrapped by the error Up returns for a database whose
// user_version is above the number of steps.
var ErrTooNew = errors.New("migrate: database schema is newer than this program")

// Result reports what Up did.
type Result struct {
	From, To int // user_version before and after
}

// Version returns the database's user_version.
func Version(conn *sqlite.Conn) (int, error) {
	v := 0
	for row, err := range conn.Query("PRAGMA user_version") {
		if err != nil {
			return 0, err
		}
		v = row.ColumnInt(0)
	}
	return v, nil
}

// Up applies, in order, the steps the database has not had yet. It follows
// the connection's rules (one goroutine, cancellation through the context
// installed with Conn.SetContext); with asqlite.Conn, call it inside Run.
func Up(conn *sqlite.Conn, steps []Step) (Result, error) {
	from, err := Version(conn)
	if err != nil {
		return Result{}, fmt.Errorf("migrate: %w", err)
	}
	res := Result{From: from, To: from}
	if from > len(steps) {
		return res, fmt.Errorf("%w: database is at version %d, this program knows %d", ErrTooNew, from, len(steps))
	}
	for {
		var applied bool
		err := conn.Tx(sqlite.Immediate, func() error {
			// Read again under the write lock: another connection may have
			// migrated since.
			v, err := Version(conn)
			if err != nil {
				return err
			}
			if v > len(steps) {
				return fmt.Errorf("%w: database is at version %d, this program knows %d", ErrTooNew, v, len(steps))
			}
			res.To = v
			if v == len(steps) {
				return nil
			}
			s := steps[v]
			if s.SQL != "" {
				if err := conn.Exec(s.SQL); err != nil {
					return stepError(v, s, err)
				}
			}
			if s.Func != nil {
				if err := s.Func(conn); err != nil {
					return stepError(v, s, err)
				}
			}
			if err := conn.Exec(fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
				return err
			}
			res.To, applied = v+1, true
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrTooNew) {
				err = fmt.Errorf("migrate: %w", err)
			}
			return res, err
		}
		if !applied {
			return res, nil
		}
	}
}

func stepError(v int, s Step, err error) error {
	name := s.Name
	if name == "" {
		name = "unnamed"
	}
	return fmt.Errorf("step %d (%s) to version %d: %w", v, name, v+1, err)
}
