package asqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// dbOpenTest opens a DB on a file of its own; it is closed, and checked for
// leaked goroutines, when the test ends.
func dbOpenTest(t testing.TB, o *Options) *DB {
	t.Helper()
	leaks := leakcheck.Check(t)
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		leaks()
	})
	return db
}

func dbMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// dbValue returns the first column of the first row of a query made
// through q (a DB or a Reader).
func dbValue(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) *Row
}, sql string, args ...any) (any, error) {
	row := q.QueryRow(ctx, sql, args...)
	if err := row.Err(); err != nil {
		return nil, err
	}
	return row.Value(0), nil
}

func dbCount(t testing.TB, db *DB, sql string, args ...any) int64 {
	t.Helper()
	v, err := dbValue(context.Background(), db, sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := v.(int64)
	if !ok {
		t.Fatalf("%s: got %T %v, want an integer", sql, v, v)
	}
	return n
}

// dbHold queues a write that blocks the writer until release is called, and
// returns once the writer is running it. Writes queued meanwhile wait
// behind it (and join its group), so a test can line them up
// deterministically. The held write's own outcome is checked at cleanup.
func dbHold(t testing.TB, db *DB) (release func()) {
	t.Helper()
	running := make(chan struct{})
	proceed := make(chan struct{})
	done := make(chan error, 1)
	var once, released sync.Once
	go func() {
		// The function may run again if its group fails: only the first
		// run waits.
		done <- db.Write(context.Background(), func(c *sqlite.Conn) error {
			once.Do(func() { close(running) })
			<-proceed
			return nil
		})
	}()
	<-running
	release = func() { released.Do(func() { close(proceed) }) }
	t.Cleanup(func() {
		release()
		if err := <-done; err != nil {
			t.Errorf("held write: %v", err)
		}
	})
	return release
}

// dbWaitQueued waits until n writes are queued.
func dbWaitQueued(t testing.TB, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for db.Stats().QueueDepth < n {
		if time.Now().After(deadline) {
			t.Fatalf("queue depth %d, want %d", db.Stats().QueueDepth, n)
		}
		runtime.Gosched()
	}
}

func TestDBExecAndReadBack(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	_, err := db.Exec(ctx, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
	dbMust(t, err)
	res, err := db.Exec(ctx, "INSERT INTO users(name) VALUES (?)", "ada")
	dbMust(t, err)
	if res.Changes != 1 || res.LastInsertRowID != 1 {
		t.Fatalf("result %+v, want 1 row, id 1", res)
	}
	res, err = db.ExecMany(ctx, "INSERT INTO users(name) VALUES (?)", [][]any{{"bob"}, {"cy"}})
	dbMust(t, err)
	if res.Changes != 2 || res.LastInsertRowID != 3 {
		t.Fatalf("ExecMany result %+v, want 2 rows, id 3", res)
	}
	res, err = db.Exec(ctx, "UPDATE users SET name = upper(name)")
	dbMust(t, err)
	if res.Changes != 3 || res.LastInsertRowID != 0 {
		t.Fatalf("update result %+v, want 3 rows, no insert", res)
	}
	rs, err := db.QueryRows(ctx, "SELECT id, name FROM users ORDER BY id")
	dbMust(t, err)
	if got := fmt.Sprint(rs.Columns, rs.Rows, rs.Truncated); got != "[id name] [[1 ADA] [2 BOB] [3 CY]] false" {
		t.Fatalf("rows: %s", got)
	}
	var names []string
	for row, err := range db.Query(ctx, "SELECT name FROM users WHERE id > ?", 1) {
		dbMust(t, err)
		names = append(names, row.Text(0))
	}
	if strings.Join(names, ",") != "BOB,CY" {
		t.Fatalf("Query yielded %v", names)
	}
}

// TestDBExecReportsAnInsertThatReusesTheLastRowid: an INSERT that gets the
// rowid the previous write got too (a DELETE or a rollback freed it) is
// still an insert, in a group or alone.
func TestDBExecReportsAnInsertThatReusesTheLastRowid(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	_, err := db.Exec(ctx, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
	dbMust(t, err)
	for i := range 3 {
		res, err := db.Exec(ctx, "INSERT INTO t(v) VALUES ('a')")
		dbMust(t, err)
		if res.LastInsertRowID != 1 {
			t.Fatalf("insert %d: result %+v, want rowid 1", i, res)
		}
		res, err = db.Exec(ctx, "DELETE FROM t WHERE id = 1")
		dbMust(t, err)
		if res.Changes != 1 || res.LastInsertRowID != 0 {
			t.Fatalf("delete %d: result %+v, want 1 change, no insert", i, res)
		}
	}
	err = db.Write(ctx, func(c *sqlite.Conn) error {
		if err := c.Exec("INSERT INTO t(v) VALUES ('b')"); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("the failing write succeeded")
	}
	res, err := db.Exec(ctx, "INSERT INTO t(v) VALUES ('c')")
	dbMust(t, err)
	if res.LastInsertRowID != 1 {
		t.Fatalf("after a rolled-back insert: result %+v, want rowid 1", res)
	}
}

func TestDBExecRunsScriptsAtomically(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	res, err := db.Exec(ctx, "CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (?); INSERT INTO t VALUES (?), (?)", 1, 2, 3)
	dbMust(t, err)
	if res.Changes != 2 || res.LastInsertRowID != 3 {
		t.Fatalf("result %+v, want the last statement's 2 changes and rowid 3", res)
	}
	_, err = db.Exec(ctx, "INSERT INTO t VALUES (10); INSERT INTO t VALUES (11); INSERT INTO t VALUES (1)")
	if !errors.Is(err, sqlite.ErrConstraintUnique) {
		t.Fatalf("got %v, want a unique constraint error", err)
	}
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 3 {
		t.Fatalf("%d rows: the failed script left some behind", n)
	}
	res, err = db.Exec(ctx, "SELECT * FROM t")
	dbMust(t, err)
	if res != (Result{}) {
		t.Fatalf("a query reports %+v, want nothing changed", res)
	}
}

func TestDBExecScriptRunsOutsideTransactions(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	dbMust(t, db.ExecScript(ctx, "CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (1)"))
	err := db.ExecScript(ctx, "INSERT INTO t VALUES (2); INSERT INTO t VALUES (1); INSERT INTO t VALUES (3)")
	if !errors.Is(err, sqlite.ErrConstraintUnique) {
		t.Fatalf("got %v, want a unique constraint error", err)
	}
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 2 {
		t.Fatalf("%d rows, want the statement before the failure applied", n)
	}
	// A script with its own transaction.
	dbMust(t, db.ExecScript(ctx, "BEGIN; INSERT INTO t VALUES (4); INSERT INTO t VALUES (5); COMMIT"))
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 4 {
		t.Fatalf("%d rows", n)
	}
}

func TestDBWriteFunctionErrorRollsBack(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	_, err := db.Exec(ctx, "CREATE TABLE t(x)")
	dbMust(t, err)
	boom := errors.New("boom")
	err = db.Write(ctx, func(c *sqlite.Conn) error {
		if err := c.Exec("INSERT INTO t VALUES (1)"); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("got %v, want the function's error", err)
	}
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("%d rows remain after the failed write", n)
	}
}

func TestDBWritePanicRollsBackAndRepanics(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	_, err := db.Exec(ctx, "CREATE TABLE t(x)")
	dbMust(t, err)
	func() {
		defer func() {
			if p := recover(); p != "oops" {
				t.Fatalf("recovered %v, want the write's panic", p)
			}
		}()
		db.Write(ctx, func(c *sqlite.Conn) error {
			c.Exec("INSERT INTO t VALUES (1)")
			panic("oops")
		})
	}()
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("%d rows remain after the panicking write", n)
	}
	_, err = db.Exec(ctx, "INSERT INTO t VALUES (2)")
	dbMust(t, err)
}

func TestDBWriteSeesItsOwnChanges(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	_, err := db.Exec(ctx, "CREATE TABLE t(x)")
	dbMust(t, err)
	dbMust(t, db.Write(ctx, func(c *sqlite.Conn) error {
		if err := c.Exec("INSERT INTO t VALUES (41)"); err != nil {
			return err
		}
		for s, err := range c.Query("SELECT x + 1 FROM t") {
			if err != nil {
				return err
			}
			if s.ColumnInt(0) != 42 {
				return fmt.Errorf("read %d inside the write", s.ColumnInt(0))
			}
		}
		return nil
	}))
}

func TestDBWriteRunsInImmediateTransaction(t *testing.T) {
	db := dbOpenTest(t, nil)
	dbMust(t, db.Write(context.Background(), func(c *sqlite.Conn) error {
		if c.AutoCommit() || c.TxnState("main") != sqlite.TxnWrite {
			return fmt.Errorf("autocommit %v, state %v: want a write transaction", c.AutoCommit(), c.TxnState("main"))
		}
		return nil
	}))
	dbMust(t, db.Writer(WriteOptions{NoTransaction: true}).Write(context.Background(), func(c *sqlite.Conn) error {
		if !c.AutoCommit() {
			return errors.New("a NoTransaction write runs in a transaction")
		}
		return nil
	}))
}

func TestDBNoTransactionRunsVacuum(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "VACUUM"); !errors.Is(err, sqlite.ErrError) {
		t.Fatalf("VACUUM in a transaction: got %v, want an error", err)
	}
	dbMust(t, db.ExecScript(ctx, "VACUUM"))
	_, err := db.Writer(WriteOptions{NoTransaction: true}).Exec(ctx, "VACUUM")
	dbMust(t, err)
	err = db.ExecScript(ctx, "BEGIN; CREATE TABLE t(x)")
	if err == nil || !strings.Contains(err.Error(), "left a transaction open") {
		t.Fatalf("got %v, want an error about the open transaction", err)
	}
	if n := dbCount(t, db, "SELECT count(*) FROM sqlite_schema WHERE name = 't'"); n != 0 {
		t.Fatal("the unfinished transaction was committed")
	}
}

func TestDBPragmaRunsOnTheWriter(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	v, err := db.Pragma(ctx, "user_version = 7")
	dbMust(t, err)
	if v != nil {
		t.Fatalf("setting returned %v", v)
	}
	v, err = db.Pragma(ctx, "user_version")
	dbMust(t, err)
	if v != int64(7) {
		t.Fatalf("user_version %v", v)
	}
	if n := dbCount(t, db, "PRAGMA user_version"); n != 7 {
		t.Fatalf("readers see user_version %d", n)
	}
	v, err = db.Pragma(ctx, "journal_mode")
	dbMust(t, err)
	if v != "wal" {
		t.Fatalf("journal_mode %v", v)
	}
}

func TestDBDefaults(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	want := map[string]int64{"foreign_keys": 1, "synchronous": 1, "journal_size_limit": 64 << 20}
	dbMust(t, db.Write(ctx, func(c *sqlite.Conn) error {
		if d := c.BusyTimeout(); d != 5*time.Second {
			t.Errorf("writer busy timeout %v", d)
		}
		for name, v := range want {
			for s, err := range c.Query("PRAGMA " + name) {
				if err != nil {
					return err
				}
				if got := s.ColumnInt64(0); got != v {
					t.Errorf("writer PRAGMA %s = %d, want %d", name, got, v)
				}
			}
		}
		return nil
	}))
	for s, err := range db.Query(ctx, "PRAGMA journal_mode") {
		dbMust(t, err)
		if s.Text(0) != "wal" {
			t.Errorf("journal_mode %s", s.Text(0))
		}
	}
	for s, err := range db.Query(ctx, "PRAGMA query_only") {
		dbMust(t, err)
		if s.Int(0) != 1 {
			t.Error("reader is not query_only")
		}
	}
	dbMust(t, db.Read(ctx, func(c *sqlite.Conn) error {
		if d := c.BusyTimeout(); d != 5*time.Second {
			t.Errorf("reader busy timeout %v", d)
		}
		return nil
	}))
	// Double-quoted strings are identifiers only, on every connection.
	if _, err := dbValue(ctx, db, `SELECT "no such column"`); !errors.Is(err, sqlite.ErrError) {
		t.Errorf("reader accepted a double-quoted string literal: %v", err)
	}
	if _, err := db.Exec(ctx, `CREATE TABLE t(x CHECK (x != "oops"))`); !errors.Is(err, sqlite.ErrError) {
		t.Errorf("writer accepted a double-quoted string literal: %v", err)
	}
}

func TestDBOptionsOverrideDefaults(t *testing.T) {
	db := dbOpenTest(t, &Options{Synchronous: sqlite.SyncFull, DisableForeignKeys: true, BusyTimeout: 250 * time.Millisecond, JournalSizeLimit: -1})
	want := map[string]int64{"foreign_keys": 0, "synchronous": 2, "journal_size_limit": -1}
	dbMust(t, db.Write(context.Background(), func(c *sqlite.Conn) error {
		if d := c.BusyTimeout(); d != 250*time.Millisecond {
			t.Errorf("busy timeout %v", d)
		}
		for name, v := range want {
			for s, err := range c.Query("PRAGMA " + name) {
				if err != nil {
					return err
				}
				if got := s.ColumnInt64(0); got != v {
					t.Errorf("PRAGMA %s = %d, want %d", name, got, v)
				}
			}
		}
		return nil
	}))
}

func TestDBReaderIsReadOnly(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	_, err := db.Exec(ctx, "CREATE TABLE t(x)")
	dbMust(t, err)
	err = db.Read(ctx, func(c *sqlite.Conn) error { return c.Exec("INSERT INTO t VALUES (1)") })
	if !errors.Is(err, sqlite.ErrReadOnly) {
		t.Fatalf("write on a reader: got %v, want SQLITE_READONLY", err)
	}
}

func TestDBReadersNeverWaitForTheWriter(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	_, err := db.Exec(ctx, "CREATE TABLE t(x)")
	dbMust(t, err)
	_, err = db.Exec(ctx, "INSERT INTO t VALUES (1)")
	dbMust(t, err)

	inside := make(chan struct{})
	finish := make(chan struct{})
	writeDone := make(chan error, 1)
	go func() {
		writeDone <- db.Write(ctx, func(c *sqlite.Conn) error {
			if err := c.Exec("INSERT INTO t VALUES (2)"); err != nil {
				return err
			}
			close(inside)
			<-finish // hold the write transaction open
			return nil
		})
	}()
	<-inside
	// The writer holds an open write transaction with an uncommitted row:
	// reads still run, and see the committed state.
	for range 3 {
		if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 1 {
			t.Fatalf("reader saw %d rows during the write, want the committed 1", n)
		}
	}
	close(finish)
	dbMust(t, <-writeDone)
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 2 {
		t.Fatalf("reader saw %d rows after the write, want 2", n)
	}
}

func TestDBMemoryReadersSeeTheWriter(t *testing.T) {
	leaks := leakcheck.Check(t)
	ctx := context.Background()
	db, err := Open(ctx, ":memory:", nil)
	dbMust(t, err)
	_, err = db.Exec(ctx, "CREATE TABLE t(x)")
	dbMust(t, err)
	_, err = db.Exec(ctx, "INSERT INTO t VALUES (7)")
	dbMust(t, err)
	for range 8 { // more reads than readers: every reader sees the data
		if n := dbCount(t, db, "SELECT sum(x) FROM t"); n != 7 {
			t.Fatalf("reader saw %d", n)
		}
	}
	dir := db.tmpDir
	dbMust(t, db.Close())
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the private database %s outlived Close: %v", dir, err)
	}
	leaks()
}

func TestDBReadOnlyRejectsWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ro.db")
	db, err := Open(ctx, path, nil)
	dbMust(t, err)
	_, err = db.Exec(ctx, "CREATE TABLE t(x); ")
	dbMust(t, err)
	_, err = db.Exec(ctx, "INSERT INTO t VALUES (5)")
	dbMust(t, err)
	dbMust(t, db.Close())

	for _, tc := range []struct {
		name, path string
		opts       *Options
	}{
		{"option", path, &Options{ReadOnly: true}},
		{"mode=ro", "file:" + path + "?mode=ro", nil},
		{"immutable", "file:" + path + "?immutable=1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := leakcheck.Check(t)
			db, err := Open(ctx, tc.path, tc.opts)
			dbMust(t, err)
			defer func() {
				dbMust(t, db.Close())
				leaks()
			}()
			if !db.ReadOnly() {
				t.Fatal("not read-only")
			}
			_, err = db.Exec(ctx, "INSERT INTO t VALUES (6)")
			if !errors.Is(err, ErrReadOnly) || !errors.Is(err, sqlite.ErrReadOnly) {
				t.Fatalf("write: got %v, want ErrReadOnly", err)
			}
			if n := dbCount(t, db, "SELECT sum(x) FROM t"); n != 5 {
				t.Fatalf("read %d", n)
			}
			if v, err := db.Pragma(ctx, "user_version"); err != nil || v != int64(0) {
				t.Fatalf("Pragma on a read-only DB: %v, %v", v, err)
			}
		})
	}
}

func TestDBUnwritableFileOpensReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes read-only files")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ro.db")
	db, err := Open(ctx, path, nil)
	dbMust(t, err)
	_, err = db.Exec(ctx, "CREATE TABLE t(x)")
	dbMust(t, err)
	dbMust(t, db.Close())
	dbMust(t, os.Chmod(path, 0o444))
	db, err = Open(ctx, path, nil)
	dbMust(t, err)
	defer db.Close()
	if _, err := db.Exec(ctx, "INSERT INTO t VALUES (1)"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("got %v, want ErrReadOnly", err)
	}
}

func TestDBOpenFailsClearly(t *testing.T) {
	leaks := leakcheck.Check(t)
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), nil)
	if !errors.Is(err, sqlite.ErrCantOpen) {
		t.Fatalf("got %v, want SQLITE_CANTOPEN", err)
	}
	notDB := filepath.Join(t.TempDir(), "text.db")
	dbMust(t, os.WriteFile(notDB, []byte(strings.Repeat("not a database ", 100)), 0o644))
	_, err = Open(context.Background(), notDB, nil)
	if !errors.Is(err, sqlite.ErrNotADB) {
		t.Fatalf("got %v, want SQLITE_NOTADB", err)
	}
	hookErr := errors.New("hook says no")
	_, err = Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), &Options{
		ConnectHook: func(*sqlite.Conn, bool) error { return hookErr },
	})
	if !errors.Is(err, hookErr) {
		t.Fatalf("got %v, want the hook's error", err)
	}
	leaks()
}

func TestDBConnectHookRunsOnEveryConnection(t *testing.T) {
	var mu sync.Mutex
	var readers, writers int
	db := dbOpenTest(t, &Options{Readers: 3, ConnectHook: func(c *sqlite.Conn, readOnly bool) error {
		mu.Lock()
		defer mu.Unlock()
		if readOnly {
			readers++
		} else {
			writers++
		}
		return nil
	}})
	dbMust(t, db.Writer(WriteOptions{Isolated: true}).Write(context.Background(), func(*sqlite.Conn) error { return nil }))
	mu.Lock()
	defer mu.Unlock()
	if readers != 3 || writers != 2 {
		t.Fatalf("hook ran on %d readers and %d writers, want 3 and 2 (writer, isolated)", readers, writers)
	}
}

func TestDBRegisterAppliesToAllConnections(t *testing.T) {
	db := dbOpenTest(t, &Options{Readers: 3})
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[*sqlite.Conn]bool{}
	dbMust(t, db.Register(ctx, func(c *sqlite.Conn) error {
		mu.Lock()
		defer mu.Unlock()
		seen[c] = true
		return c.Exec("PRAGMA cache_size = -4242")
	}))
	// Take every reader at once: each must have the registration.
	var wg sync.WaitGroup
	hold := make(chan struct{})
	for range 3 {
		wg.Go(func() {
			err := db.Read(ctx, func(c *sqlite.Conn) error {
				<-hold
				for s, err := range c.Query("PRAGMA cache_size") {
					if err != nil {
						return err
					}
					if s.ColumnInt(0) != -4242 {
						return errors.New("registration not applied")
					}
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	dbWaitReaders(t, db, 0)
	close(hold)
	wg.Wait()
	dbMust(t, db.Writer(WriteOptions{Isolated: true}).Write(ctx, func(c *sqlite.Conn) error {
		for s, err := range c.Query("PRAGMA cache_size") {
			if err != nil {
				return err
			}
			if s.ColumnInt(0) != -4242 {
				return errors.New("registration not applied")
			}
		}
		return nil
	}))
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 5 {
		t.Fatalf("registration ran on %d connections, want 5 (writer, 3 readers, isolated)", len(seen))
	}
}

// dbWaitReaders waits until exactly n readers are idle.
func dbWaitReaders(t testing.TB, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(db.readers) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle readers, want %d", len(db.readers), n)
		}
		runtime.Gosched()
	}
}

func TestDBIsolatedWriteUsesFreshConnection(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	var writer, iso *sqlite.Conn
	dbMust(t, db.Write(ctx, func(c *sqlite.Conn) error { writer = c; return c.Exec("CREATE TABLE t(x)") }))
	iw := db.Writer(WriteOptions{Isolated: true})
	dbMust(t, iw.Write(ctx, func(c *sqlite.Conn) error {
		iso = c
		return c.Exec("CREATE TEMP TABLE scratch(y); INSERT INTO t VALUES (1)")
	}))
	if iso == writer {
		t.Fatal("the isolated write ran on the writer")
	}
	// The isolated connection, with its temp table, is gone.
	dbMust(t, iw.Write(ctx, func(c *sqlite.Conn) error {
		return c.Exec("CREATE TEMP TABLE scratch(y)")
	}))
	if n := dbCount(t, db, "SELECT count(*) FROM t"); n != 1 {
		t.Fatalf("%d rows", n)
	}
	if db.Stats().Isolated != 2 {
		t.Fatalf("stats count %d isolated writes", db.Stats().Isolated)
	}
}

func TestDBIsolatedWritesAreSerialized(t *testing.T) {
	db := dbOpenTest(t, nil)
	ctx := context.Background()
	dbMust(t, db.ExecScript(ctx, "CREATE TABLE counter(n); INSERT INTO counter VALUES (0)"))
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			w := db.Writer(WriteOptions{Isolated: i%2 == 0})
			if _, err := w.Exec(ctx, "UPDATE counter SET n = n + 1"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := dbCount(t, db, "SELECT n FROM counter"); n != 40 {
		t.Fatalf("counter %d, want 40", n)
	}
}

func TestDBPrivateMemoryNames(t *testing.T) {
	for name, want := range map[string]bool{
		":memory:": true, "": true, "file::memory:": true, "file:x?mode=memory": true,
		"file::memory:?cache=shared": false, "file:/x?vfs=memdb": false, "x.db": false, "file:x.db?mode=ro": false,
	} {
		if got := dbPrivateMemory(name); got != want {
			t.Errorf("dbPrivateMemory(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDBSharedMemoryURIWorks(t *testing.T) {
	// A memdb database has no WAL: it keeps its rollback journal, and the
	// readers see what the writer committed.
	leaks := leakcheck.Check(t)
	ctx := context.Background()
	db, err := Open(ctx, "file:/asqlite-test-memdb?vfs=memdb", &Options{Readers: 2})
	dbMust(t, err)
	_, err = db.Exec(ctx, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)")
	dbMust(t, err)
	if n := dbCount(t, db, "SELECT sum(x) FROM t"); n != 3 {
		t.Fatalf("readers see %d", n)
	}
	v, err := db.Pragma(ctx, "journal_mode")
	dbMust(t, err)
	if v == "wal" {
		t.Fatal("memdb in WAL mode")
	}
	dbMust(t, db.Close())
	leaks()
}
