// Package driver is a database/sql driver for SQLite built on asqlite's
// binding, registered under the name "asqlite":
//
//	db, err := sql.Open("asqlite", "file:app.db?_txlock=immediate&_pragma=foreign_keys(1)")
//
// The data source name is an SQLite filename or URI (https://sqlite.org/uri.html)
// with optional parameters of the driver's own, which start with an
// underscore and are removed before SQLite sees the name:
//
//	_pragma=NAME(VALUE)   run PRAGMA NAME=VALUE on every new connection (repeatable)
//	_txlock=MODE          how BeginTx with the default isolation level begins:
//	                      deferred (default), immediate or exclusive
//	_timefmt=FORMAT       how time.Time arguments are stored: text (default),
//	                      unix, unixmilli, unixnano or julian
//	_busy_timeout=D       how long a statement waits for a lock held by
//	                      another connection before failing with
//	                      SQLITE_BUSY: a duration (250ms, 10s) or a number
//	                      of milliseconds; 0 fails at once. Default 5s.
//	                      The wait ends early when the call's context ends.
//
// Contexts are honoured everywhere: a context that ends interrupts the
// running statement. Named parameters work with sql.Named (":name", "@name"
// and "$name" in SQL). Isolation levels map to BEGIN modes: the default
// level uses _txlock, sql.LevelSerializable begins IMMEDIATE and
// sql.LevelLinearizable begins EXCLUSIVE; the other levels begin DEFERRED,
// since SQLite transactions are serializable anyway. A read-only
// transaction runs with PRAGMA query_only.
//
// Columns declared DATE, DATETIME or TIMESTAMP scan as time.Time when they
// hold text in a time format SQLite understands, or a number in the
// _timefmt format (integers for unix*, floats for julian).
// Columns declared BOOLEAN scan as bool when they hold an integer.
//
// The underlying *sqlite.Conn is reachable through sql.Conn.Raw:
//
//	err := conn.Raw(func(c any) error {
//		raw := c.(*driver.Conn).Raw() // *sqlite.Conn: functions, hooks, backup...
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

// Open opens a connection for the data source name dsn.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses dsn once for every connection of a sql.DB.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	return NewConnector(dsn, nil)
}

// Connector opens connections to one database; pass it to sql.OpenDB.
type Connector struct {
	name    string
	pragmas []string
	txlock  sqlite.TxMode
	timeFmt sqlite.TimeFormat
	init    func(*sqlite.Conn) error

	busyTimeout time.Duration
}

// DefaultBusyTimeout is how long a statement waits for a lock held by
// another connection unless the DSN's _busy_timeout says otherwise.
const DefaultBusyTimeout = 5 * time.Second

// NewConnector returns a Connector for dsn. init, when not nil, runs on
// every new connection after the DSN's pragmas: the place to register
// functions, collations and hooks that every connection of the pool needs.
func NewConnector(dsn string, init func(*sqlite.Conn) error) (*Connector, error) {
	c := &Connector{init: init, busyTimeout: DefaultBusyTimeout}
	name, query, _ := strings.Cut(dsn, "?")
	if query == "" {
		c.name = dsn
		return c, nil
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("asqlite driver: bad DSN parameters %q: %w", query, err)
	}
	for key, values := range params {
		if !strings.HasPrefix(key, "_") {
			continue
		}
		delete(params, key)
		for _, v := range values {
			switch key {
			case "_pragma":
				p, err := parsePragma(v)
				if err != nil {
					return nil, err
				}
				c.pragmas = append(c.pragmas, p)
			case "_txlock":
				switch strings.ToLower(v) {
				case "deferred":
					c.txlock = sqlite.Deferred
				case "immediate":
					c.txlock = sqlite.Immediate
				case "exclusive":
					c.txlock = sqlite.Exclusive
				default:
					return nil, fmt.Errorf("asqlite driver: _txlock=%q: want deferred, immediate or exclusive", v)
				}
			case "_busy_timeout":
				d, err := parseDuration(v)
				if err != nil {
					return nil, fmt.Errorf("asqlite driver: _busy_timeout=%q: want a duration (5s, 250ms) or milliseconds", v)
				}
				c.busyTimeout = d
			case "_timefmt":
				f, ok := timeFormats[strings.ToLower(v)]
				if !ok {
					return nil, fmt.Errorf("asqlite driver: _timefmt=%q: want text, unix, unixmilli, unixnano or julian", v)
				}
				c.timeFmt = f
			default:
				return nil, fmt.Errorf("asqlite driver: unknown DSN parameter %q", key)
			}
		}
	}
	c.name = name
	if len(params) > 0 {
		c.name += "?" + params.Encode()
	}
	return c, nil
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
	raw, err := sqlite.Open(c.name, 0)
	if err != nil {
		return nil, err
	}
	raw.SetContext(ctx)
	defer raw.SetContext(context.Background())
	raw.SetBusyTimeout(c.busyTimeout)
	for _, p := range c.pragmas {
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
	return &Conn{raw: raw, txlock: c.txlock, timeFmt: c.timeFmt}, nil
}

// errBadConnIfClosed maps use of a closed connection to driver.ErrBadConn so
// database/sql retries on a fresh one.
func errBadConnIfClosed(err error) error {
	if errors.Is(err, sqlite.ErrClosed) {
		return driver.ErrBadConn
	}
	return err
}
