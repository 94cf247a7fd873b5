package asqlite

import (
	"context"
	"fmt"

	"github.com/asqlite/asqlite/sqlite"
)

// Register runs fn on every connection of the DB, now and to come: on the
// writer at once (in queue order with the writes), on each reader before
// its next read, and on each connection opened later (isolated writes).
// Use it to add Go functions, collations, hooks or virtual table modules
// to all of them:
//
//	err := db.Register(ctx, func(c *sqlite.Conn) error {
//		return c.CreateFunction("slugify", 1, sqlite.Deterministic, slugify)
//	})
//
// fn must be safe to run on several connections, one at a time each, and
// its effect must not depend on which connection it runs on. If it fails
// on the writer (or, for a read-only DB, on a reader), it is not recorded
// and its error is returned; a later failure on a reader fails that read.
// Options.ConnectHook does the same for connections as Open makes them.
func (db *DB) Register(ctx context.Context, fn func(c *sqlite.Conn) error) error {
	if fn == nil {
		return sqlite.Errorf(sqlite.ErrMisuse, "asqlite: Register with a nil function")
	}
	if !db.readOnly {
		w := newDBWrite(WriteOptions{NoTransaction: true}, true, true)
		_, err := db.submit(ctx, w, func(c *sqlite.Conn) error {
			if err := fn(c); err != nil {
				return err
			}
			db.addRegistration(fn)
			return nil
		})
		return err
	}
	// No writer: try it on a reader first.
	db.roRegMu.Lock()
	defer db.roRegMu.Unlock()
	rd := db.Reader(ReadOptions{TimeLimit: -1})
	r, rctx, err := rd.acquire(ctx, false)
	if err != nil {
		return err
	}
	if err = fn(r.conn); err == nil {
		db.addRegistration(fn)
		r.applied++
	}
	return rd.release(r, rctx, ctx, err)
}

// addRegistration records fn for the connections that have not run it.
func (db *DB) addRegistration(fn func(*sqlite.Conn) error) {
	db.regMu.Lock()
	db.regs = append(db.regs, fn)
	db.regGen.Store(int64(len(db.regs)))
	db.regMu.Unlock()
	db.callbacks.Store(true)
}

// applyRegistrations brings reader r up to date with the registrations.
func (db *DB) applyRegistrations(r *dbReader) error {
	if int64(r.applied) == db.regGen.Load() {
		return nil
	}
	db.regMu.Lock()
	regs := db.regs[r.applied:]
	db.regMu.Unlock()
	for _, fn := range regs {
		if err := fn(r.conn); err != nil {
			return fmt.Errorf("asqlite: applying a registration to a reader: %w", err)
		}
		r.applied++
	}
	return nil
}
