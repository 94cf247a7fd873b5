package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/driver"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// openFileDB opens a file database through a DSN with no tuning, which
// selects the DB mode.
func openFileDB(t *testing.T) *sql.DB {
	t.Helper()
	t.Cleanup(leakcheck.Check(t))
	db := openDB(t, filepath.Join(t.TempDir(), "app.db"))
	return db
}

// overDB opens an asqlite.DB and a sql.DB over it.
func overDB(t *testing.T) (*asqlite.DB, *sql.DB) {
	t.Helper()
	t.Cleanup(leakcheck.Check(t))
	adb, err := asqlite.Open(context.Background(), filepath.Join(t.TempDir(), "app.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(driver.NewDBConnector(adb))
	t.Cleanup(func() {
		db.Close()
		adb.Close()
	})
	return adb, db
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

func TestReadThenWriteTransactionsNeverFailWithoutTuning(t *testing.T) {
	db := openFileDB(t)
	mustExec(t, db, "CREATE TABLE counter(n INTEGER); INSERT INTO counter VALUES(0)")
	const goroutines, txs = 200, 10
	var failed atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range txs {
				err := func() error {
					tx, err := db.Begin()
					if err != nil {
						return err
					}
					defer tx.Rollback()
					var n int
					if err := tx.QueryRow("SELECT n FROM counter").Scan(&n); err != nil {
						return err
					}
					if _, err := tx.Exec("UPDATE counter SET n = ?", n+1); err != nil {
						return err
					}
					return tx.Commit()
				}()
				if err != nil {
					failed.Add(1)
					firstErr.Do(func() { t.Error(err) })
				}
			}
		})
	}
	wg.Wait()
	var n int
	if err := db.QueryRow("SELECT n FROM counter").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if failed.Load() != 0 || n != goroutines*txs {
		t.Errorf("%d transactions failed; counter %d, want %d", failed.Load(), n, goroutines*txs)
	}
}

func TestConcurrentIncrementsAreExact(t *testing.T) {
	for _, writers := range []int{200, 10000} {
		t.Run(fmt.Sprint(writers), func(t *testing.T) {
			db := openFileDB(t)
			mustExec(t, db, "CREATE TABLE test(id INTEGER PRIMARY KEY, value INTEGER); INSERT INTO test(value) VALUES(0)")
			errs := make(chan error, writers)
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					_, err := db.Exec("UPDATE test SET value = value + 1 WHERE id = 1")
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			var v int
			db.QueryRow("SELECT value FROM test WHERE id = 1").Scan(&v)
			if v != writers {
				t.Errorf("value %d, want %d", v, writers)
			}
		})
	}
}

func TestStressInsertsAndReads(t *testing.T) {
	db := openFileDB(t)
	mustExec(t, db, "CREATE TABLE stress_table(id INTEGER PRIMARY KEY, value TEXT)")
	const inserts, reads = 300, 300
	errs := make(chan error, 2*inserts+reads)
	var wg sync.WaitGroup
	read := func() {
		var n int
		errs <- db.QueryRow("SELECT COUNT(*) FROM stress_table").Scan(&n)
	}
	for i := range inserts {
		wg.Go(func() {
			_, err := db.Exec("INSERT INTO stress_table(value) VALUES(?)", fmt.Sprint("value_", i))
			errs <- err
		})
		if i%3 == 0 {
			wg.Go(read)
		}
	}
	for range reads {
		wg.Go(read)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	db.QueryRow("SELECT COUNT(*) FROM stress_table").Scan(&n)
	if n != inserts {
		t.Errorf("%d rows, want %d", n, inserts)
	}
}

func TestWritesOutsideTransactionsShareGroupCommits(t *testing.T) {
	adb, db := overDB(t)
	mustExec(t, db, "CREATE TABLE t(x)")
	before := adb.Stats()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			if _, err := db.Exec("INSERT INTO t VALUES(?)", i); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	after := adb.Stats()
	if w := after.BatchedWrites - before.BatchedWrites; w != 200 {
		t.Errorf("%d writes went through the queue, want 200", w)
	}
	if after.MaxBatch < 2 {
		t.Errorf("no two writes shared a commit (largest batch %d)", after.MaxBatch)
	}
}

func TestReadsGoToReadersWhileATransactionHoldsTheWriter(t *testing.T) {
	adb, db := overDB(t)
	mustExec(t, db, "CREATE TABLE t(x); INSERT INTO t VALUES(1)")
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("INSERT INTO t VALUES(2)"); err != nil {
		t.Fatal(err)
	}
	reads := adb.Stats().Reads
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("read beside the write transaction: %d (%v), want the committed 1", n, err)
	}
	if adb.Stats().Reads != reads+1 {
		t.Error("the query did not run on a reader")
	}
	rows, err := db.Query("SELECT x FROM t")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
}

func TestWriteTransactionIsSerializedWithQueuedWrites(t *testing.T) {
	adb, db := overDB(t)
	mustExec(t, db, "CREATE TABLE log(who TEXT)")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO log VALUES('tx')"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.Exec("INSERT INTO log VALUES('queued')")
		done <- err
	}()
	for adb.Stats().QueueDepth == 0 {
		runtime.Gosched()
	}
	select {
	case err := <-done:
		t.Fatalf("a queued write ran while the transaction held the writer: %v", err)
	default:
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var order []string
	rows, _ := db.Query("SELECT who FROM log ORDER BY rowid")
	for rows.Next() {
		var s string
		rows.Scan(&s)
		order = append(order, s)
	}
	rows.Close()
	if fmt.Sprint(order) != "[tx queued]" {
		t.Errorf("order %v", order)
	}
}

func TestBeginWaitsForTheWriterAsLongAsItsContext(t *testing.T) {
	_, db := overDB(t)
	mustExec(t, db, "CREATE TABLE t(x)")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := db.BeginTx(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("BeginTx while the writer is held: %v, want DeadlineExceeded", err)
	}
	// The same goroutine writing outside its own transaction waits for
	// itself: its context bounds the wait.
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES(1)"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write outside the open transaction: %v, want DeadlineExceeded", err)
	}
}

func TestReadOnlyTransactionSeesOneSnapshot(t *testing.T) {
	_, db := overDB(t)
	mustExec(t, db, "CREATE TABLE t(x); INSERT INTO t VALUES(1)")
	ro, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Rollback()
	mustExec(t, db, "INSERT INTO t VALUES(2)")
	var n int
	if err := ro.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("read-only transaction sees %d rows (%v), want the 1 of its start", n, err)
	}
	if _, err := ro.Exec("INSERT INTO t VALUES(3)"); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Errorf("write in a read-only transaction: %v, want SQLITE_READONLY", err)
	}
	if err := ro.Commit(); err != nil {
		t.Fatal(err)
	}
	db.QueryRow("SELECT count(*) FROM t").Scan(&n)
	if n != 2 {
		t.Errorf("after the read-only transaction: %d rows, want 2", n)
	}
}

func TestWriteTransactionRollsBackAndReadsItsOwnWrites(t *testing.T) {
	_, db := overDB(t)
	mustExec(t, db, "CREATE TABLE t(x)")
	tx, _ := db.Begin()
	tx.Exec("INSERT INTO t VALUES(1)")
	var n int
	if err := tx.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("transaction sees %d of its rows (%v)", n, err)
	}
	if _, err := tx.Exec("COMMIT"); err == nil {
		t.Error("COMMIT through Exec inside a transaction accepted")
	}
	if _, err := tx.Exec("SAVEPOINT s; INSERT INTO t VALUES(2); ROLLBACK TO s; RELEASE s"); err != nil {
		t.Errorf("savepoint inside a transaction: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	db.QueryRow("SELECT count(*) FROM t").Scan(&n)
	if n != 0 {
		t.Errorf("rolled back row visible: %d", n)
	}
	if err := tx.Commit(); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("commit after rollback: %v", err)
	}
}

func TestCancelledTransactionIsRolledBack(t *testing.T) {
	_, db := overDB(t)
	mustExec(t, db, "CREATE TABLE t(x)")
	ctx, cancel := context.WithCancel(context.Background())
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx.Exec("INSERT INTO t VALUES(1)")
	cancel()
	if err := tx.Commit(); err == nil {
		t.Error("commit of a cancelled transaction succeeded")
	}
	var n int
	db.QueryRow("SELECT count(*) FROM t").Scan(&n)
	if n != 0 {
		t.Errorf("%d rows of a cancelled transaction", n)
	}
	mustExec(t, db, "INSERT INTO t VALUES(2)")
}

func TestPreparedNamedConnAndRawInDBMode(t *testing.T) {
	adb, db := overDB(t)
	mustExec(t, db, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)")
	ins, err := db.Prepare("INSERT INTO t(name) VALUES(:name)")
	if err != nil {
		t.Fatal(err)
	}
	defer ins.Close()
	for _, name := range []string{"ada", "bob"} {
		res, err := ins.Exec(sql.Named("name", name))
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Errorf("RowsAffected %d", n)
		}
	}
	if _, err := db.Prepare("SELEKT 1"); err == nil {
		t.Error("bad SQL prepared")
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := tx.Prepare("SELECT name FROM t WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := sel.QueryRow(2).Scan(&name); err != nil || name != "bob" {
		t.Errorf("prepared in tx: %q (%v)", name, err)
	}
	tx.Commit()
	err = conn.Raw(func(c any) error {
		if c.(*driver.DBConn).DB() != adb {
			t.Error("Raw does not reach the DB")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.QueryRow("INSERT INTO t(name) VALUES('cy') RETURNING id").Scan(&id); err != nil || id != 3 {
		t.Errorf("INSERT RETURNING through Query: %d (%v)", id, err)
	}
	if _, err := db.Exec("PRAGMA user_version = 7"); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != 7 {
		t.Errorf("user_version %d (%v)", v, err)
	}
	if _, err := db.Exec("VACUUM"); err != nil {
		t.Errorf("VACUUM: %v", err)
	}
}

func TestDSNSettingsReachEveryConnection(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	dsn := filepath.Join(t.TempDir(), "p.db") + "?_pragma=cache_size(-4000)&_sync=full&_readers=2"
	db := openDB(t, dsn)
	db.SetMaxOpenConns(4)
	ctx := context.Background()
	conns := make([]*sql.Conn, 4)
	for i := range conns {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	for _, c := range conns {
		var size int
		if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&size); err != nil || size != -4000 {
			t.Errorf("cache_size %d (%v)", size, err)
		}
		c.Close()
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Raw(func(c any) error {
		adb := c.(*driver.DBConn).DB()
		if sync, err := adb.Pragma(ctx, "synchronous"); err != nil || sync != int64(2) {
			t.Errorf("writer's synchronous %v (%v), want 2 (FULL)", sync, err)
		}
		if cache, err := adb.Pragma(ctx, "cache_size"); err != nil || cache != int64(-4000) {
			t.Errorf("writer's cache_size %v (%v)", cache, err)
		}
		if n := adb.Stats().Readers; n != 2 {
			t.Errorf("%d readers, want 2", n)
		}
		return nil
	})
	for _, bad := range []string{"x.db?_sync=sometimes", "x.db?_readers=0", "x.db?_read_limit=0", "x.db?_mode=pool"} {
		if _, err := sql.Open(driver.Name, bad); err == nil {
			t.Errorf("DSN %q accepted", bad)
		}
	}
}

func TestMemoryDatabaseInDBModeIsSharedByEveryConnection(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db := openDB(t, ":memory:?_mode=db")
	mustExec(t, db, "CREATE TABLE t(x); INSERT INTO t VALUES(1)")
	ctx := context.Background()
	c1, _ := db.Conn(ctx)
	c2, _ := db.Conn(ctx)
	defer c1.Close()
	defer c2.Close()
	for _, c := range []*sql.Conn{c1, c2} {
		var n int
		if err := c.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
			t.Errorf("connection sees %d rows (%v)", n, err)
		}
	}
}

func TestRowsInBatchesAndCancelledIteration(t *testing.T) {
	_, db := overDB(t)
	mustExec(t, db, "CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 1000) INSERT INTO t SELECT i FROM c")
	for _, ro := range []bool{false, true} {
		tx, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: ro})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []interface {
			Query(string, ...any) (*sql.Rows, error)
		}{db, tx} {
			rows, err := q.Query("SELECT x FROM t ORDER BY x")
			if err != nil {
				t.Fatal(err)
			}
			sum, n := 0, 0
			for rows.Next() {
				var x int
				rows.Scan(&x)
				sum += x
				n++
			}
			if err := rows.Err(); err != nil || n != 1000 || sum != 500500 {
				t.Errorf("%d rows, sum %d (%v)", n, sum, err)
			}
		}
		tx.Rollback()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows, err := db.QueryContext(ctx, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c) SELECT i FROM c")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		if n++; n == 100 {
			cancel()
		}
	}
	if err := rows.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("rows.Err() = %v after cancel, want context.Canceled", err)
	}
	rows.Close()
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil {
		t.Errorf("query after a cancelled one: %v", err)
	}
}

func TestReadTimeLimitAppliesToQueriesAndReadOnlyTransactions(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db := openDB(t, filepath.Join(t.TempDir(), "l.db")+"?_read_limit=30ms")
	const forever = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c) SELECT count(*) FROM c"
	if err := db.QueryRow(forever).Scan(new(int)); !errors.Is(err, asqlite.ErrTimeLimit) {
		t.Errorf("query: %v, want ErrTimeLimit", err)
	}
	tx, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.QueryRow(forever).Scan(new(int)); !errors.Is(err, asqlite.ErrTimeLimit) {
		t.Errorf("read-only transaction: %v, want ErrTimeLimit", err)
	}
	// Writes have no time limit but their context.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	if _, err := db.ExecContext(ctx, forever); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, asqlite.ErrTimeLimit) {
		t.Errorf("write: %v, want only DeadlineExceeded", err)
	}
}

func TestTransactionInAFailedGroupReportsNothingApplied(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	ctx := context.Background()
	// A long group delay keeps the transaction and the queued write in one
	// group transaction, which SQLite rolls back as a whole when the
	// write's INSERT is interrupted: the DB then runs each write again
	// alone, which a database/sql transaction cannot be.
	adb, err := asqlite.Open(ctx, filepath.Join(t.TempDir(), "g.db"), &asqlite.Options{MaxBatchDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	db := sql.OpenDB(driver.NewDBConnector(adb))
	defer db.Close()
	mustExec(t, db, "CREATE TABLE t(x); CREATE TABLE big(i)")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO t VALUES(1)"); err != nil {
		t.Fatal(err)
	}
	bad := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := adb.Exec(ctx, "INSERT INTO big WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c) SELECT i FROM c")
		bad <- err
	}()
	for adb.Stats().QueueDepth == 0 {
		runtime.Gosched()
	}
	commitErr := tx.Commit()
	if err := <-bad; err == nil {
		t.Error("the endless INSERT succeeded")
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if commitErr == nil && n != 1 || commitErr != nil && n != 0 {
		t.Errorf("Commit said %v, yet the table holds %d rows", commitErr, n)
	}
	t.Logf("commit: %v; group failures %d", commitErr, adb.Stats().GroupFailures)
}

func TestReadOnlyDatabaseRefusesWrites(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	path := filepath.Join(t.TempDir(), "ro.db")
	rw := openDB(t, path)
	mustExec(t, rw, "CREATE TABLE t(x); INSERT INTO t VALUES(1)")
	rw.Close()
	db := openDB(t, "file:"+path+"?mode=ro")
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("read: %d (%v)", n, err)
	}
	if _, err := db.Exec("INSERT INTO t VALUES(2)"); !errors.Is(err, asqlite.ErrReadOnly) {
		t.Errorf("write: %v, want ErrReadOnly", err)
	}
	if _, err := db.Begin(); !errors.Is(err, asqlite.ErrReadOnly) {
		t.Errorf("read-write transaction: %v, want ErrReadOnly", err)
	}
}

func TestRollbackToSavepointAcrossLinesInsideTransaction(t *testing.T) {
	_, db := overDB(t)
	mustExec(t, db, "CREATE TABLE t(x)")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tx.Exec("INSERT INTO t VALUES(1)")
	if _, err := tx.Exec("SAVEPOINT a"); err != nil {
		t.Fatal(err)
	}
	tx.Exec("INSERT INTO t VALUES(2)")
	for _, q := range []string{"ROLLBACK\nTO a", "rollback\ttransaction\nto savepoint a", "ROLLBACK /* undo */ TO a"} {
		if _, err := tx.Exec(q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	if _, err := tx.Exec("ROLLBACK\nTRANSACTION"); err == nil {
		t.Error("ROLLBACK TRANSACTION through Exec inside a transaction accepted")
	}
	if _, err := tx.Exec("RELEASE a"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow("SELECT sum(x) FROM t").Scan(&n)
	if n != 1 {
		t.Errorf("sum %d, want 1: the savepoint's row survived or the first was lost", n)
	}
}

// A transaction or rows left open must not keep sql.DB.Close waiting: the
// sql.DB's Close ends them, as closing the connections does in other
// drivers.
func TestCloseEndsTransactionsAndRowsLeftOpen(t *testing.T) {
	for _, left := range []string{"write tx", "read tx", "rows"} {
		t.Run(left, func(t *testing.T) {
			t.Cleanup(leakcheck.Check(t))
			db, err := sql.Open(driver.Name, filepath.Join(t.TempDir(), "app.db"))
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, db, "CREATE TABLE t(x); INSERT INTO t VALUES(1),(2),(3),(4)")
			var tx *sql.Tx
			var rows *sql.Rows
			switch left {
			case "write tx":
				tx, err = db.Begin()
				if err == nil {
					_, err = tx.Exec("INSERT INTO t VALUES(5)")
				}
			case "read tx":
				tx, err = db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
				if err == nil {
					err = tx.QueryRow("SELECT count(*) FROM t").Scan(new(int))
				}
			case "rows":
				rows, err = db.Query("SELECT x FROM t")
				if err == nil && !rows.Next() {
					err = rows.Err()
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if tx != nil {
				if err := tx.QueryRow("SELECT count(*) FROM t").Scan(new(int)); err == nil {
					t.Error("transaction read after the sql.DB closed")
				}
				if err := tx.Commit(); err == nil && left == "write tx" {
					t.Error("transaction committed after the sql.DB closed")
				}
			}
			if rows != nil {
				for rows.Next() {
				}
				rows.Close()
			}
		})
	}
}

// Over a DB of the program's, closing the sql.DB ends what it left open,
// so that the program can close its DB.
func TestCloseOverProgramsDBEndsTransactionLeftOpen(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	adb, err := asqlite.Open(context.Background(), filepath.Join(t.TempDir(), "app.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(driver.NewDBConnector(adb))
	mustExec(t, db, "CREATE TABLE t(x)")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	tx.Exec("INSERT INTO t VALUES(1)")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := adb.Exec(context.Background(), "INSERT INTO t VALUES(2)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := adb.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d rows (%v), want the program's only", n, err)
	}
	if err := adb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil {
		t.Error("transaction committed after the sql.DB closed")
	}
}

// Statements that cannot run inside a transaction, queried for their rows
// (PRAGMA wal_checkpoint answers one), run on the writer outside its
// transactions, as Exec runs them.
func TestQueryOfStatementsOutsideTransactions(t *testing.T) {
	db := openFileDB(t)
	mustExec(t, db, "CREATE TABLE t(x); INSERT INTO t VALUES(1)")
	var busy, log, done int
	if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
		t.Fatalf("wal_checkpoint: %v", err)
	}
	if busy != 0 {
		t.Errorf("wal_checkpoint busy = %d", busy)
	}
	rows, err := db.Query("VACUUM")
	if err != nil {
		t.Fatalf("VACUUM: %v", err)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode = WAL").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q (%v)", mode, err)
	}
}

// A query inside the loop over another query's rows, in more goroutines
// than there are readers, must not wait forever for a reader that the
// outer rows hold: rows parked between calls give their reader up,
// reading what is left of them into memory, when a query finds no reader
// idle.
func TestNestedQueriesInMoreGoroutinesThanReaders(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db := openDB(t, filepath.Join(t.TempDir(), "app.db")+"?_readers=2")
	mustExec(t, db, "CREATE TABLE t(x)")
	mustExec(t, db, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 200) INSERT INTO t SELECT i FROM c")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			rows, err := db.QueryContext(ctx, "SELECT x FROM t ORDER BY x")
			if err != nil {
				errs <- err
				return
			}
			defer rows.Close()
			sum, want := 0, 0
			for rows.Next() {
				var x, n int
				if err := rows.Scan(&x); err != nil {
					errs <- err
					return
				}
				sum += x
				want += len(fmt.Sprint(x))
				if err := db.QueryRowContext(ctx, "SELECT length(?)", x).Scan(&n); err != nil {
					errs <- err
					return
				}
				want -= n
			}
			if err := rows.Err(); err != nil {
				errs <- err
				return
			}
			if sum != 200*201/2 || want != 0 {
				errs <- fmt.Errorf("sum %d, length mismatch %d", sum, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Closing the sql.DB while goroutines write, query, run transactions and
// ping returns, and so does every goroutine.
func TestCloseWhileWorkRuns(t *testing.T) {
	for round := range 5 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			t.Cleanup(leakcheck.Check(t))
			db, err := sql.Open(driver.Name, filepath.Join(t.TempDir(), "app.db")+"?_readers=2")
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, db, "CREATE TABLE t(x); INSERT INTO t VALUES(1),(2),(3)")
			var started, wg sync.WaitGroup
			for g := range 30 {
				started.Add(1)
				wg.Go(func() {
					first := true
					for {
						switch g % 3 {
						case 0:
							db.Exec("INSERT INTO t VALUES(1)")
						case 1:
							if rows, err := db.Query("SELECT x FROM t"); err == nil {
								for rows.Next() {
									db.QueryRow("SELECT count(*) FROM t").Scan(new(int))
								}
								rows.Close()
							}
						case 2:
							if tx, err := db.Begin(); err == nil {
								tx.Exec("INSERT INTO t VALUES(2)")
								tx.Commit()
							}
						}
						if first {
							started.Done()
							first = false
						}
						if db.Ping() != nil {
							return
						}
					}
				})
			}
			started.Wait()
			if err := db.Close(); err != nil {
				t.Error(err)
			}
			wg.Wait()
		})
	}
}

// Two queries' rows open at once on one sql.Conn share its reader: the
// end of one does not end the other.
func TestTwoRowsOpenOnOneConn(t *testing.T) {
	db := openFileDB(t)
	mustExec(t, db, "CREATE TABLE t(x)")
	mustExec(t, db, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 300) INSERT INTO t SELECT i FROM c")
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, order := range []string{"first then second", "interleaved"} {
		r1, err := conn.QueryContext(ctx, "SELECT x FROM t ORDER BY x")
		if err != nil {
			t.Fatal(err)
		}
		r2, err := conn.QueryContext(ctx, "SELECT x FROM t ORDER BY x DESC")
		if err != nil {
			t.Fatal(err)
		}
		sum := func(rows *sql.Rows, all bool) int {
			s := 0
			for rows.Next() {
				var x int
				rows.Scan(&x)
				s += x
				if !all {
					break
				}
			}
			return s
		}
		s1, s2 := 0, 0
		if order == "interleaved" {
			for range 300 {
				s1 += sum(r1, false)
				s2 += sum(r2, false)
			}
		}
		s1 += sum(r1, true)
		s2 += sum(r2, true)
		for i, r := range []*sql.Rows{r1, r2} {
			if err := r.Err(); err != nil {
				t.Errorf("%s: rows %d: %v", order, i+1, err)
			}
			r.Close()
		}
		if s1 != 45150 || s2 != 45150 {
			t.Errorf("%s: sums %d and %d, want 45150", order, s1, s2)
		}
	}
}

// TestLastInsertIdOfAnInsertThatReusesARowid: in DB mode an INSERT whose
// rowid the previous insert had too (freed by a DELETE) reports it, as
// SQLite's last_insert_rowid does.
func TestLastInsertIdOfAnInsertThatReusesARowid(t *testing.T) {
	db := openFileDB(t)
	mustExec(t, db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
	for i := range 2 {
		res, err := db.Exec("INSERT INTO t(v) VALUES ('a')")
		if err != nil {
			t.Fatal(err)
		}
		if id, err := res.LastInsertId(); err != nil || id != 1 {
			t.Fatalf("insert %d: LastInsertId %d, %v; want 1", i, id, err)
		}
		mustExec(t, db, "DELETE FROM t WHERE id = 1")
	}
}

// TestScriptThatEndsItsTransactionIsAnError: a COMMIT hidden in a script run
// in a transaction ends it; the script's Exec and the Rollback that follows
// say so, and the connection serves on.
func TestScriptThatEndsItsTransactionIsAnError(t *testing.T) {
	db := openFileDB(t)
	mustExec(t, db, "CREATE TABLE c(n INTEGER)")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO c VALUES (100); COMMIT"); err == nil {
		t.Fatal("a script ending its transaction succeeded")
	}
	if err := tx.Rollback(); err == nil {
		t.Fatal("Rollback of a transaction its SQL ended succeeded")
	}
	mustExec(t, db, "INSERT INTO c VALUES (1)")
	var n int
	if err := db.QueryRow("SELECT count(*) FROM c").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d rows, want 2 (the COMMIT applied the insert before it)", n)
	}

	// Conn mode says so too, for scripts and queries, also when the SQL
	// began another transaction after, which is rolled back.
	cdb := openDB(t, filepath.Join(t.TempDir(), "conn.db")+"?_mode=conn")
	mustExec(t, cdb, "CREATE TABLE c(n INTEGER)")
	for _, end := range []func(*sql.Tx) error{(*sql.Tx).Rollback, (*sql.Tx).Commit} {
		for _, run := range []func(*sql.Tx) error{
			func(tx *sql.Tx) error { _, err := tx.Exec("INSERT INTO c VALUES (100); COMMIT"); return err },
			func(tx *sql.Tx) error {
				_, err := tx.Exec("INSERT INTO c VALUES (100); COMMIT; BEGIN; INSERT INTO c VALUES (200)")
				return err
			},
			func(tx *sql.Tx) error {
				if _, err := tx.Exec("INSERT INTO c VALUES (100)"); err != nil {
					return nil
				}
				rows, err := tx.Query("COMMIT")
				if err == nil {
					rows.Close()
				}
				return err
			},
		} {
			tx, err := cdb.Begin()
			if err != nil {
				t.Fatal(err)
			}
			if err := run(tx); err == nil {
				t.Fatal("conn mode: SQL ending its transaction succeeded")
			}
			if _, err := tx.Exec("INSERT INTO c VALUES (300)"); err == nil {
				t.Fatal("conn mode: a statement after the transaction ended ran")
			}
			if err := end(tx); err == nil {
				t.Fatal("conn mode: ending a transaction its SQL ended succeeded")
			}
		}
	}
	var got int
	if err := cdb.QueryRow("SELECT count(*) FROM c WHERE n <> 100").Scan(&got); err != nil || got != 0 {
		t.Fatalf("conn mode: %d rows the transactions' SQL should not have kept (err %v)", got, err)
	}
	tx, err = cdb.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO c VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("conn mode: a plain Rollback after: %v", err)
	}
}

// TestTransactionsSQLiteRolledBack: after SQLite rolls a transaction back
// on an error (INSERT OR ROLLBACK), a statement in it fails rather than
// commit by itself, Rollback succeeds and Commit fails, in both modes; a
// script that commits and begins anew leaves only what it committed.
func TestTransactionsSQLiteRolledBack(t *testing.T) {
	for _, mode := range []string{"db", "conn"} {
		t.Run(mode, func(t *testing.T) {
			db := openDB(t, filepath.Join(t.TempDir(), "r.db")+"?_mode="+mode)
			mustExec(t, db, "CREATE TABLE t(v TEXT UNIQUE); INSERT INTO t VALUES ('a')")
			for _, commit := range []bool{false, true} {
				tx, err := db.Begin()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tx.Exec("INSERT INTO t VALUES ('b')"); err != nil {
					t.Fatal(err)
				}
				if _, err := tx.Exec("INSERT OR ROLLBACK INTO t VALUES ('a')"); err == nil {
					t.Fatal("the duplicate was inserted")
				}
				if _, err := tx.Exec("INSERT INTO t VALUES ('c')"); err == nil {
					t.Fatal("a statement after SQLite's rollback ran")
				}
				if commit {
					if err := tx.Commit(); err == nil {
						t.Fatal("Commit of a rolled back transaction succeeded")
					}
				} else if err := tx.Rollback(); err != nil {
					t.Fatalf("Rollback: %v", err)
				}
			}
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec("INSERT INTO t VALUES ('d'); COMMIT; BEGIN; INSERT INTO t VALUES ('e')"); err == nil {
				t.Fatal("a script that ended its transaction and began another succeeded")
			}
			tx.Rollback()
			var got string
			if err := db.QueryRow("SELECT group_concat(v, ',') FROM (SELECT v FROM t ORDER BY v)").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != "a,d" {
				t.Fatalf("rows %s, want a,d", got)
			}
		})
	}
}
