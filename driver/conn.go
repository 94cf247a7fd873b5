package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// Conn is one database/sql connection. database/sql uses it from one
// goroutine at a time.
type Conn struct {
	raw     *sqlite.Conn
	txlock  sqlite.TxMode
	timeFmt sqlite.TimeFormat
	inTx    bool
	readTx  bool // the open transaction set query_only
	closed  bool

	// While a transaction is open, hooks watch for its end by its own SQL
	// (a COMMIT or ROLLBACK in a script) or by SQLite (a rollback after an
	// error): what follows must not run outside it.
	txOver, txCommitted bool
	unhook              func()
}

var (
	_ driver.Conn               = (*Conn)(nil)
	_ driver.ConnBeginTx        = (*Conn)(nil)
	_ driver.ConnPrepareContext = (*Conn)(nil)
	_ driver.ExecerContext      = (*Conn)(nil)
	_ driver.QueryerContext     = (*Conn)(nil)
	_ driver.Pinger             = (*Conn)(nil)
	_ driver.SessionResetter    = (*Conn)(nil)
	_ driver.Validator          = (*Conn)(nil)
	_ driver.NamedValueChecker  = (*Conn)(nil)
)

// Raw returns the underlying connection, for what database/sql cannot
// express (functions, hooks, backup, blobs...). Use it only inside
// sql.Conn.Raw, which keeps other users away meanwhile.
func (c *Conn) Raw() *sqlite.Conn { return c.raw }

// Close closes the connection.
func (c *Conn) Close() error {
	c.closed = true
	return c.raw.Close()
}

// IsValid reports whether the connection can be reused.
func (c *Conn) IsValid() bool { return !c.closed }

// ResetSession is called before the connection is reused. A transaction
// left open by a caller that lost track of it is rolled back.
func (c *Conn) ResetSession(ctx context.Context) error {
	if c.closed {
		return driver.ErrBadConn
	}
	if !c.inTx && !c.raw.AutoCommit() {
		c.raw.SetContext(context.Background())
		if err := c.raw.Exec("ROLLBACK"); err != nil {
			return driver.ErrBadConn
		}
	}
	return nil
}

// Ping checks the connection with a trivial statement.
func (c *Conn) Ping(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	defer c.use(ctx)()
	return errBadConnIfClosed(c.raw.Exec("SELECT 1"))
}

// ErrNilContext is returned by the methods of Conn, DBConn and their
// statements given a nil context, which database/sql never passes but
// sql.Conn.Raw makes possible.
var ErrNilContext = errors.New("asqlite driver: nil context")

// ctxErr reports why a call with ctx must not start.
func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return ErrNilContext
	}
	return ctx.Err()
}

// use installs ctx on the connection and returns the function that removes it.
func (c *Conn) use(ctx context.Context) func() {
	c.raw.SetContext(ctx)
	return func() { c.raw.SetContext(context.Background()) }
}

// Prepare prepares a statement.
func (c *Conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext prepares the single statement in query.
func (c *Conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s, err := c.raw.Prepare(query)
	if err != nil {
		return nil, errBadConnIfClosed(err)
	}
	return &Stmt{conn: c, s: s}, nil
}

// Begin starts a transaction.
func (c *Conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx starts a transaction, choosing the BEGIN mode from the isolation
// level as the package documentation describes.
func (c *Conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := checkIsolation(opts.Isolation); err != nil {
		return nil, err
	}
	mode := c.txlock
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelReadUncommitted, sql.LevelReadCommitted, sql.LevelWriteCommitted,
		sql.LevelRepeatableRead, sql.LevelSnapshot:
		mode = sqlite.Deferred
	case sql.LevelSerializable:
		mode = sqlite.Immediate
	case sql.LevelLinearizable:
		mode = sqlite.Exclusive
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	defer c.use(ctx)()
	if opts.ReadOnly {
		if err := c.raw.Exec("PRAGMA query_only = 1"); err != nil {
			return nil, errBadConnIfClosed(err)
		}
	}
	begin := map[sqlite.TxMode]string{sqlite.Deferred: "BEGIN", sqlite.Immediate: "BEGIN IMMEDIATE", sqlite.Exclusive: "BEGIN EXCLUSIVE"}[mode]
	if err := c.raw.Exec(begin); err != nil {
		if opts.ReadOnly {
			c.raw.Exec("PRAGMA query_only = 0")
		}
		return nil, errBadConnIfClosed(err)
	}
	if err := c.watchTx(); err != nil {
		c.raw.Exec("ROLLBACK")
		return nil, errBadConnIfClosed(err)
	}
	c.inTx, c.readTx = true, opts.ReadOnly
	return &tx{c: c}, nil
}

// watchTx adds the hooks that tell when the transaction just begun ends by
// its own SQL or by SQLite; tx.end removes them.
func (c *Conn) watchTx() error {
	c.txOver, c.txCommitted = false, false
	removeC, err := c.raw.AddCommitHook(func() bool { c.txOver, c.txCommitted = true, true; return false })
	if err != nil {
		return err
	}
	removeR, err := c.raw.AddRollbackHook(func() { c.txOver = true })
	if err != nil {
		removeC()
		return err
	}
	c.unhook = func() { removeC(); removeR() }
	return nil
}

// checkIsolation refuses the isolation levels database/sql does not know.
func checkIsolation(level driver.IsolationLevel) error {
	if l := sql.IsolationLevel(level); l < sql.LevelDefault || l > sql.LevelLinearizable {
		return fmt.Errorf("asqlite driver: unsupported isolation level %v", l)
	}
	return nil
}

type tx struct{ c *Conn }

func (t *tx) Commit() error   { return t.end("COMMIT") }
func (t *tx) Rollback() error { return t.end("ROLLBACK") }

func (t *tx) end(sql string) error {
	c := t.c
	if !c.inTx {
		return errors.New("asqlite driver: transaction already ended")
	}
	c.inTx = false
	c.unhook() // before the COMMIT or ROLLBACK below
	var err error
	if c.txOver {
		if !c.raw.AutoCommit() { // a transaction the SQL began after
			c.raw.Exec("ROLLBACK")
		}
		switch {
		case c.txCommitted:
			err = errEndedBySQL
		case sql == "COMMIT":
			err = errors.New("asqlite driver: commit: the transaction was already rolled back")
		}
	} else if !c.raw.AutoCommit() {
		err = c.raw.Exec(sql)
		if err != nil && sql == "COMMIT" && !c.raw.AutoCommit() {
			c.raw.Exec("ROLLBACK")
		}
	} else if sql == "COMMIT" {
		err = errors.New("asqlite driver: commit: the transaction was already rolled back by SQLite")
	}
	if c.readTx {
		c.readTx = false
		c.raw.Exec("PRAGMA query_only = 0")
	}
	return err
}

// ExecContext runs query, which may hold several statements.
func (c *Conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	if err := c.txGone(); err != nil {
		return nil, err
	}
	defer c.use(ctx)()
	if err := c.raw.Exec(query, c.bindArgs(args)...); err != nil {
		return nil, errBadConnIfClosed(err)
	}
	if c.inTx && c.txOver {
		return nil, errEndedBySQL
	}
	return result{c.raw.LastInsertRowID(), c.raw.Changes()}, nil
}

// txGone refuses a statement in a transaction that has ended: run outside
// it, the statement would commit by itself.
func (c *Conn) txGone() error {
	switch {
	case !c.inTx || !c.txOver:
		return nil
	case c.txCommitted:
		return errEndedBySQL
	}
	return errTxRolledBack
}

// errTxRolledBack answers a statement in a transaction that was rolled back
// (by SQLite after an error, or by a ROLLBACK in its SQL).
var errTxRolledBack = errors.New("asqlite driver: the transaction was rolled back (by SQLite after an error, or by ROLLBACK in its SQL): use the sql.Tx's Rollback")

// QueryContext runs the single statement in query and returns its rows.
func (c *Conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	if err := c.txGone(); err != nil {
		return nil, err
	}
	s, err := c.raw.Prep(query)
	if err != nil {
		return nil, errBadConnIfClosed(err)
	}
	return c.query(ctx, s, args, true)
}

func (c *Conn) query(ctx context.Context, s *sqlite.Stmt, args []driver.NamedValue, closeStmt bool) (driver.Rows, error) {
	if err := s.Bind(c.bindArgs(args)...); err != nil {
		s.Reset()
		if closeStmt {
			s.Close()
		}
		return nil, err
	}
	c.raw.SetContext(ctx) // kept until the rows are closed, so a late cancel still interrupts
	r, err := startRows(&rows{raw: c.raw, timeFmt: c.timeFmt, ownCtx: true, s: s, closeStmt: closeStmt})
	if err != nil {
		return nil, err
	}
	if c.inTx && c.txOver { // a COMMIT or ROLLBACK run as a query
		r.Close()
		return nil, errEndedBySQL
	}
	return r, nil
}

// startRows takes the first step of r's statement now, not in the first
// Next: a statement whose schema changed (on this connection or another)
// is re-prepared by it, so the columns read after it describe the statement
// as it runs.
func startRows(r *rows) (*rows, error) {
	row, err := r.s.Step()
	if err != nil {
		r.Close()
		return nil, err
	}
	r.ready, r.done = row, !row
	r.cols = r.s.ColumnNames()
	return r, nil
}

// CheckNamedValue accepts every value the binding can store, converting
// driver.Valuer implementations first.
func (c *Conn) CheckNamedValue(nv *driver.NamedValue) error { return checkNamedValue(nv) }

func checkNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case nil, int64, float64, bool, []byte, string, time.Time, int, int32, uint32, int16, uint16, int8, uint8, float32, sqlite.ZeroBlob:
		return nil
	case uint64:
		if v > 1<<63-1 {
			return fmt.Errorf("asqlite driver: uint64 %d overflows int64", v)
		}
		return nil
	case uint:
		if uint64(v) > 1<<63-1 {
			return fmt.Errorf("asqlite driver: uint %d overflows int64", v)
		}
		return nil
	case driver.Valuer:
		val, err := callValuer(v)
		if err != nil {
			return err
		}
		nv.Value = val
		return checkNamedValue(nv)
	}
	val, err := driver.DefaultParameterConverter.ConvertValue(nv.Value)
	if err != nil {
		return err
	}
	nv.Value = val
	return nil
}

var valuerType = reflect.TypeFor[driver.Valuer]()

// callValuer calls v.Value. A nil pointer whose Value method has a value
// receiver is NULL, as database/sql has it; any other panic fails the
// statement rather than storing a value the caller did not give.
func callValuer(v driver.Valuer) (val driver.Value, err error) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() && rv.Type().Elem().Implements(valuerType) {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			val, err = nil, fmt.Errorf("asqlite driver: %T.Value panicked: %v", v, r)
		}
	}()
	return v.Value()
}

// bindArgs converts database/sql arguments for sqlite.Stmt.Bind.
func (c *Conn) bindArgs(args []driver.NamedValue) []any { return bindArgs(c.timeFmt, args) }

func bindArgs(timeFmt sqlite.TimeFormat, args []driver.NamedValue) []any {
	if len(args) == 0 {
		return nil
	}
	out := make([]any, len(args))
	for i, a := range args {
		v := a.Value
		if t, ok := v.(time.Time); ok {
			v = timeValue(timeFmt, t)
		}
		if a.Name != "" {
			v = sqlite.Named(a.Name, v)
		}
		out[i] = v
	}
	return out
}

// timeValue stores a time in the connector's format.
func timeValue(timeFmt sqlite.TimeFormat, t time.Time) any {
	switch timeFmt {
	case sqlite.TimeUnix:
		return t.Unix()
	case sqlite.TimeUnixMilli:
		return t.UnixMilli()
	case sqlite.TimeUnixNano:
		return t.UnixNano()
	case sqlite.TimeJulianDay:
		return sqlite.JulianDay(t)
	}
	return t
}

type result struct{ id, n int64 }

func (r result) LastInsertId() (int64, error) { return r.id, nil }
func (r result) RowsAffected() (int64, error) { return r.n, nil }
