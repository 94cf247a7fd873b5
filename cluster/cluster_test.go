package cluster

import (
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// openNode runs a one-node cluster in the test's process.
func openNode(t *testing.T, o *Options) *DB {
	t.Helper()
	t.Cleanup(leakcheck.Check(t))
	if o == nil {
		o = &Options{}
	}
	o.Dir, o.Address = t.TempDir(), freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := Open(ctx, "test", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestExecQueryOnOneNode(t *testing.T) {
	db := openNode(t, nil)
	ctx := context.Background()
	if db.Address() != db.opts.Address || db.Name() != "test" {
		t.Fatalf("Address %q, Name %q", db.Address(), db.Name())
	}
	if err := db.ExecScript(ctx, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, at DATETIME, ok BOOLEAN, data BLOB)"); err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(ctx, "INSERT INTO t(name, at, ok, data) VALUES(?, '2024-01-02 03:04:05', 1, ?)", "one", []byte{0, 1})
	if err != nil || res.LastInsertRowID != 1 || res.Changes != 1 {
		t.Fatalf("Exec = %+v, %v", res, err)
	}
	res, err = db.ExecMany(ctx, "INSERT INTO t(name) VALUES(?)", [][]any{{"two"}, {"three"}})
	if err != nil || res.LastInsertRowID != 3 || res.Changes != 2 {
		t.Fatalf("ExecMany = %+v, %v", res, err)
	}
	var (
		name string
		at   string
		ok   bool
		data []byte
	)
	if err := db.QueryRow(ctx, "SELECT name, at, ok, data FROM t WHERE id = 1").Scan(&name, &at, &ok, &data); err != nil {
		t.Fatal(err)
	}
	if name != "one" || !ok || string(data) != "\x00\x01" || at[:19] != "2024-01-02 03:04:05" {
		t.Fatalf("got %q %q %v %q", name, at, ok, data)
	}
	n := 0
	for r, err := range db.Query(ctx, "SELECT name FROM t ORDER BY id") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		_ = r.Text(0)
	}
	if n != 3 {
		t.Fatalf("Query yielded %d rows", n)
	}
	if r := db.QueryRow(ctx, "SELECT 1 FROM t WHERE id = 99"); !errors.Is(r.Err(), asqlite.ErrNoRows) {
		t.Fatalf("missing row: %v", r.Err())
	}
	if _, err := db.Exec(ctx, "INSERT INTO t(id) VALUES(1)"); !errors.Is(err, sqlite.ErrConstraint) {
		t.Fatalf("duplicate key: %v", err)
	}
	if _, err := db.Exec(ctx, "SELEC 1"); !errors.Is(err, sqlite.ErrError) {
		t.Fatalf("syntax error: %v", err)
	}
}

func TestQueryRowsCapsRows(t *testing.T) {
	db := openNode(t, &Options{MaxRows: 2})
	ctx := context.Background()
	rs, err := db.QueryRows(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5) SELECT x FROM c")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Rows) != 2 || !rs.Truncated || rs.Columns[0] != "x" || rs.Rows[1][0] != int64(2) {
		t.Fatalf("got %+v", rs)
	}
}

func TestFailingWriteRollsBackAloneInItsGroup(t *testing.T) {
	db := openNode(t, nil)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE t(k INTEGER PRIMARY KEY); INSERT INTO t VALUES(-1)"); err != nil {
		t.Fatal(err)
	}
	// Many concurrent writers, every tenth failing on a duplicate key after
	// inserting a row: the others must all commit, and none of those rows.
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Go(func() {
			if i%10 == 0 {
				_, errs[i] = db.Exec(ctx, "INSERT INTO t VALUES(?); INSERT INTO t VALUES(-1)", 1000+i)
			} else {
				errs[i] = db.Write(ctx, func(tx *Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO t VALUES(?)", i)
					return err
				})
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if (i%10 == 0) != errors.Is(err, sqlite.ErrConstraint) || (i%10 != 0 && err != nil) {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	var n, big int
	if err := db.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE k >= 1000) FROM t WHERE k >= 0").Scan(&n, &big); err != nil {
		t.Fatal(err)
	}
	if n != 180 || big != 0 {
		t.Fatalf("%d rows, %d of failed writes", n, big)
	}
}

func TestWriteFunctionErrorAndPanicRollBack(t *testing.T) {
	db := openNode(t, nil)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE t(k)"); err != nil {
		t.Fatal(err)
	}
	mine := errors.New("mine")
	err := db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO t VALUES(1)"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
			t.Errorf("own write not seen: %d %v", n, err)
		}
		return mine
	})
	if !errors.Is(err, mine) {
		t.Fatalf("Write = %v", err)
	}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v", p)
			}
		}()
		db.Write(ctx, func(tx *Tx) error {
			tx.Exec(ctx, "INSERT INTO t VALUES(2)")
			panic("boom")
		})
	}()
	var leaked *Tx
	if err := db.Write(ctx, func(tx *Tx) error { leaked = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := leaked.Exec(ctx, "INSERT INTO t VALUES(3)"); !errors.Is(err, asqlite.ErrTxDone) {
		t.Fatalf("Tx after its block: %v", err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows left, %v", n, err)
	}
}

func TestUnsupportedFeaturesAreRefused(t *testing.T) {
	db := openNode(t, nil)
	ctx := context.Background()
	var ue *UnsupportedError
	checks := map[string]error{
		"Register": db.Register(ctx, func(*sqlite.Conn) error { return nil }),
		"Read":     db.Read(ctx, func(*sqlite.Conn) error { return nil }),
	}
	_, checks["named argument"] = db.Exec(ctx, "SELECT :a", sqlite.Named(":a", 1))
	for what, err := range checks {
		if !errors.As(err, &ue) {
			t.Errorf("%s: %v", what, err)
		}
	}
}

func TestClosedDBRefusesCalls(t *testing.T) {
	db := openNode(t, nil)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE t(k)"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, "INSERT INTO t VALUES(1)"); !errors.Is(err, asqlite.ErrClosed) {
		t.Fatalf("Exec after Close: %v", err)
	}
	if r := db.QueryRow(ctx, "SELECT 1"); !errors.Is(r.Err(), asqlite.ErrClosed) {
		t.Fatalf("QueryRow after Close: %v", r.Err())
	}
}

func TestCancelledQueuedWriteReturns(t *testing.T) {
	db := openNode(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.Exec(ctx, "SELECT 1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Exec = %v", err)
	}
}

func TestTwoClientsWritingAtOnceNeverSeeLocked(t *testing.T) {
	node := openNode(t, nil)
	ctx := context.Background()
	if _, err := node.Exec(ctx, "CREATE TABLE t(k INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, "test", &Options{Cluster: []string{node.opts.Address}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		db := node
		if g%2 == 1 {
			db = other
		}
		wg.Go(func() {
			for i := range 20 {
				if _, err := db.Exec(ctx, "INSERT INTO t VALUES(?)", g*1000+i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := other.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 64*20 {
		t.Fatalf("%d rows, %v", n, err)
	}
}

func TestVersionCheck(t *testing.T) {
	if err := checkLocalVersion(); err != nil {
		t.Fatal(err)
	}
	if err := versionError("x", "3.35.5"); err == nil || !strings.Contains(err.Error(), "-tags libsqlite3") {
		t.Fatalf("3.35.5: %v", err)
	}
	if err := versionError("x", "3.40.1"); err != nil {
		t.Fatal(err)
	}
}

// The leader lost while committing, simulated: the first COMMIT is applied
// but its answer lost, the second never reaches the leader. The writer must
// find the first committed (and not run it again) and run the second again.
func TestUnknownCommitOutcomeIsLookedUpNotRepeated(t *testing.T) {
	calls := 0
	commitHook = func(send func() error) error {
		calls++
		switch calls {
		case 1:
			if err := send(); err != nil {
				return err
			}
			return sqldriver.ErrBadConn
		case 2:
			return sqldriver.ErrBadConn
		}
		return send()
	}
	t.Cleanup(func() { commitHook = nil })
	db := openNode(t, nil)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "CREATE TABLE t(k)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, "INSERT INTO t VALUES(1)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows, %v", n, err)
	}
	st := db.Stats()
	if calls != 3 || st.OutcomeChecks != 2 || st.FoundCommitted != 1 || st.Writes != 2 {
		t.Fatalf("%d COMMITs, stats %+v", calls, st)
	}
}

func TestNilContextIsMisuse(t *testing.T) {
	db := openNode(t, nil)
	var none context.Context
	if _, err := db.Exec(none, "SELECT 1"); !errors.Is(err, sqlite.ErrMisuse) {
		t.Errorf("Exec: %v", err)
	}
	if r := db.QueryRow(none, "SELECT 1"); !errors.Is(r.Err(), sqlite.ErrMisuse) {
		t.Errorf("QueryRow: %v", r.Err())
	}
	err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec(none, "SELECT 1")
		return err
	})
	if !errors.Is(err, sqlite.ErrMisuse) {
		t.Errorf("Tx.Exec: %v", err)
	}
}
