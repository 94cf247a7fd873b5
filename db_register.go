package asqlite

import (
	"context"
	"fmt"

	"github.com/asqlite/asqlite/sqlite"
)

// Register runs fn on every connection of the DB, now and to come: on the
// writer at once (in queue order with the writes), on each reader before
// its next read, and on each connection opened later (isolated writes).
// It is how Go functions, collations, hooks and virtual table modules are
// added to a DB, with the binding's own methods:
//
//	err := db.Register(ctx, func(c *sqlite.Conn) error {
//		return c.CreateFunction("slugify", 1, sqlite.Deterministic, slugify)
//	})
//
// fn must be safe to run on several connections, one at a time each, and
// its effect must not depend on which connection it runs on. If it fails
// on the writer (or, for a read-only DB, on a reader), it is not recorded
// and its error is returned; a later failure on a reader fails that read.
// [Options.ConnectHook] does the same for connections as Open makes them.
//
// The Go values registered then serve several connections, each from one
// goroutine at a time but different connections at the same time, so they
// must be safe for concurrent use. They see the context of the read or
// write whose SQL runs them: [sqlite.FuncContext.Context] in a function,
// [sqlite.Conn.Context] of the connection in a hook or virtual table. A
// virtual table's CREATE VIRTUAL TABLE runs as a write: its schema lives in
// the database, and the readers find the module when they read it. Code
// running on the writer must not wait for another write of the same DB
// (such calls fail with [ErrReentrant]); to run SQL it uses the connection
// it is given ([sqlite.FuncContext.Conn]), as SQLite allows.
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
	released := false
	defer func() {
		if !released { // fn panicked or called runtime.Goexit
			rd.release(r, rctx, ctx, nil)
		}
	}()
	if err = fn(r.conn); err == nil {
		db.addRegistration(fn)
		r.applied++
	}
	released = true
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

// applyRegistrations brings reader r, taken from the pool, up to date with
// the registrations. Should one panic or call runtime.Goexit, r goes back
// to the pool (the panic goes on to the read's caller): a reader lost
// would make Close wait for it forever.
func (db *DB) applyRegistrations(r *dbReader) error {
	if int64(r.applied) == db.regGen.Load() {
		return nil
	}
	db.regMu.Lock()
	regs := db.regs[r.applied:]
	db.regMu.Unlock()
	returned := false
	defer func() {
		if !returned {
			db.readers <- r
		}
	}()
	for _, fn := range regs {
		if err := fn(r.conn); err != nil {
			returned = true
			return fmt.Errorf("asqlite: applying a registration to a reader: %w", err)
		}
		r.applied++
	}
	returned = true
	return nil
}
