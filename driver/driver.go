// Package driver is a database/sql driver for SQLite built on asqlite,
// registered under the name "asqlite". The one line a database/sql program
// changes to use it:
//
//	db, err := sql.Open("asqlite", "app.db")
//
// # Two modes
//
// In the DB mode, the default for a database file, the [sql.DB] runs on an
// [asqlite.DB] (one writer fed by a queue, a pool of readers, WAL): its
// connections are light handles, and each statement goes where the DB
// sends it, so that concurrent transactions never fail with "database is
// locked" and small writes share commits:
//
//   - Exec outside a transaction is a write of the DB's queue
//     ([asqlite.DB.Exec]): it runs in a transaction of its own or shares a
//     group commit, and its Result is its own. SQL that cannot run inside a
//     transaction (PRAGMA, VACUUM, ATTACH, BEGIN...) runs on the writer as a
//     script ([asqlite.DB.ExecScript]).
//   - Query outside a transaction runs on a reader, which its rows hold until
//     they are closed or read to the end. When a read finds every reader
//     held so by rows between calls, one of the rows gives its reader up,
//     reading what is left of them into memory: queries inside the loop
//     over another query's rows, in more goroutines than there are
//     readers, do not wait for each other forever. A query that writes
//     (INSERT ... RETURNING) runs as a write of the queue, outside its
//     transactions for the SQL that Exec runs as a script (PRAGMA
//     wal_checkpoint); its rows are read at once.
//   - BeginTx with ReadOnly runs on a reader: one snapshot, taken at
//     BeginTx, for the whole transaction; writes fail with SQLITE_READONLY.
//     A snapshot cannot be read into memory, so a read-only transaction
//     keeps its reader to its end: when every reader is held by read-only
//     transactions whose goroutines wait for a read outside them, those
//     reads wait until their contexts end. Give the DB at least as many
//     readers (_readers) as goroutines that read outside their read-only
//     transactions while holding them.
//   - Any other transaction holds the writer from BeginTx to Commit or
//     Rollback, inside the DB's BEGIN IMMEDIATE (or a savepoint of a group
//     commit): it is serialized with the queued writes and never fails with
//     SQLITE_BUSY. BeginTx waits for the writer as long as its context
//     allows; the context also bounds the transaction, which is rolled back
//     when it ends. Isolation levels are all SQLite's serializable. In the
//     rare case where the group commit it shared fails as a whole (another
//     write's interrupted INSERT, a full disk), Commit fails and nothing of
//     the transaction is applied: run it again.
//   - Prepared statements are checked when prepared and routed when run.
//
// Writes outside a transaction, and BeginTx, wait for the writer: a
// goroutine holding a read-write transaction that writes through the same
// sql.DB outside it waits for itself until its context ends (database/sql
// gives no way to tell that goroutine from another). Write through the
// transaction instead.
//
// Closing the sql.DB rolls back the transactions it left open and releases
// the readers held by rows left open (their next call fails), then closes
// the DB if the DSN opened it: a forgotten Rollback or rows.Close does not
// keep Close waiting.
//
// Time limits: as in database/sql, contexts bound the work. A DB opened
// from a DSN gives reads no time limit of their own unless _read_limit sets
// one; over a DB of the program's ([NewDBConnector]), the DB's
// [asqlite.Options] ReadTimeLimit (1s by default) applies to each query's
// rows and to each read-only transaction as a whole. A read past its limit
// fails with an error wrapping [asqlite.ErrTimeLimit]. Writes have no limit but their
// context. Per-connection settings are the DB's: the
// DSN's _pragma and _busy_timeout apply to every connection of the DB, and
// ":memory:?_mode=db" is one private database seen by every connection. A
// TEMP table, an ATTACHed database or a pragma run through Exec lives on the
// writer only: what every connection needs belongs in the DSN's _pragma, or
// in [asqlite.DB.Register] (reached through Raw).
//
// [NewDBConnector] runs database/sql over an [*asqlite.DB] the program opened,
// so that it can use both APIs on one database:
//
//	adb, err := asqlite.Open(ctx, "app.db", nil)
//	db := sql.OpenDB(driver.NewDBConnector(adb))
//
// In the plain mode, the default for in-memory databases (":memory:",
// "mode=memory", "vfs=memdb") and chosen with _mode=conn, each connection of
// the sql.DB is an SQLite connection of its own, as with other drivers;
// [NewConnector] makes one with a hook run on every connection.
//
// # Data source names
//
// The data source name is an SQLite filename or URI (https://sqlite.org/uri.html)
// with optional parameters of the driver's own, which start with an
// underscore and are removed before SQLite sees the name:
//
//	_mode=MODE            db (asqlite.DB) or conn (one SQLite connection per
//	                      database/sql connection); see above for the default
//	_pragma=NAME(VALUE)   run PRAGMA NAME=VALUE on every new connection (repeatable)
//	_busy_timeout=D       how long a statement waits for a lock held by
//	                      another connection (or, in the DB mode, process)
//	                      before failing with SQLITE_BUSY: a duration (250ms,
//	                      10s) or a number of milliseconds; 0 fails at once.
//	                      Default 5s. The wait ends early when the call's
//	                      context ends.
//	_timefmt=FORMAT       how time.Time arguments are stored: text (default),
//	                      unix, unixmilli, unixnano or julian
//	_txlock=MODE          plain mode: how BeginTx with the default isolation
//	                      level begins: deferred (default), immediate or
//	                      exclusive
//	_sync=MODE            PRAGMA synchronous: off, normal (the DB mode's
//	                      default), full or extra
//	_readers=N            DB mode: the number of reader connections
//	_read_limit=D         DB mode: the time limit of a read (default none)
//
// Contexts are honoured everywhere: a context that ends interrupts the
// running statement. Named parameters work with [sql.Named] (":name", "@name"
// and "$name" in SQL). In the plain mode, isolation levels map to BEGIN
// modes: the default level uses _txlock, sql.LevelSerializable begins
// IMMEDIATE and sql.LevelLinearizable begins EXCLUSIVE; the other levels
// begin DEFERRED, since SQLite transactions are serializable anyway. A
// read-only transaction runs with PRAGMA query_only.
//
// Columns declared DATE, DATETIME or TIMESTAMP scan as time.Time when they
// hold text in a time format SQLite understands, or a number in the
// _timefmt format (integers for unix*, floats for julian).
// Columns declared BOOLEAN scan as bool when they hold an integer.
// Columns describe the statement as it runs, also after a schema change.
//
// What database/sql cannot express is reachable through [sql.Conn.Raw]: the
// [*sqlite.Conn] of a plain connection ([Conn.Raw]), the [*asqlite.DB] of
// the DB mode ([DBConn.DB]):
//
//	err := conn.Raw(func(c any) error {
//		switch c := c.(type) {
//		case *driver.Conn:
//			raw := c.Raw() // *sqlite.Conn: functions, hooks, backup...
//		case *driver.DBConn:
//			adb := c.DB() // *asqlite.DB: Register, Write, Read...
//		}
//		...
//	})
package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// Name is the name the driver is registered under.
const Name = "asqlite"

func init() { sql.Register(Name, &Driver{}) }

// Driver implements driver.Driver and driver.DriverContext.
type Driver struct{}

// Open opens a plain connection for the data source name dsn: database/sql
// uses OpenConnector instead, and a DB opened for one connection would
// never be closed.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := NewConnector(dsn, nil)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses dsn once for every connection of a sql.DB and
// returns a DBConnector or a Connector, as the package documentation says.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.mode == "db" || cfg.mode == "" && !cfg.memory {
		return newDSNDBConnector(cfg), nil
	}
	return NewConnector(dsn, nil)
}

// Connector opens connections to one database; pass it to [sql.OpenDB].
// Each connection of the [sql.DB] is an SQLite connection of its own (the
// plain mode; see the package documentation).
type Connector struct {
	cfg  dsnConfig
	init func(*sqlite.Conn) error
}

// DefaultBusyTimeout is how long a statement waits for a lock held by
// another connection unless the DSN's _busy_timeout says otherwise.
const DefaultBusyTimeout = 5 * time.Second

// NewConnector returns a Connector for dsn in the plain mode. init, when
// not nil, runs on every new connection after the DSN's pragmas: the place
// to register functions, collations and hooks that every connection of the
// pool needs.
func NewConnector(dsn string, init func(*sqlite.Conn) error) (*Connector, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.readers != 0 || cfg.readLimitSet {
		return nil, fmt.Errorf("asqlite driver: _readers and _read_limit apply to the DB mode only")
	}
	if cfg.syncSet {
		cfg.pragmas = append(cfg.pragmas, "PRAGMA synchronous="+cfg.sync.String())
	}
	return &Connector{cfg: cfg, init: init}, nil
}

// dsnConfig is what a data source name says.
type dsnConfig struct {
	name         string // for SQLite: the DSN without the driver's parameters
	memory       bool   // an in-memory database, not a file
	mode         string // "", "db" or "conn"
	pragmas      []string
	txlock       sqlite.TxMode
	timeFmt      sqlite.TimeFormat
	busyTimeout  time.Duration
	sync         sqlite.SyncMode
	syncSet      bool
	readers      int
	readLimit    time.Duration
	readLimitSet bool
}

func parseDSN(dsn string) (dsnConfig, error) {
	cfg := dsnConfig{busyTimeout: DefaultBusyTimeout}
	name, query, _ := strings.Cut(dsn, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return cfg, fmt.Errorf("asqlite driver: bad DSN parameters %q: %w", query, err)
	}
	cfg.memory = name == "" || name == ":memory:" || strings.HasPrefix(name, "file::memory:") ||
		params.Get("mode") == "memory" || params.Get("vfs") == "memdb"
	for key, values := range params {
		if !strings.HasPrefix(key, "_") {
			continue
		}
		delete(params, key)
		for _, v := range values {
			if err := cfg.set(key, v); err != nil {
				return cfg, err
			}
		}
	}
	cfg.name = name
	if len(params) > 0 {
		cfg.name += "?" + params.Encode()
	}
	return cfg, nil
}

// set applies the driver's DSN parameter key=v.
func (cfg *dsnConfig) set(key, v string) error {
	bad := func(want string) error {
		return fmt.Errorf("asqlite driver: %s=%q: want %s", key, v, want)
	}
	switch key {
	case "_pragma":
		p, err := parsePragma(v)
		if err != nil {
			return err
		}
		cfg.pragmas = append(cfg.pragmas, p)
	case "_txlock":
		switch strings.ToLower(v) {
		case "deferred":
			cfg.txlock = sqlite.Deferred
		case "immediate":
			cfg.txlock = sqlite.Immediate
		case "exclusive":
			cfg.txlock = sqlite.Exclusive
		default:
			return bad("deferred, immediate or exclusive")
		}
	case "_busy_timeout":
		d, err := parseDuration(v)
		if err != nil {
			return bad("a duration (5s, 250ms) or milliseconds")
		}
		cfg.busyTimeout = d
	case "_timefmt":
		f, ok := timeFormats[strings.ToLower(v)]
		if !ok {
			return bad("text, unix, unixmilli, unixnano or julian")
		}
		cfg.timeFmt = f
	case "_mode":
		switch v {
		case "db", "conn":
			cfg.mode = v
		default:
			return bad("db or conn")
		}
	case "_sync":
		m, ok := sqlite.ParseSyncMode(v)
		if !ok {
			return bad("off, normal, full or extra")
		}
		cfg.sync, cfg.syncSet = m, true
	case "_readers":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return bad("a number of reader connections, at least 1")
		}
		cfg.readers = n
	case "_read_limit":
		if v == "none" {
			cfg.readLimit, cfg.readLimitSet = -1, true
			return nil
		}
		d, err := parseDuration(v)
		if err != nil || d == 0 {
			return bad("a duration (1s, 30s) or none")
		}
		cfg.readLimit, cfg.readLimitSet = d, true
	default:
		return fmt.Errorf("asqlite driver: unknown DSN parameter %q", key)
	}
	return nil
}

// parseDuration reads a Go duration, or a bare number as milliseconds (the
// unit of PRAGMA busy_timeout and of other drivers' DSNs).
func parseDuration(v string) (time.Duration, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms >= 0 {
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(v)
	if err == nil && d < 0 {
		err = errors.New("negative")
	}
	return d, err
}

var timeFormats = map[string]sqlite.TimeFormat{
	"text": sqlite.TimeText, "unix": sqlite.TimeUnix, "unixmilli": sqlite.TimeUnixMilli,
	"unixnano": sqlite.TimeUnixNano, "julian": sqlite.TimeJulianDay,
}

// parsePragma turns "name(value)" or "name=value" into a PRAGMA statement,
// accepting only an identifier for the name and a plain value, so a DSN
// cannot smuggle in other SQL.
func parsePragma(v string) (string, error) {
	name, value := v, ""
	if i := strings.IndexAny(v, "(="); i >= 0 {
		name, value = v[:i], strings.TrimSuffix(v[i+1:], ")")
	}
	if !isIdent(name) || strings.ContainsAny(value, ";'\"()") {
		return "", fmt.Errorf("asqlite driver: bad _pragma %q: want name(value)", v)
	}
	if value == "" {
		return "PRAGMA " + name, nil
	}
	return "PRAGMA " + name + "=" + value, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' || r == '.' && i > 0) {
			return false
		}
	}
	return true
}

// Driver returns the driver the connector belongs to.
func (c *Connector) Driver() driver.Driver { return &Driver{} }

// Connect opens a new connection.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	raw, err := sqlite.Open(c.cfg.name, 0)
	if err != nil {
		return nil, err
	}
	raw.SetContext(ctx)
	defer raw.SetContext(context.Background())
	raw.SetBusyTimeout(c.cfg.busyTimeout)
	for _, p := range c.cfg.pragmas {
		if err := raw.Exec(p); err != nil {
			raw.Close()
			return nil, fmt.Errorf("asqlite driver: %s: %w", p, err)
		}
	}
	if c.init != nil {
		if err := c.init(raw); err != nil {
			raw.Close()
			return nil, err
		}
	}
	return &Conn{raw: raw, txlock: c.cfg.txlock, timeFmt: c.cfg.timeFmt}, nil
}

// errBadConnIfClosed maps use of a closed connection to driver.ErrBadConn so
// database/sql retries on a fresh one.
func errBadConnIfClosed(err error) error {
	if errors.Is(err, sqlite.ErrClosed) {
		return driver.ErrBadConn
	}
	return err
}
