package sqlite_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// openMem opens a private in-memory database closed at the end of the test.
func openMem(t testing.TB) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// openFile opens (creating) a database file in the test's temporary directory.
func openFile(t testing.TB, name string, flags sqlite.OpenFlags) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(filepath.Join(t.TempDir(), name), flags)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustExec(t testing.TB, c *sqlite.Conn, sql string, args ...any) {
	t.Helper()
	if err := c.Exec(sql, args...); err != nil {
		t.Fatalf("Exec(%q): %v", sql, err)
	}
}

// queryInt runs a query returning a single integer.
func queryInt(t testing.TB, c *sqlite.Conn, sql string, args ...any) int64 {
	t.Helper()
	var v int64
	n := 0
	for row, err := range c.Query(sql, args...) {
		if err != nil {
			t.Fatalf("Query(%q): %v", sql, err)
		}
		v = row.ColumnInt64(0)
		n++
	}
	if n != 1 {
		t.Fatalf("Query(%q): %d rows, want 1", sql, n)
	}
	return v
}

func wantCode(t testing.TB, err error, code sqlite.ErrorCode) *sqlite.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", code)
	}
	var e *sqlite.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *sqlite.Error", err, err)
	}
	if !errors.Is(err, code) {
		t.Fatalf("error %v has code %v, want %v", err, e.Code, code)
	}
	return e
}

func TestOpenMemoryIsPrivate(t *testing.T) {
	a, b := openMem(t), openMem(t)
	mustExec(t, a, "CREATE TABLE t(x)")
	if err := b.Exec("SELECT * FROM t"); err == nil {
		t.Fatal("a second :memory: connection sees the first one's table")
	}
	if got := a.Filename(""); got != "" {
		t.Errorf("Filename of :memory: = %q, want empty", got)
	}
}

func TestOpenSharedMemorySeenByTwoConns(t *testing.T) {
	name := "file:" + t.Name() + "?mode=memory&cache=shared"
	a, err := sqlite.Open(name, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(name, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustExec(t, a, "CREATE TABLE t(x); INSERT INTO t VALUES (42)")
	if got := queryInt(t, b, "SELECT x FROM t"); got != 42 {
		t.Fatalf("second connection read %d, want 42", got)
	}
}

func TestOpenURIReadOnlyRejectsWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.db")
	w, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, w, "CREATE TABLE t(x); INSERT INTO t VALUES (1)")
	w.Close()

	r, err := sqlite.Open("file:"+path+"?mode=ro", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.ReadOnly("main") {
		t.Error("ReadOnly(main) = false for mode=ro")
	}
	if got := queryInt(t, r, "SELECT x FROM t"); got != 1 {
		t.Fatalf("read %d, want 1", got)
	}
	wantCode(t, r.Exec("INSERT INTO t VALUES (2)"), sqlite.ErrReadOnly)
}

func TestOpenReadOnlyFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.db")
	w, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, w, "CREATE TABLE t(x)")
	w.Close()
	r, err := sqlite.Open(path, sqlite.OpenReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wantCode(t, r.Exec("INSERT INTO t VALUES (2)"), sqlite.ErrReadOnly)
}

func TestOpenReadOnlyMissingFileFails(t *testing.T) {
	_, err := sqlite.Open(filepath.Join(t.TempDir(), "absent.db"), sqlite.OpenReadOnly)
	wantCode(t, err, sqlite.ErrCantOpen)
}

func TestOpenMissingDirectoryIsCantOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")
	c, err := sqlite.Open(path, 0)
	if c != nil {
		t.Error("Open returned a connection with its error")
	}
	e := wantCode(t, err, sqlite.ErrCantOpen)
	if e.Msg == "" {
		t.Error("error has no message")
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "text.db")
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte('a' + i%26)
	}
	if err := os.WriteFile(path, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := sqlite.Open(path, 0)
	if err != nil {
		wantCode(t, err, sqlite.ErrNotADB)
		return
	}
	defer c.Close()
	wantCode(t, c.Exec("SELECT * FROM sqlite_schema"), sqlite.ErrNotADB)
}

func TestCorruptFileIsAnErrorNotACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "corrupt.db")
	c, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "PRAGMA page_size=1024; CREATE TABLE t(x TEXT); CREATE INDEX tx ON t(x)")
	mustExec(t, c, `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 200)
		INSERT INTO t SELECT printf('%d-some padding text to fill pages', i) FROM r`)
	c.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over every page after the schema page.
	for i := 1024 + 100; i < len(data); i += 7 {
		data[i] ^= 0x5a
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var errs []error
	errs = append(errs, c.Exec("SELECT count(*), max(x) FROM t"))
	errs = append(errs, c.Exec("INSERT INTO t VALUES ('z')"))
	for row, err := range c.Query("PRAGMA integrity_check") {
		if err != nil {
			errs = append(errs, err)
			break
		}
		if row.ColumnText(0) != "ok" {
			errs = append(errs, errors.New(row.ColumnText(0)))
		}
	}
	failed := false
	for _, err := range errs {
		if err == nil {
			continue
		}
		failed = true
		var e *sqlite.Error
		if errors.As(err, &e) && !errors.Is(err, sqlite.ErrCorrupt) && !errors.Is(err, sqlite.ErrNotADB) {
			t.Errorf("corruption reported as %v", err)
		}
	}
	if !failed {
		t.Fatal("no operation noticed the corruption")
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	var nilConn *sqlite.Conn
	if err := nilConn.Close(); err != nil {
		t.Fatalf("Close of nil Conn: %v", err)
	}
}

func TestCloseFinalizesStatements(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)")
	s, err := c.Prepare("SELECT x FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	cached, err := c.Prep("SELECT x + 1 FROM t")
	if err != nil {
		t.Fatal(err)
	}
	// Close must succeed although a statement is mid-run and another is
	// handed out by the cache.
	if err := c.Close(); err != nil {
		t.Fatalf("Close with open statements: %v", err)
	}
	if _, err := s.Step(); !errors.Is(err, sqlite.ErrClosed) {
		t.Fatalf("Step after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Stmt.Close after Conn.Close: %v", err)
	}
	if err := cached.Close(); err != nil {
		t.Fatalf("cached Stmt.Close after Conn.Close: %v", err)
	}
}

func TestClosedConnMethodsReportErrClosed(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, sqlite.ErrClosed) || !errors.Is(err, sqlite.ErrMisuse) {
			t.Errorf("%s on closed Conn: %v, want ErrClosed and ErrMisuse", name, err)
		}
	}
	_, err = c.Prepare("SELECT 1")
	check("Prepare", err)
	_, _, err = c.PrepareTail("SELECT 1", 0)
	check("PrepareTail", err)
	_, err = c.Prep("SELECT 1")
	check("Prep", err)
	check("Exec", c.Exec("SELECT 1"))
	check("Tx", c.Tx(sqlite.Deferred, func() error { return nil }))
	n := 0
	for _, err := range c.Query("SELECT 1") {
		check("Query", err)
		n++
	}
	if n != 1 {
		t.Errorf("Query on closed Conn yielded %d times, want 1", n)
	}
	// Methods without an error result answer harmlessly.
	c.SetContext(context.Background())
	c.Interrupt()
	c.SetCacheSize(3)
	_ = c.Changes() + c.TotalChanges() + c.LastInsertRowID()
	c.SetLastInsertRowID(1)
	_ = c.AutoCommit()
	_ = c.TxnState("main")
	_ = c.Filename("")
	_ = c.ReadOnly("")
}

func TestChangesAndLastInsertRowID(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(id INTEGER PRIMARY KEY, x)")
	mustExec(t, c, "INSERT INTO t(x) VALUES (1), (2), (3)")
	if got := c.Changes(); got != 3 {
		t.Errorf("Changes after 3-row insert = %d", got)
	}
	if got := c.LastInsertRowID(); got != 3 {
		t.Errorf("LastInsertRowID = %d, want 3", got)
	}
	mustExec(t, c, "INSERT INTO t(id, x) VALUES (100, 4)")
	if got := c.LastInsertRowID(); got != 100 {
		t.Errorf("LastInsertRowID = %d, want 100", got)
	}
	mustExec(t, c, "UPDATE t SET x = x + 1 WHERE id < 3")
	if got := c.Changes(); got != 2 {
		t.Errorf("Changes after update = %d, want 2", got)
	}
	if got := c.TotalChanges(); got != 6 {
		t.Errorf("TotalChanges = %d, want 6", got)
	}
	c.SetLastInsertRowID(0)
	mustExec(t, c, "UPDATE t SET x = 0")
	if got := c.LastInsertRowID(); got != 0 {
		t.Errorf("LastInsertRowID after SetLastInsertRowID(0) and an update = %d, want 0", got)
	}
	mustExec(t, c, "DELETE FROM t WHERE id = 100")
	mustExec(t, c, "INSERT INTO t(x) VALUES (5)")
	if got := c.LastInsertRowID(); got != 4 {
		t.Errorf("LastInsertRowID = %d, want 4", got)
	}
}

func TestAutoCommitAndTxnState(t *testing.T) {
	c := openFile(t, "txn.db", 0)
	mustExec(t, c, "CREATE TABLE t(x)")
	if !c.AutoCommit() || c.TxnState("") != sqlite.TxnNone {
		t.Fatalf("fresh conn: AutoCommit=%v TxnState=%v", c.AutoCommit(), c.TxnState(""))
	}
	mustExec(t, c, "BEGIN")
	if c.AutoCommit() {
		t.Error("AutoCommit true inside BEGIN")
	}
	if got := c.TxnState("main"); got != sqlite.TxnNone {
		t.Errorf("deferred BEGIN before any read: TxnState = %v", got)
	}
	mustExec(t, c, "SELECT * FROM t")
	if got := c.TxnState("main"); got != sqlite.TxnRead {
		t.Errorf("after read: TxnState = %v, want TxnRead", got)
	}
	mustExec(t, c, "INSERT INTO t VALUES (1)")
	if got := c.TxnState("main"); got != sqlite.TxnWrite {
		t.Errorf("after write: TxnState = %v, want TxnWrite", got)
	}
	if got := c.TxnState("nosuch"); got != -1 {
		t.Errorf("TxnState(nosuch) = %v, want -1", got)
	}
	mustExec(t, c, "COMMIT")
	if !c.AutoCommit() {
		t.Error("AutoCommit false after COMMIT")
	}
}

func TestFilenameOfFileDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.db")
	c, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := c.Filename("main")
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		path = filepath.Join(real, "f.db")
	}
	if got != path {
		t.Errorf("Filename = %q, want %q", got, path)
	}
	if c.ReadOnly("") {
		t.Error("ReadOnly = true for a read-write database")
	}
}

func TestVersion(t *testing.T) {
	c := openMem(t)
	var v string
	for row, err := range c.Query("SELECT sqlite_version()") {
		if err != nil {
			t.Fatal(err)
		}
		v = row.ColumnText(0)
	}
	if v != sqlite.Version() {
		t.Errorf("Version() = %q, engine says %q", sqlite.Version(), v)
	}
}

// slowQuery counts to a billion in a recursive CTE: far longer than any test
// waits, so only an interrupt ends it.
const slowQuery = `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 1000000000)
	SELECT count(*) FROM r`

func TestSetContextCancelInterruptsQuery(t *testing.T) {
	c := openMem(t)
	ctx, cancel := context.WithCancel(context.Background())
	c.SetContext(ctx)
	defer c.SetContext(context.Background())

	s, err := c.Prepare(slowQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The query runs for seconds; the cancel lands while it runs (or, on a
	// very slow machine, before it starts, which must fail the same way).
	stop := time.AfterFunc(10*time.Millisecond, cancel)
	defer stop.Stop()
	_, err = s.Step()
	e := wantCode(t, err, sqlite.ErrInterrupt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v does not wrap context.Canceled", err)
	}
	if e.SQL == "" {
		t.Error("interrupt error does not name its SQL")
	}

	c.SetContext(context.Background())
	if got := queryInt(t, c, "SELECT 6*7"); got != 42 {
		t.Fatalf("after interrupt: %d", got)
	}
}

func TestSetContextDeadlineInterruptsQuery(t *testing.T) {
	c := openMem(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	c.SetContext(ctx)
	err := c.Exec(slowQuery)
	wantCode(t, err, sqlite.ErrInterrupt)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v does not wrap context.DeadlineExceeded", err)
	}
	c.SetContext(context.Background())
	mustExec(t, c, "SELECT 1")
}

func TestEndedContextPreventsStep(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.SetContext(ctx)
	err := c.Exec("INSERT INTO t VALUES (1)")
	wantCode(t, err, sqlite.ErrInterrupt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v does not wrap context.Canceled", err)
	}
	c.SetContext(context.Background())
	if n := queryInt(t, c, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("the insert ran under an ended context: %d rows", n)
	}
}

func TestSetContextNilMeansBackground(t *testing.T) {
	c := openMem(t)
	//lint:ignore SA1012 nil is documented to mean context.Background()
	c.SetContext(nil)
	if c.Context() != context.Background() {
		t.Error("SetContext(nil) did not install context.Background()")
	}
	mustExec(t, c, "SELECT 1")
}

func TestReplacedContextNeverInterruptsLaterWork(t *testing.T) {
	c := openMem(t)
	ctx, cancel := context.WithCancel(context.Background())
	c.SetContext(ctx)
	mustExec(t, c, "SELECT 1")
	if old := c.SetContext(context.Background()); old != ctx {
		t.Fatal("SetContext did not return the previous context")
	}
	cancel()
	// A late interrupt would hit this query; it must count to the end.
	got := queryInt(t, c, `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 5000)
		SELECT count(*) FROM r`)
	if got != 5000 {
		t.Fatalf("count = %d", got)
	}
}

func TestInterruptFromAnotherGoroutine(t *testing.T) {
	c := openMem(t)
	done := make(chan error, 1)
	s, err := c.Prepare(slowQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	go func() {
		_, err := s.Step()
		done <- err
	}()
	// Interrupt until the step returns: an interrupt that lands before the
	// statement starts is cleared by it, so one call alone could be lost.
	for {
		c.Interrupt()
		select {
		case err := <-done:
			wantCode(t, err, sqlite.ErrInterrupt)
			return
		case <-time.After(time.Millisecond):
		}
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	leaks := leakcheck.Check(t)
	for range 10 {
		c, err := sqlite.Open(":memory:", 0)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		c.SetContext(ctx)
		mustExec(t, c, "SELECT 1")
		c.Close()
		cancel()
	}
	leaks()
}

func TestCloseWithVirtualTableStatements(t *testing.T) {
	// FTS5 keeps prepared statements of its own on the connection; Close
	// must leave them to the engine rather than finalize them twice.
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "CREATE VIRTUAL TABLE f USING fts5(x); INSERT INTO f VALUES ('hello world')")
	if n := queryInt(t, c, "SELECT count(*) FROM f WHERE f MATCH 'hello'"); n != 1 {
		t.Fatalf("match count %d", n)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestEndedContextStopsPrepare: preparing runs Go code (virtual table
// constructors), so like Step it does not start once the context ended.
func TestEndedContextStopsPrepare(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	connected := false
	err = c.CreateEponymousModule("m", sqlite.ModuleFunc(func(c *sqlite.Conn, _ sqlite.ModuleArgs) (sqlite.VTab, error) {
		connected = true
		return nil, c.DeclareVTab("CREATE TABLE x(v)")
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.SetContext(ctx)
	_, err = c.Prepare("SELECT * FROM m")
	if !errors.Is(err, context.Canceled) || !errors.Is(err, sqlite.ErrInterrupt) {
		t.Fatalf("got %v, want an interrupt wrapping context.Canceled", err)
	}
	if connected {
		t.Error("the module's constructor ran with an ended context")
	}
	c.SetContext(context.Background())
	if err := c.Exec("SELECT 1"); err != nil {
		t.Errorf("connection unusable afterwards: %v", err)
	}
}

func TestOpenMissingDirectorySaysSo(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		filepath.Join(dir, "nosuch", "x.db"),
		"file:" + filepath.Join(dir, "nosuch", "x.db") + "?mode=rwc",
	} {
		c, err := sqlite.Open(name, 0)
		if err == nil {
			c.Close()
			t.Fatalf("%s: opened", name)
		}
		if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, sqlite.ErrCantOpen) {
			t.Errorf("%s: got %v, want fs.ErrNotExist and ErrCantOpen", name, err)
		}
		if !strings.Contains(err.Error(), "directory") || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s: %q does not say the directory does not exist", name, err)
		}
	}
	// A missing file in a directory that exists, opened read-only, still
	// fails, and does not blame the directory.
	c, err := sqlite.Open(filepath.Join(dir, "missing.db"), sqlite.OpenReadOnly)
	if err == nil {
		c.Close()
		t.Fatal("read-only open of a missing file succeeded")
	}
	if strings.Contains(err.Error(), "directory") {
		t.Errorf("read-only open of a missing file: %v", err)
	}
}

func TestContextEndWithoutInterruptSparesOpenStatements(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetInterruptOnDone(false)
	s, err := c.Prep("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10) SELECT i FROM n")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ok, err := s.Step(); !ok || err != nil {
		t.Fatalf("first step: %v, %v", ok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.SetContext(ctx)
	cancel()
	// The ended context keeps statements from starting...
	if err := c.Exec("SELECT 1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("statement under an ended context: %v", err)
	}
	c.SetContext(context.Background())
	// ...but interrupted nothing: the open statement carries on.
	rows := 1
	for {
		ok, err := s.Step()
		if err != nil {
			t.Fatalf("after %d rows: %v", rows, err)
		}
		if !ok {
			break
		}
		rows++
	}
	if rows != 10 {
		t.Fatalf("%d rows, want 10", rows)
	}
}
