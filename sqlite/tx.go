package sqlite

import (
	"context"
	"fmt"
)

// TxMode is how a transaction takes its locks
// (https://sqlite.org/lang_transaction.html).
type TxMode int

const (
	// Deferred starts reading or writing only when the first statement
	// needs to.
	Deferred TxMode = iota
	// Immediate takes the write lock at once, so later statements never
	// fail with ErrBusy for it.
	Immediate
	// Exclusive also keeps readers out (outside WAL mode).
	Exclusive
)

func (m TxMode) begin() string {
	switch m {
	case Immediate:
		return "BEGIN IMMEDIATE"
	case Exclusive:
		return "BEGIN EXCLUSIVE"
	}
	return "BEGIN"
}

// Tx runs fn in a transaction: BEGIN (in the given mode) when the connection
// is in autocommit mode, a SAVEPOINT when a transaction is already open, so
// calls nest. If fn returns nil the transaction commits (or the savepoint is
// released); if fn returns an error or panics, only this level is rolled
// back and the error is returned (the panic continues after the rollback).
// Rollback runs even when the connection's context has ended.
//
// https://sqlite.org/lang_savepoint.html
func (c *Conn) Tx(mode TxMode, fn func() error) (err error) {
	if err := c.check(); err != nil {
		return err
	}
	var begin, commit, rollback string
	if c.AutoCommit() {
		begin, commit, rollback = mode.begin(), "COMMIT", "ROLLBACK"
	} else {
		c.savepoints++
		name := fmt.Sprintf("asqlite_%d", c.savepoints)
		defer func() { c.savepoints-- }()
		begin = "SAVEPOINT " + name
		commit = "RELEASE " + name
		rollback = "ROLLBACK TO " + name + "; RELEASE " + name
	}
	if err := c.Exec(begin); err != nil {
		return err
	}
	done := false
	defer func() {
		if done {
			return
		}
		c.rollback(rollback)
	}()
	if err = fn(); err != nil {
		done = true
		c.rollback(rollback)
		return err
	}
	if err = c.Exec(commit); err != nil {
		done = true
		c.rollback(rollback)
		return err
	}
	done = true
	return nil
}

// rollback runs sql (a ROLLBACK form) with no context installed, so an ended
// context cannot stop the cleanup, then puts the context back. A transaction
// SQLite already rolled back by itself (after SQLITE_FULL, say) needs nothing.
func (c *Conn) rollback(sql string) {
	if c.db == 0 || c.AutoCommit() {
		return
	}
	old := c.SetContext(context.Background())
	c.Exec(sql)
	c.SetContext(old)
}
