package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

// DBConnector runs database/sql on an [*asqlite.DB] (the DB mode): the
// connections it makes are handles on the DB, not SQLite connections, and
// each statement goes where the DB would send it. Pass it to [sql.OpenDB].
// The package documentation describes the routing.
type DBConnector struct {
	timeFmt sqlite.TimeFormat

	// A connector made from a DSN opens its DB on first use and closes it
	// with the sql.DB; one made by NewDBConnector leaves the DB to its owner.
	mu     sync.Mutex
	db     *asqlite.DB
	path   string
	opts   *asqlite.Options
	owned  bool
	closed bool

	// What the sql.DB left open when it closed ends then: the write
	// sessions see closing, the readers are released.
	closing chan struct{}
	readers map[*reader]struct{}

	// Rows outside transactions that hold a reader between database/sql's
	// calls: spilled when a query finds no reader idle.
	parked map[*sessionRows]struct{}
}

var (
	_ driver.Connector = (*DBConnector)(nil)
	_ io.Closer        = (*DBConnector)(nil)
)

// NewDBConnector returns a connector for database/sql over db, so that a
// program can use both APIs on one database. Closing the sql.DB does not
// close db.
func NewDBConnector(db *asqlite.DB) *DBConnector {
	return &DBConnector{db: db, closing: make(chan struct{}), readers: map[*reader]struct{}{},
		parked: map[*sessionRows]struct{}{}}
}

// newDSNDBConnector returns a connector that opens the DB cfg describes
// when the first connection is made.
func newDSNDBConnector(cfg dsnConfig) *DBConnector {
	opts := &asqlite.Options{
		Readers:     cfg.readers,
		Synchronous: cfg.sync,
		BusyTimeout: cfg.busyTimeout,
	}
	// database/sql bounds work by contexts alone: a read has no time limit
	// of its own unless the DSN asks for one.
	opts.ReadTimeLimit = -1
	if cfg.readLimitSet {
		opts.ReadTimeLimit = cfg.readLimit
	}
	pragmas, busy := cfg.pragmas, cfg.busyTimeout
	if len(pragmas) > 0 || busy == 0 {
		opts.ConnectHook = func(c *sqlite.Conn, readOnly bool) error {
			if busy == 0 {
				c.SetBusyTimeout(0)
			}
			for _, p := range pragmas {
				if err := c.Exec(p); err != nil {
					return fmt.Errorf("asqlite driver: %s: %w", p, err)
				}
			}
			return nil
		}
	}
	return &DBConnector{timeFmt: cfg.timeFmt, path: cfg.name, opts: opts, owned: true,
		closing: make(chan struct{}), readers: map[*reader]struct{}{},
		parked: map[*sessionRows]struct{}{}}
}

// Driver returns the driver the connector belongs to.
func (c *DBConnector) Driver() driver.Driver { return &Driver{} }

// Connect returns a new handle on the DB, opening the DB first if the
// connector was made from a DSN and this is its first connection.
func (c *DBConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	db, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	return &DBConn{db: db, cn: c, timeFmt: c.timeFmt}, nil
}

func (c *DBConnector) open(ctx context.Context) (*asqlite.DB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, asqlite.ErrClosed
	}
	if c.db == nil {
		if !c.owned {
			return nil, errors.New("asqlite driver: NewDBConnector was given a nil *asqlite.DB")
		}
		db, err := asqlite.Open(ctx, c.path, c.opts)
		if err != nil {
			return nil, err
		}
		c.db = db
	}
	return c.db, nil
}

// Close ends what the sql.DB left open, rolling back its transactions and
// releasing the readers its rows hold, then closes the DB if the connector
// opened it (sql.DB.Close calls it). database/sql closes a connection in
// use only when it is given back, which a forgotten transaction or rows
// never are: the DB would wait for them forever.
func (c *DBConnector) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.closing)
	readers := slices.Collect(maps.Keys(c.readers))
	clear(c.readers)
	db := c.db
	c.mu.Unlock()
	// A reader may be busy opening a read that waits for another reader
	// to be released: release them all at once.
	var wg sync.WaitGroup
	for _, r := range readers {
		wg.Go(r.release)
	}
	wg.Wait()
	if !c.owned || db == nil {
		return nil
	}
	return db.Close()
}

// newReader returns a reader for a DBConn, or nil once the connector is
// closed.
func (c *DBConnector) newReader(db *asqlite.DB) *reader {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	r := newReader(db)
	c.readers[r] = struct{}{}
	return r
}

// dropReader stops a DBConn's reader.
func (c *DBConnector) dropReader(r *reader) {
	r.release()
	c.mu.Lock()
	delete(c.readers, r)
	c.mu.Unlock()
}

// park lists rows that hold their reader between calls.
func (c *DBConnector) park(r *sessionRows) {
	c.mu.Lock()
	c.parked[r] = struct{}{}
	c.mu.Unlock()
}

func (c *DBConnector) unpark(r *sessionRows) {
	c.mu.Lock()
	delete(c.parked, r)
	c.mu.Unlock()
}

// makeRoom spills rows parked on a reader when every reader is parked so,
// so that a read never waits for rows whose owner waits for that read: a
// query inside the loop over another query's rows, in more goroutines than
// there are readers, would wait forever. Each read that finds every reader
// parked frees one. Readers busy with other work free themselves, and
// spilling is left for that case alone: it costs the rows' memory.
func (c *DBConnector) makeRoom(db *asqlite.DB) {
	c.mu.Lock()
	none := len(c.parked) == 0
	c.mu.Unlock()
	if none { // the usual case: no snapshot of the DB's counters needed
		return
	}
	st := db.Stats()
	if st.IdleReaders > 0 {
		return
	}
	c.mu.Lock()
	if len(c.parked) < st.Readers {
		c.mu.Unlock()
		return
	}
	var victim *sessionRows
	for r := range c.parked {
		victim = r
		delete(c.parked, r)
		break
	}
	c.mu.Unlock()
	if victim != nil {
		victim.spill()
	}
}

// errSQLDBClosed ends what the sql.DB left open when it closed.
var errSQLDBClosed = fmt.Errorf("asqlite driver: the sql.DB was closed: %w", asqlite.ErrClosed)

// DBConn is a database/sql connection of the DB mode: a handle on the DB
// that holds a connection of it only while a transaction or a query's rows
// need one. database/sql uses it from one goroutine at a time.
type DBConn struct {
	db      *asqlite.DB
	cn      *DBConnector
	timeFmt sqlite.TimeFormat
	tx      *dbTx
	reader  *reader            // made on first use
	writes  chan *writeSession // to the write goroutine, started on first use
	closed  bool
}

var (
	_ driver.Conn               = (*DBConn)(nil)
	_ driver.ConnBeginTx        = (*DBConn)(nil)
	_ driver.ConnPrepareContext = (*DBConn)(nil)
	_ driver.ExecerContext      = (*DBConn)(nil)
	_ driver.QueryerContext     = (*DBConn)(nil)
	_ driver.Pinger             = (*DBConn)(nil)
	_ driver.SessionResetter    = (*DBConn)(nil)
	_ driver.Validator          = (*DBConn)(nil)
	_ driver.NamedValueChecker  = (*DBConn)(nil)
)

// DB returns the DB the connection is a handle on: inside sql.Conn.Raw,
// the way to its Write, Read and Register, which hand out *sqlite.Conn.
func (c *DBConn) DB() *asqlite.DB { return c.db }

// Close ends the handle, rolling back a transaction left open.
func (c *DBConn) Close() error {
	c.closed = true
	var err error
	if c.tx != nil {
		err = c.tx.Rollback()
	}
	if c.reader != nil {
		c.cn.dropReader(c.reader)
		c.reader = nil
	}
	if c.writes != nil {
		close(c.writes)
		c.writes = nil
	}
	return err
}

// IsValid reports whether the handle can be reused.
func (c *DBConn) IsValid() bool { return !c.closed }

// ResetSession is called before the handle is reused.
func (c *DBConn) ResetSession(ctx context.Context) error {
	if c.closed {
		return driver.ErrBadConn
	}
	return nil
}

// CheckNamedValue accepts the values the plain mode accepts.
func (c *DBConn) CheckNamedValue(nv *driver.NamedValue) error { return checkNamedValue(nv) }

// Ping runs a trivial query on a reader.
func (c *DBConn) Ping(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	c.cn.makeRoom(c.db)
	return c.db.QueryRow(ctx, "SELECT 1").Err()
}

// Prepare prepares a statement.
func (c *DBConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext checks that query is one valid statement and returns it.
// Where it runs is decided each time it runs, as for the connection's own
// ExecContext and QueryContext.
func (c *DBConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	st := &dbStmt{c: c, query: query}
	check := func(sc *sqlite.Conn) error {
		s, err := sc.Prep(query)
		if err != nil {
			return err
		}
		st.numInput = numInput(s)
		return s.Close()
	}
	var err error
	if c.tx != nil {
		err = c.tx.s.run(check)
	} else {
		c.cn.makeRoom(c.db)
		err = c.db.Read(ctx, check)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Begin starts a transaction.
func (c *DBConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx starts a read-only transaction on a reader, or a read-write one
// on the writer, which it holds until Commit or Rollback. ctx bounds the
// wait for the connection and the whole transaction. Every isolation level
// gives SQLite's serializable transactions.
func (c *DBConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := checkIsolation(opts.Isolation); err != nil {
		return nil, err
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	if c.tx != nil {
		return nil, errors.New("asqlite driver: a transaction is already open on the connection")
	}
	var s session
	var err error
	if opts.ReadOnly {
		s, err = c.openRead(ctx, true, nil)
	} else {
		s, err = c.openWrite(ctx)
	}
	if err != nil {
		return nil, err
	}
	c.tx = &dbTx{c: c, s: s}
	return c.tx, nil
}

type dbTx struct {
	c *DBConn
	s session
}

func (t *dbTx) Commit() error   { return t.end(true) }
func (t *dbTx) Rollback() error { return t.end(false) }

func (t *dbTx) end(commit bool) error {
	if t.c.tx != t {
		return errors.New("asqlite driver: transaction already ended")
	}
	t.c.tx = nil
	return t.s.end(commit)
}

// ExecContext runs query (one statement or several) in the open
// transaction, or else as a write of the DB's queue.
func (c *DBConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	bound := bindArgs(c.timeFmt, args)
	if c.tx != nil {
		if endsTransaction(query) {
			return nil, errEndInTx
		}
		var res result
		err := c.tx.s.run(withContext(ctx, func(sc *sqlite.Conn) error {
			if err := sc.Exec(query, bound...); err != nil {
				return err
			}
			res = result{sc.LastInsertRowID(), sc.Changes()}
			return nil
		}))
		if err != nil {
			return nil, err
		}
		return res, nil
	}
	if runsOutsideTransactions(query) {
		if err := c.db.ExecScript(ctx, query, bound...); err != nil {
			return nil, err
		}
		return result{}, nil
	}
	r, err := c.db.Exec(ctx, query, bound...)
	if err != nil {
		return nil, err
	}
	return result{r.LastInsertRowID, r.Changes}, nil
}

// errEndInTx refuses SQL that would end the DB's transaction under a
// database/sql transaction.
var errEndInTx = errors.New("asqlite driver: BEGIN, COMMIT or ROLLBACK inside a transaction: use the sql.Tx's Commit or Rollback")

// endsTransaction reports whether query starts with BEGIN, COMMIT, END or
// a ROLLBACK that is not ROLLBACK TO a savepoint.
func endsTransaction(query string) bool {
	switch w := strings.ToUpper(firstWord(query)); w {
	case "BEGIN", "COMMIT", "END":
		return true
	case "ROLLBACK":
		// ROLLBACK [TRANSACTION] TO name ends a savepoint only.
		_, rest := nextWord(query)
		w, rest := nextWord(rest)
		if strings.EqualFold(w, "TRANSACTION") {
			w, _ = nextWord(rest)
		}
		return !strings.EqualFold(w, "TO")
	}
	return false
}

// runsOutsideTransactions reports whether query starts with a statement
// that cannot run inside the transaction of a queued write (VACUUM, most
// pragmas) or manages transactions itself; such SQL goes to the writer as a
// script (asqlite.DB.ExecScript).
func runsOutsideTransactions(query string) bool {
	switch strings.ToUpper(firstWord(query)) {
	case "PRAGMA", "VACUUM", "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ATTACH", "DETACH":
		return true
	}
	return false
}

// firstWord returns the first keyword of query, skipping blanks and comments.
func firstWord(q string) string {
	w, _ := nextWord(q)
	return w
}

// nextWord returns the first keyword of q, skipping blanks and comments,
// and what follows it.
func nextWord(q string) (word, rest string) {
	for {
		q = strings.TrimLeft(q, " \t\r\n\f;")
		switch {
		case strings.HasPrefix(q, "--"):
			_, q, _ = strings.Cut(q, "\n")
		case strings.HasPrefix(q, "/*"):
			_, q, _ = strings.Cut(q, "*/")
		default:
			end := strings.IndexFunc(q, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
			})
			if end < 0 {
				return q, ""
			}
			return q[:end], q[end:]
		}
	}
}

// QueryContext runs the single statement in query in the open transaction,
// or else on a reader, which the rows hold until they are closed. A
// statement that writes (INSERT ... RETURNING) runs as a write of the DB's
// queue instead (outside its transactions for the SQL ExecContext runs as
// a script), and its rows are read before QueryContext returns.
func (c *DBConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	bound := bindArgs(c.timeFmt, args)
	if c.tx != nil {
		return startSessionRows(ctx, c.tx.s, false, c.timeFmt, query, bound)
	}
	// The reader's context is ctx already: the rows start in the visit
	// that opens it.
	r, start := newSessionRows(true, c.timeFmt, query, bound)
	s, err := c.openRead(ctx, false, start)
	if err != nil {
		if s != nil {
			s.end(false)
		}
		if errors.Is(err, errWrites) {
			return c.queryOnWriter(ctx, query, bound)
		}
		return nil, err
	}
	r.s = s
	if r.err != nil {
		// Read to the end in the first visit: the reader goes back now.
		s.end(false)
	} else {
		r.cn = c.cn
		c.cn.park(r)
	}
	return r, nil
}

// errWrites tells a reader's caller that the statement writes.
var errWrites = errors.New("asqlite driver: the statement writes")

func (c *DBConn) queryOnWriter(ctx context.Context, query string, bound []any) (driver.Rows, error) {
	var b *bufferedRows
	// PRAGMA wal_checkpoint, VACUUM...: outside the writer's transactions,
	// as ExecContext runs them.
	w := c.db.Writer(asqlite.WriteOptions{NoTransaction: runsOutsideTransactions(query)})
	err := w.Write(ctx, func(sc *sqlite.Conn) error {
		b = &bufferedRows{}
		s, err := sc.Prep(query)
		if err != nil {
			return err
		}
		if err := s.Bind(bound...); err != nil {
			s.Close()
			return err
		}
		in, err := startRows(&rows{raw: sc, timeFmt: c.timeFmt, s: s, closeStmt: true})
		if err != nil {
			return err
		}
		defer in.Close()
		b.cols, b.decl = in.cols, in.declTypes()
		for {
			row := make([]driver.Value, len(b.cols))
			if err := in.Next(row); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
			b.rows = append(b.rows, row)
		}
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// dbStmt is a statement of the DB mode: its text, run through the
// connection that prepared it.
type dbStmt struct {
	c        *DBConn
	query    string
	numInput int
}

func (s *dbStmt) Close() error  { return nil }
func (s *dbStmt) NumInput() int { return s.numInput }

func (s *dbStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), valuesToNamed(args))
}

func (s *dbStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), valuesToNamed(args))
}

func (s *dbStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}

func (s *dbStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}
