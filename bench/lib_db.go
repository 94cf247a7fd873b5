package bench

import (
	"context"
	"strings"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

// asqlite.DB: one writer behind a queue (with group commit by default) and
// a pool of read-only connections, used through its own API: Exec and
// Write on the writer queue, Query and QueryRow on the readers. It is
// always in WAL mode; ":memory:" is a private WAL database in /dev/shm.
// The default per-read time limit (1 s) is lifted, since some workloads
// read for longer. "asqlite.DB-serial" is the same without group commit,
// for the concurrency workloads.
func init() {
	Register(Lib{Name: "asqlite.DB", API: "asqlite.DB", Asqlite: true, Shared: true,
		Open: func(path string, cfg Config) (Conn, error) { return openDB(path, cfg, false) }})
	Register(Lib{Name: "asqlite.DB-serial", API: "asqlite.DB without group commit", Asqlite: true, Shared: true,
		Groups: []string{"seed", "concurrency"},
		Open:   func(path string, cfg Config) (Conn, error) { return openDB(path, cfg, true) }})
}

type dbConn struct{ db *asqlite.DB }

func openDB(path string, cfg Config, serial bool) (Conn, error) {
	o := asqlite.Options{
		Readers:            cfg.Readers,
		BusyTimeout:        5 * time.Second,
		ReadTimeLimit:      -1,
		DisableGroupCommit: serial,
		// Shared fixtures must not gain statistics that change later plans.
		DisableOptimizeOnClose: true,
	}
	for _, p := range cfg.Pragmas {
		switch strings.ToUpper(p) {
		case "SYNCHRONOUS=FULL":
			o.Synchronous = sqlite.SyncFull
		case "SYNCHRONOUS=NORMAL":
			o.Synchronous = sqlite.SyncNormal
		case "SYNCHRONOUS=OFF":
			o.Synchronous = sqlite.SyncOff
		case "FOREIGN_KEYS=0":
			o.DisableForeignKeys = true
		}
		// journal_mode: DB is always WAL; busy_timeout: BusyTimeout above;
		// foreign_keys=1: the default.
	}
	db, err := asqlite.Open(bg, path, &o)
	if err != nil {
		return nil, err
	}
	return dbConn{db}, nil
}

func (d dbConn) Close() error { return d.db.Close() }

func (d dbConn) Exec(sql string, args ...any) error {
	_, err := d.db.Exec(bg, sql, args...)
	return err
}

func (d dbConn) QueryInt(sql string, args ...any) (int64, error) {
	var v int64
	err := d.db.QueryRow(bg, sql, args...).Scan(&v)
	return v, err
}

// Write runs fn on the writer with the binding: DB.Write is the DB's way
// to do many statements in one transaction.
func (d dbConn) Write(fn func(Writer) error) error {
	return d.db.Write(bg, func(c *sqlite.Conn) error { return fn(asqliteWriter{c}) })
}

func (d dbConn) query(sql string, args ...any) func(func(*asqlite.Row, error) bool) {
	return d.db.Query(bg, sql, args...)
}

func (d dbConn) FindUsers(sql string) ([]User, error) { return rowsFindUsers(d.query, sql) }

func (d dbConn) FindUsersArticlesComments(sql string, args ...any) ([]User, []Article, []Comment, error) {
	return rowsFindUAC(d.query, sql, args...)
}

func (d dbConn) Scan() (int, int64, error) { return rowsScan(d.query) }

type dbPoint struct{ db *asqlite.DB }

func (d dbConn) PrepPoint() (Point, error) { return dbPoint(d), nil }

func (p dbPoint) Get(id int64) (int64, error) { return rowPoint(p.db.QueryRow(bg, PointSQL, id), id) }

func (p dbPoint) Close() error { return nil }

// asyncLayer, for the layer workloads (layers.go): the queue is the
// writer's, the deadline a read's.

func (d dbConn) Block(started chan<- struct{}, release <-chan struct{}) error {
	return d.db.Write(bg, func(*sqlite.Conn) error {
		close(started)
		<-release
		return nil
	})
}

func (d dbConn) Queued(ctx context.Context) error {
	_, err := d.db.Exec(ctx, "SELECT 1")
	return err
}

func (d dbConn) Spin(ctx context.Context) error { return d.db.QueryRow(ctx, SpinSQL).Err() }

func (d dbConn) Stream(n int, f func(int)) error {
	i := 0
	for r, err := range d.db.Query(bg, ScanSQL+" LIMIT ?", n) {
		if err != nil {
			return err
		}
		_ = r.Int64(0)
		i++
		f(i)
	}
	return nil
}

// Stats reports the DB's counters, for the queue workload.
func (d dbConn) Stats() asqlite.Stats { return d.db.Stats() }
