package asqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/asqlite/asqlite/internal/leakcheck"

	"github.com/asqlite/asqlite/sqlite"
)

// whoModule is an eponymous virtual table with one row: the request ID in
// the context of the call scanning it.
type whoModule struct{}

func (whoModule) Connect(c *sqlite.Conn, _ sqlite.ModuleArgs) (sqlite.VTab, error) {
	return whoTable{c}, c.DeclareVTab("CREATE TABLE x(who TEXT)")
}

type whoTable struct{ c *sqlite.Conn }

func (whoTable) BestIndex(info *sqlite.IndexInfo) error { info.EstimatedCost = 1; return nil }
func (t whoTable) Open() (sqlite.VTabCursor, error)     { return &whoCursor{c: t.c}, nil }

type whoCursor struct {
	c    *sqlite.Conn
	who  string
	done bool
}

func (w *whoCursor) Filter(int, string, []sqlite.Value) error {
	w.who, _ = w.c.Context().Value(ctxKey{}).(string)
	w.done = false
	return nil
}
func (w *whoCursor) Next() error           { w.done = true; return nil }
func (w *whoCursor) EOF() bool             { return w.done }
func (w *whoCursor) RowID() (int64, error) { return 1, nil }
func (w *whoCursor) Close() error          { return nil }
func (w *whoCursor) Column(fc *sqlite.FuncContext, _ int) error {
	fc.ResultText(w.who)
	return nil
}

func TestVirtualTableSeesTriggeringCallsContext(t *testing.T) {
	c := openTest(t, nil)
	mustRun(t, c, func(sc *sqlite.Conn) error { return sc.CreateEponymousModule("who", whoModule{}) })
	for _, caller := range []string{"alice", "bob"} {
		ctx := context.WithValue(context.Background(), ctxKey{}, caller)
		var got string
		if err := c.QueryRow(ctx, "SELECT who FROM who").Scan(&got); err != nil || got != caller {
			t.Fatalf("virtual table saw %q (%v), want %q", got, err, caller)
		}
	}
}

func TestBackupFromConnToPlainConnection(t *testing.T) {
	c := openTest(t, nil)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
	plain, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	// The plain connection is used by this goroutine only, and by the
	// worker only while Run waits for it.
	if err := c.Run(ctx, func(sc *sqlite.Conn) error { return sc.BackupTo(ctx, plain, nil) }); err != nil {
		t.Fatal(err)
	}
	var n int64
	for s, err := range plain.Query("SELECT count(*) FROM t") {
		if err != nil {
			t.Fatal(err)
		}
		n = s.ColumnInt64(0)
	}
	if n != 3 {
		t.Fatalf("backup holds %d rows", n)
	}
}

func TestWriteDuringIterationCommitsAtOnce(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	path := filepath.Join(t.TempDir(), "x.db")
	ctx := context.Background()
	a, err := OpenConn(ctx, path, &ConnOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenConn(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustExec(t, a, "CREATE TABLE t(x); CREATE TABLE log(x); INSERT INTO t VALUES (1), (2), (3), (4), (5)")
	seen := -1
	for row, err := range a.Query(ctx, "SELECT x FROM t") {
		if err != nil {
			t.Fatal(err)
		}
		if row.Int64(0) == 1 {
			mustExec(t, a, "INSERT INTO log VALUES (1)")
			seen = count(t, b, "log") // another connection
		}
	}
	if seen != 1 {
		t.Fatalf("another connection saw %d rows of the write made during the iteration, want 1", seen)
	}
}
