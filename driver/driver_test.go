package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asqlite/asqlite/driver"
	"github.com/asqlite/asqlite/sqlite"
)

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver.Name, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestExecQueryNamedAndPositional(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	res, err := db.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB); INSERT INTO t(name, score, data) VALUES(?, ?, ?)", "ada", 9.5, []byte{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := res.LastInsertId(); id != 1 {
		t.Errorf("LastInsertId %d", id)
	}
	if _, err := db.Exec("INSERT INTO t(name, score) VALUES(:name, @score)", sql.Named("name", "bob"), sql.Named("score", 7)); err != nil {
		t.Fatal(err)
	}
	var name string
	var score float64
	var data []byte
	if err := db.QueryRow("SELECT name, score, data FROM t WHERE id = $id", sql.Named("id", 1)).Scan(&name, &score, &data); err != nil {
		t.Fatal(err)
	}
	if name != "ada" || score != 9.5 || string(data) != "\x01\x02" {
		t.Errorf("got %q %v %v", name, score, data)
	}
	res, err = db.Exec("UPDATE t SET score = score + 1")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 2 {
		t.Errorf("RowsAffected %d", n)
	}
	if err := db.QueryRow("SELECT name FROM t WHERE id = 99").Scan(&name); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("got %v, want sql.ErrNoRows", err)
	}
}

func TestPreparedStatementReuse(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t(x)")
	ins, err := db.Prepare("INSERT INTO t VALUES(?)")
	if err != nil {
		t.Fatal(err)
	}
	defer ins.Close()
	for i := range 10 {
		if _, err := ins.Exec(i); err != nil {
			t.Fatal(err)
		}
	}
	q, err := db.Prepare("SELECT x FROM t WHERE x >= ? ORDER BY x")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for range 2 {
		rows, err := q.Query(7)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for rows.Next() {
			var x int
			rows.Scan(&x)
			got = append(got, x)
		}
		rows.Close()
		if len(got) != 3 || got[0] != 7 {
			t.Errorf("got %v", got)
		}
	}
}

func TestTransactionsCommitAndRollback(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t(x)")
	tx, _ := db.Begin()
	tx.Exec("INSERT INTO t VALUES(1)")
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	tx, _ = db.BeginTx(context.Background(), &sql.TxOptions{Isolation: sql.LevelSerializable})
	tx.Exec("INSERT INTO t VALUES(2)")
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow("SELECT sum(x) FROM t").Scan(&n)
	if n != 2 {
		t.Errorf("sum %d, want 2", n)
	}
	if _, err := db.BeginTx(context.Background(), &sql.TxOptions{Isolation: sql.IsolationLevel(99)}); err == nil {
		t.Error("unknown isolation level accepted")
	}
}

func TestReadOnlyTransactionRejectsWrites(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t(x)")
	tx, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec("INSERT INTO t VALUES(1)")
	if !errors.Is(err, sqlite.ErrReadOnly) {
		t.Errorf("write in read-only tx: %v, want ErrReadOnly", err)
	}
	tx.Rollback()
	if _, err := db.Exec("INSERT INTO t VALUES(1)"); err != nil {
		t.Errorf("connection stayed read-only: %v", err)
	}
}

func TestContextCancelInterruptsQuery(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows, err := db.QueryContext(ctx, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c) SELECT i FROM c")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
		if n == 100 {
			cancel()
		}
	}
	if err := rows.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("rows.Err() = %v, want context.Canceled", err)
	}
	rows.Close()
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("connection unusable after cancel: %v", err)
	}
}

func TestDeadlineInterruptsLongExec(t *testing.T) {
	db := openDB(t, ":memory:")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := db.ExecContext(ctx, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c) SELECT count(*) FROM c")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
}

func TestRawGivesSQLiteConn(t *testing.T) {
	db := openDB(t, ":memory:")
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(c any) error {
		raw := c.(*driver.Conn).Raw()
		return raw.Exec("CREATE TABLE viaraw(x)")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "INSERT INTO viaraw VALUES(1)"); err != nil {
		t.Fatal(err)
	}
}

func TestTimeRoundTripAndScanTypes(t *testing.T) {
	for _, f := range []string{"text", "unix", "unixmilli", "julian"} {
		t.Run(f, func(t *testing.T) {
			db := openDB(t, "file:times?mode=memory&_timefmt="+f)
			db.SetMaxOpenConns(1)
			db.Exec("CREATE TABLE ev(at DATETIME, n INTEGER, s TEXT)")
			when := time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)
			if _, err := db.Exec("INSERT INTO ev VALUES(?, 1, 'x')", when); err != nil {
				t.Fatal(err)
			}
			var got time.Time
			if err := db.QueryRow("SELECT at FROM ev").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got.Sub(when).Abs() > time.Millisecond {
				t.Errorf("got %v, want %v", got, when)
			}
			rows, _ := db.Query("SELECT at, n, s FROM ev")
			types, _ := rows.ColumnTypes()
			rows.Close()
			if types[0].DatabaseTypeName() != "DATETIME" || types[1].ScanType().Kind().String() != "int64" || types[2].ScanType().Kind().String() != "string" {
				t.Errorf("column types %v %v %v", types[0].DatabaseTypeName(), types[1].ScanType(), types[2].ScanType())
			}
		})
	}
}

func TestDSNParameters(t *testing.T) {
	db := openDB(t, "file:"+filepath.Join(t.TempDir(), "p.db")+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(1000)&_txlock=immediate")
	var fk int
	if err := db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys %d (%v)", fk, err)
	}
	for _, bad := range []string{"x.db?_txlock=sometimes", "x.db?_pragma=a;DROP TABLE t", "x.db?_nope=1", "x.db?_timefmt=roman"} {
		db, err := sql.Open(driver.Name, bad)
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "asqlite driver") {
			t.Errorf("DSN %q: got %v, want a driver error", bad, err)
		}
	}
}

func TestConcurrentWritersWithBusyTimeout(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=journal_mode(wal)&_pragma=busy_timeout(10000)&_txlock=immediate"
	db := openDB(t, dsn)
	if _, err := db.Exec("CREATE TABLE counter(n); INSERT INTO counter VALUES(0)"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			tx, err := db.Begin()
			if err != nil {
				errs <- err
				return
			}
			if _, err := tx.Exec("UPDATE counter SET n = n + 1"); err != nil {
				tx.Rollback()
				errs <- err
				return
			}
			errs <- tx.Commit()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	db.QueryRow("SELECT n FROM counter").Scan(&n)
	if n != 20 {
		t.Errorf("counter %d, want 20", n)
	}
}

func TestConnectorInitRunsOnEveryConnection(t *testing.T) {
	calls := 0
	c, err := driver.NewConnector(":memory:", func(conn *sqlite.Conn) error {
		calls++
		return conn.Exec("CREATE TEMP TABLE setup(x)")
	})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.Exec("INSERT INTO setup VALUES(1)"); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("init ran %d times", calls)
	}
}

func TestBadArgumentsAreErrors(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t(x)")
	if _, err := db.Exec("INSERT INTO t VALUES(?)", uint64(1)<<63); err == nil {
		t.Error("uint64 overflow accepted")
	}
	if _, err := db.Exec("INSERT INTO t VALUES(?)"); err == nil {
		t.Error("missing argument accepted")
	}
	if _, err := db.Exec("INSERT INTO t VALUES(:v)", sql.Named("w", 1)); err == nil {
		t.Error("wrong named argument accepted")
	}
	if _, err := db.Exec("INSERT INTO t VALUES(?)", make(chan int)); err == nil {
		t.Error("channel accepted")
	}
	if _, err := db.Query("SELECT 1; SELECT 2"); err == nil {
		t.Error("two statements accepted by Query")
	}
}
