package driver_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/asqlite/asqlite/driver"
	"github.com/asqlite/asqlite/sqlite"
)

func columnsOf(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string) []string {
	t.Helper()
	rows, err := q.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		dest := make([]any, len(cols))
		for i := range dest {
			dest[i] = new(any)
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols
}

func TestColumnsFollowSchemaChangesOnTheSameConnection(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE t(a); INSERT INTO t VALUES(1)"); err != nil {
		t.Fatal(err)
	}
	if got := columnsOf(t, db, "SELECT * FROM t"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("columns %v", got)
	}
	if _, err := db.Exec("ALTER TABLE t ADD COLUMN b"); err != nil {
		t.Fatal(err)
	}
	if got := columnsOf(t, db, "SELECT * FROM t"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("columns after ALTER TABLE: %v, want [a b]", got)
	}
}

func TestColumnsFollowSchemaChangesByAnotherConnection(t *testing.T) {
	for _, mode := range []string{"db", "conn"} {
		t.Run(mode, func(t *testing.T) { testColumnsFollowSchemaChangesByAnotherConnection(t, mode) })
	}
}

func testColumnsFollowSchemaChangesByAnotherConnection(t *testing.T, mode string) {
	path := filepath.Join(t.TempDir(), "s.db") + "?_mode=" + mode
	reader := openDB(t, path)
	reader.SetMaxOpenConns(1)
	other := openDB(t, path)
	if _, err := other.Exec("CREATE TABLE t(a)"); err != nil {
		t.Fatal(err)
	}
	stmt, err := reader.Prepare("SELECT * FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	if got := columnsOf(t, stmt2q{stmt}, ""); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("columns %v", got)
	}
	if got := columnsOf(t, reader, "SELECT * FROM t"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("columns %v", got)
	}
	if _, err := other.Exec("ALTER TABLE t ADD COLUMN b; INSERT INTO t VALUES(1, 2)"); err != nil {
		t.Fatal(err)
	}
	if got := columnsOf(t, reader, "SELECT * FROM t"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("cached statement: columns %v, want [a b]", got)
	}
	if got := columnsOf(t, stmt2q{stmt}, ""); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("prepared statement: columns %v, want [a b]", got)
	}
}

// stmt2q lets a prepared statement stand where columnsOf wants a Query method.
type stmt2q struct{ s *sql.Stmt }

func (q stmt2q) Query(_ string, args ...any) (*sql.Rows, error) { return q.s.Query(args...) }

type panickingValuer struct{}

func (panickingValuer) Value() (sqldriver.Value, error) { panic("valuer broke") }

func TestPanickingValuerFailsTheStatement(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t(x)")
	if _, err := db.Exec("INSERT INTO t VALUES(?)", panickingValuer{}); err == nil {
		t.Error("a panicking Valuer was accepted")
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Errorf("rows stored: %d (%v), want 0", n, err)
	}
}

func TestNilPointerValuerIsNull(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t(x)")
	var v *valueValuer
	if _, err := db.Exec("INSERT INTO t VALUES(?)", v); err != nil {
		t.Fatal(err)
	}
	var got any = 1
	if err := db.QueryRow("SELECT x FROM t").Scan(&got); err != nil || got != nil {
		t.Errorf("got %v (%v), want NULL", got, err)
	}
}

type valueValuer struct{ n int64 }

func (v valueValuer) Value() (sqldriver.Value, error) { return v.n, nil }

func TestDefaultBusyTimeoutWaitsForTheLock(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "b.db")+"?_mode=conn")
	db.Exec("CREATE TABLE t(x)")
	ctx := context.Background()
	holder, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer holder.ExecContext(ctx, "ROLLBACK")
	other, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	// Without a busy timeout the INSERT fails at once with SQLITE_BUSY;
	// with one it waits, here until its context's deadline.
	wait, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := other.ExecContext(wait, "INSERT INTO t VALUES(1)"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("INSERT while the database is locked: %v, want a wait ended by the context", err)
	}
}

func TestBusyTimeoutFromTheDSN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	db := openDB(t, path+"?_mode=conn&_busy_timeout=0")
	db.Exec("CREATE TABLE t(x)")
	ctx := context.Background()
	holder, _ := db.Conn(ctx)
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer holder.ExecContext(ctx, "ROLLBACK")
	other, _ := db.Conn(ctx)
	defer other.Close()
	if _, err := other.ExecContext(ctx, "INSERT INTO t VALUES(1)"); !errors.Is(err, sqlite.ErrBusy) {
		t.Errorf("with _busy_timeout=0: %v, want SQLITE_BUSY at once", err)
	}
	ctx2, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	db2 := openDB(t, path+"?_mode=conn&_busy_timeout=1h")
	if _, err := db2.ExecContext(ctx2, "INSERT INTO t VALUES(1)"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the busy wait ignored the context: %v", err)
	}
	if _, err := sql.Open(driver.Name, path+"?_busy_timeout=soon"); err == nil {
		t.Error("bad _busy_timeout accepted")
	}
}

func TestErrorJSONCarriesPrimaryAndExtendedCodes(t *testing.T) {
	for _, dsn := range []string{":memory:", filepath.Join(t.TempDir(), "e.db")} {
		t.Run(filepath.Base(dsn), func(t *testing.T) { testErrorJSON(t, dsn) })
	}
}

func testErrorJSON(t *testing.T, dsn string) {
	db := openDB(t, dsn)
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t(x UNIQUE)")
	db.Exec("INSERT INTO t VALUES(1)")
	_, err := db.Exec("INSERT INTO t VALUES(1)")
	if err == nil {
		t.Fatal("duplicate accepted")
	}
	b, jerr := json.Marshal(err)
	if jerr != nil {
		t.Fatal(jerr)
	}
	var got struct{ Code, ExtendedCode int }
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Code != 19 || got.ExtendedCode != 2067 {
		t.Errorf("JSON %s: want Code 19 and ExtendedCode 2067", b)
	}
}

func TestBooleanColumnsScanAsBool(t *testing.T) {
	db := openDB(t, ":memory:")
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t(b BOOLEAN, n INTEGER); INSERT INTO t VALUES(1, 1), (0, 0), (NULL, NULL)")
	rows, err := db.Query("SELECT b, n FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, _ := rows.ColumnTypes()
	if k := types[0].ScanType().Kind().String(); k != "bool" {
		t.Errorf("BOOLEAN scan type %s", k)
	}
	var got []any
	for rows.Next() {
		var b, n any
		if err := rows.Scan(&b, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, b, n)
	}
	want := []any{true, int64(1), false, int64(0), nil, nil}
	if !slices.Equal(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestNilContextIsAnError(t *testing.T) {
	db := openDB(t, ":memory:")
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(c any) error {
		dc := c.(*driver.Conn)
		//lint:ignore SA1012 a nil context is what this test is about
		if _, err := dc.QueryContext(nil, "SELECT 1", nil); err == nil {
			t.Error("QueryContext accepted a nil context")
		}
		//lint:ignore SA1012 a nil context is what this test is about
		if _, err := dc.ExecContext(nil, "SELECT 1", nil); err == nil {
			t.Error("ExecContext accepted a nil context")
		}
		//lint:ignore SA1012 a nil context is what this test is about
		if _, err := dc.PrepareContext(nil, "SELECT 1"); err == nil {
			t.Error("PrepareContext accepted a nil context")
		}
		//lint:ignore SA1012 a nil context is what this test is about
		if _, err := dc.BeginTx(nil, sqldriver.TxOptions{}); err == nil {
			t.Error("BeginTx accepted a nil context")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNilContextIsAnErrorInDBMode(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "n.db"))
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(c any) error {
		dc := c.(*driver.DBConn)
		//lint:ignore SA1012 a nil context is what this test is about
		if _, err := dc.QueryContext(nil, "SELECT 1", nil); !errors.Is(err, driver.ErrNilContext) {
			t.Errorf("QueryContext: %v", err)
		}
		//lint:ignore SA1012 a nil context is what this test is about
		if _, err := dc.ExecContext(nil, "SELECT 1", nil); !errors.Is(err, driver.ErrNilContext) {
			t.Errorf("ExecContext: %v", err)
		}
		//lint:ignore SA1012 a nil context is what this test is about
		if _, err := dc.PrepareContext(nil, "SELECT 1"); !errors.Is(err, driver.ErrNilContext) {
			t.Errorf("PrepareContext: %v", err)
		}
		//lint:ignore SA1012 a nil context is what this test is about
		if _, err := dc.BeginTx(nil, sqldriver.TxOptions{}); !errors.Is(err, driver.ErrNilContext) {
			t.Errorf("BeginTx: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
