package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	lib "modernc.org/sqlite/lib"
)

// hkOpen opens a private in-memory database closed at the end of the test.
func hkOpen(t testing.TB) *Conn {
	t.Helper()
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// hkOpenFile opens (creating it) the database file name in dir.
func hkOpenFile(t testing.TB, dir, name string) *Conn {
	t.Helper()
	c, err := Open(filepath.Join(dir, name), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func hkExec(t testing.TB, c *Conn, sql string, args ...any) {
	t.Helper()
	if err := c.Exec(sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func hkInt(t testing.TB, c *Conn, sql string, args ...any) int64 {
	t.Helper()
	for s, err := range c.Query(sql, args...) {
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return s.ColumnInt64(0)
	}
	t.Fatalf("%s: no row", sql)
	return 0
}

// mustAdd returns the remove function of a hook added without error.
func mustAdd(remove func(), err error) func() {
	if err != nil {
		panic(err)
	}
	return remove
}

// errHookBoom is the panic value of the panicking hooks in these tests; the
// errors callers see must wrap it.
var errHookBoom = errors.New("boom")

func TestUpdateHookSeesRowid(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a)")
	var got []string
	remove := mustAdd(c.AddUpdateHook(func(op Op, schema, table string, rowid int64) {
		got = append(got, fmt.Sprintf("%v %s.%s %d", op, schema, table, rowid))
	}))
	hkExec(t, c, "INSERT INTO t(rowid, a) VALUES(7, 'x'), (9, 'y')")
	hkExec(t, c, "UPDATE t SET a = 'z' WHERE rowid = 9")
	hkExec(t, c, "DELETE FROM t WHERE rowid = 7")
	want := []string{"INSERT main.t 7", "INSERT main.t 9", "UPDATE main.t 9", "DELETE main.t 7"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("update hook saw %q, want %q", got, want)
	}

	remove()
	hkExec(t, c, "INSERT INTO t VALUES('after')")
	if len(got) != len(want) {
		t.Fatalf("removed update hook still called: %q", got[len(want):])
	}
}

func TestHookSeesTheCallersContext(t *testing.T) {
	type key struct{}
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a)")
	var seen []any
	mustAdd(c.AddUpdateHook(func(Op, string, string, int64) { seen = append(seen, c.Context().Value(key{})) }))
	mustAdd(c.AddCommitHook(func() bool { seen = append(seen, c.Context().Value(key{})); return false }))

	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "call 1"))
	defer cancel()
	old := c.SetContext(ctx)
	hkExec(t, c, "INSERT INTO t VALUES(1)")
	c.SetContext(old)
	if fmt.Sprint(seen) != "[call 1 call 1]" {
		t.Fatalf("hooks saw contexts %v, want the installed one twice", seen)
	}
}

func TestUpdateHookPanicFailsStatement(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a)")
	remove := mustAdd(c.AddUpdateHook(func(Op, string, string, int64) { panic(errHookBoom) }))

	// In autocommit mode: one row, where SQLite cannot interrupt before the
	// end, and many rows, where it can.
	for _, sql := range []string{
		"INSERT INTO t VALUES(1)",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000) INSERT INTO t SELECT i FROM n",
	} {
		err := c.Exec(sql)
		if !errors.Is(err, errHookBoom) {
			t.Fatalf("%s: error %v does not wrap the panic", sql, err)
		}
	}
	// In a transaction: the statement or the commit fails, nothing stays.
	err := c.Tx(Deferred, func() error { return c.Exec("INSERT INTO t VALUES(2)") })
	if !errors.Is(err, errHookBoom) {
		t.Fatalf("transaction error %v does not wrap the panic", err)
	}
	if !c.AutoCommit() {
		t.Fatal("transaction left open")
	}

	remove()
	if n := hkInt(t, c, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("%d rows committed despite the panicking hook", n)
	}
	hkExec(t, c, "INSERT INTO t VALUES(3)")
	if n := hkInt(t, c, "SELECT count(*) FROM t"); n != 1 {
		t.Fatalf("connection unusable after the panic: %d rows", n)
	}
}

func TestCommitHookCanRollBack(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a)")
	commits := 0
	veto := true
	remove := mustAdd(c.AddCommitHook(func() bool { commits++; return veto }))
	err := c.Exec("INSERT INTO t VALUES(1)")
	if CodeOf(err) != ErrorCode(lib.SQLITE_CONSTRAINT_COMMITHOOK) {
		t.Fatalf("vetoed commit: error %v, want SQLITE_CONSTRAINT_COMMITHOOK", err)
	}
	veto = false
	hkExec(t, c, "INSERT INTO t VALUES(2)")
	if commits != 2 {
		t.Fatalf("commit hook called %d times, want 2", commits)
	}
	if n := hkInt(t, c, "SELECT sum(a) FROM t"); n != 2 {
		t.Fatalf("sum(a) = %d, want only the second row", n)
	}
	remove()
	hkExec(t, c, "INSERT INTO t VALUES(3)")
	if commits != 2 {
		t.Fatal("removed commit hook still called")
	}
}

func TestCommitHookPanicRollsBack(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a)")
	remove := mustAdd(c.AddCommitHook(func() bool { panic("no commit today") }))
	err := c.Exec("INSERT INTO t VALUES(1)")
	if err == nil || !strings.Contains(err.Error(), "no commit today") || !errors.Is(err, ErrConstraint) {
		t.Fatalf("error %v: want a constraint error naming the panic", err)
	}
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "no commit today" {
		t.Fatalf("error %v does not wrap the panic value", err)
	}
	remove()
	if n := hkInt(t, c, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("%d rows committed despite the panic", n)
	}
}

func TestRollbackHookRunsOnRollbackOnly(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a UNIQUE)")
	rollbacks := 0
	remove := mustAdd(c.AddRollbackHook(func() { rollbacks++ }))
	hkExec(t, c, "BEGIN; INSERT INTO t VALUES(1); ROLLBACK")
	hkExec(t, c, "BEGIN; INSERT INTO t VALUES(1); COMMIT")
	if rollbacks != 1 {
		t.Fatalf("rollback hook called %d times, want 1", rollbacks)
	}
	// A failing statement that rolls back its transaction.
	hkExec(t, c, "BEGIN")
	if err := c.Exec("INSERT OR ROLLBACK INTO t VALUES(1)"); !errors.Is(err, ErrConstraintUnique) {
		t.Fatalf("duplicate insert: %v", err)
	}
	if rollbacks != 2 || !c.AutoCommit() {
		t.Fatalf("after INSERT OR ROLLBACK: %d rollbacks, autocommit %v", rollbacks, c.AutoCommit())
	}
	remove()
	hkExec(t, c, "BEGIN; ROLLBACK")
	if rollbacks != 2 {
		t.Fatal("removed rollback hook still called")
	}
}

func TestRollbackHookPanicIsReported(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES(1)")
	remove := mustAdd(c.AddRollbackHook(func() { panic(errHookBoom) }))
	hkExec(t, c, "BEGIN")
	err := c.Exec("INSERT OR ROLLBACK INTO t VALUES(1)")
	if !errors.Is(err, ErrConstraintUnique) || !errors.Is(err, errHookBoom) {
		t.Fatalf("error %v: want the constraint error wrapping the panic", err)
	}
	remove()
	hkExec(t, c, "INSERT INTO t VALUES(2)")
	if n := hkInt(t, c, "SELECT count(*) FROM t"); n != 2 {
		t.Fatalf("connection unusable after the panic: %d rows", n)
	}
}

func TestWALHookSeesCommits(t *testing.T) {
	c := hkOpenFile(t, t.TempDir(), "wal.db")
	hkExec(t, c, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=500; CREATE TABLE t(a)")
	type call struct {
		schema string
		pages  int
	}
	var calls []call
	var fail error
	remove := mustAdd(c.AddWALHook(func(schema string, pages int) error {
		calls = append(calls, call{schema, pages})
		return fail
	}))
	if n := hkInt(t, c, "PRAGMA wal_autocheckpoint"); n != 0 {
		t.Fatalf("wal_autocheckpoint = %d while a WAL hook is installed, want 0", n)
	}
	hkExec(t, c, "INSERT INTO t VALUES(1)")
	hkExec(t, c, "INSERT INTO t VALUES(2)")
	if len(calls) != 2 || calls[0].schema != "main" || calls[1].pages <= calls[0].pages {
		t.Fatalf("WAL hook calls %+v: want two on main with a growing log", calls)
	}

	fail = Errorf(ErrIOErrWrite, "disk says no")
	err := c.Exec("INSERT INTO t VALUES(3)")
	if !errors.Is(err, fail) || !errors.Is(err, ErrIOErrWrite) {
		t.Fatalf("error %v does not wrap the hook's error", err)
	}
	fail = nil
	if n := hkInt(t, c, "SELECT count(*) FROM t"); n != 3 {
		t.Fatalf("count = %d: the transaction is committed even when the hook fails", n)
	}

	remove()
	remove = mustAdd(c.AddWALHook(func(string, int) error { panic(errHookBoom) }))
	if err := c.Exec("INSERT INTO t VALUES(4)"); !errors.Is(err, errHookBoom) {
		t.Fatalf("error %v does not wrap the panic", err)
	}

	remove()
	if n := hkInt(t, c, "PRAGMA wal_autocheckpoint"); n != 500 {
		t.Fatalf("wal_autocheckpoint = %d after removing the hook, want 500 restored", n)
	}
	hkExec(t, c, "INSERT INTO t VALUES(5)")
}

func TestWALHooksShareTheEngineHook(t *testing.T) {
	c := hkOpenFile(t, t.TempDir(), "wal.db")
	hkExec(t, c, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=300; CREATE TABLE t(a)")
	var log []string
	var fail error
	removeFirst := mustAdd(c.AddWALHook(func(string, int) error { log = append(log, "first"); return fail }))
	removeSecond := mustAdd(c.AddWALHook(func(string, int) error { log = append(log, "second"); return nil }))
	hkExec(t, c, "INSERT INTO t VALUES(1)")
	fail = errHookBoom
	if err := c.Exec("INSERT INTO t VALUES(2)"); !errors.Is(err, errHookBoom) {
		t.Fatalf("error %v does not wrap the first hook's error", err)
	}
	if fmt.Sprint(log) != "[first second first]" {
		t.Fatalf("WAL hooks ran %v: want both, then only the failing first", log)
	}
	removeFirst()
	if n := hkInt(t, c, "PRAGMA wal_autocheckpoint"); n != 0 {
		t.Fatalf("wal_autocheckpoint = %d with a WAL hook left, want 0", n)
	}
	log = nil
	hkExec(t, c, "INSERT INTO t VALUES(3)")
	removeSecond()
	if fmt.Sprint(log) != "[second]" {
		t.Fatalf("after removing the first: %v", log)
	}
	if n := hkInt(t, c, "PRAGMA wal_autocheckpoint"); n != 300 {
		t.Fatalf("wal_autocheckpoint = %d after removing every hook, want 300", n)
	}
}

func TestAddHookRefusesNil(t *testing.T) {
	c := hkOpen(t)
	for name, add := range map[string]func() (func(), error){
		"update":    func() (func(), error) { return c.AddUpdateHook(nil) },
		"commit":    func() (func(), error) { return c.AddCommitHook(nil) },
		"rollback":  func() (func(), error) { return c.AddRollbackHook(nil) },
		"preupdate": func() (func(), error) { return c.AddPreUpdateHook(nil) },
		"wal":       func() (func(), error) { return c.AddWALHook(nil) },
		"progress":  func() (func(), error) { return c.AddProgressHandler(1, nil) },
		"trace":     func() (func(), error) { return c.AddTrace(TraceRow, nil) },
	} {
		remove, err := add()
		if !errors.Is(err, ErrMisuse) || remove == nil {
			t.Fatalf("adding a nil %s hook: %v, remove %v; want ErrMisuse and a no-op remove", name, err, remove != nil)
		}
		remove()
	}
	if c.hooks.updateOn || c.hooks.preupdateOn || c.hooks.commitOn || c.hooks.rollbackOn || c.hooks.walOn || c.hooks.prog.n != 0 || c.hooks.tr.mask != 0 {
		t.Fatal("a refused hook installed a trampoline")
	}
}

func TestAuthorizerDeniesAndIgnores(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a, secret); INSERT INTO t VALUES(1, 'x')")
	if got := hkInt(t, c, "SELECT count(secret) FROM t"); got != 1 {
		t.Fatal(got)
	}
	var actions []string
	c.SetAuthorizer(func(a AuthAction) AuthResult {
		actions = append(actions, fmt.Sprintf("%v %s %s %s", a.Code, a.Arg1, a.Arg2, a.Schema))
		switch {
		case a.Code == AuthRead && a.Arg2 == "secret":
			return AuthIgnore
		case a.Code == AuthDelete:
			return AuthDeny
		}
		return AuthOK
	})
	// The statement is in the cache from before: installing the
	// authorizer makes it go through the authorizer again.
	if got := hkInt(t, c, "SELECT count(secret) FROM t"); got != 0 {
		t.Fatalf("ignored column read as %d non-NULL values", got)
	}
	if !slices.Contains(actions, "SQLITE_READ t secret main") {
		t.Fatalf("authorizer saw %q", actions)
	}
	err := c.Exec("DELETE FROM t")
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("denied DELETE: %v, want ErrAuth", err)
	}
	c.SetAuthorizer(nil)
	// Removing the authorizer re-prepares the statements it compiled.
	if got := hkInt(t, c, "SELECT count(secret) FROM t"); got != 1 {
		t.Fatalf("after removing the authorizer the column still reads as NULL")
	}
	hkExec(t, c, "DELETE FROM t")
}

func TestAuthorizerSeesTriggers(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a); CREATE TABLE log(x); CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); END")
	var fromTrigger []string
	c.SetAuthorizer(func(a AuthAction) AuthResult {
		if a.Trigger != "" {
			fromTrigger = append(fromTrigger, a.Code.String()+" "+a.Arg1+" by "+a.Trigger)
		}
		return AuthOK
	})
	hkExec(t, c, "INSERT INTO t VALUES(1)")
	if !slices.Contains(fromTrigger, "SQLITE_INSERT log by tr") {
		t.Fatalf("trigger actions %q", fromTrigger)
	}
}

func TestAuthorizerPanicDenies(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a)")
	c.SetAuthorizer(func(a AuthAction) AuthResult { panic(errHookBoom) })
	err := c.Exec("SELECT a FROM t")
	if !errors.Is(err, ErrAuth) || !errors.Is(err, errHookBoom) {
		t.Fatalf("error %v: want ErrAuth wrapping the panic", err)
	}
	c.SetAuthorizer(nil)
	hkExec(t, c, "SELECT a FROM t")
}

func TestAuthNames(t *testing.T) {
	for code := AuthCreateIndex; code <= AuthRecursive; code++ {
		if s := code.String(); !strings.HasPrefix(s, "SQLITE_") {
			t.Errorf("AuthCode(%d).String() = %q", int(code), s)
		}
	}
	if AuthRead.String() != "SQLITE_READ" || AuthCode(99).String() != "AuthCode(99)" {
		t.Error(AuthRead, AuthCode(99))
	}
	if OpInsert.String() != "INSERT" || OpDelete.String() != "DELETE" || OpUpdate.String() != "UPDATE" {
		t.Error(OpInsert, OpDelete, OpUpdate)
	}
	if AuthIgnore.String() != "IGNORE" {
		t.Error(AuthIgnore)
	}
}

func TestHooksReleasedOnClose(t *testing.T) {
	handles.RLock()
	before := len(handles.m)
	handles.RUnlock()

	c, err := Open(filepath.Join(t.TempDir(), "x.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(c.AddUpdateHook(func(Op, string, string, int64) {}))
	mustAdd(c.AddCommitHook(func() bool { return false }))
	mustAdd(c.AddRollbackHook(func() {}))
	mustAdd(c.AddPreUpdateHook(func(*PreUpdate) {}))
	mustAdd(c.AddWALHook(func(string, int) error { return nil }))
	c.SetAuthorizer(func(AuthAction) AuthResult { return AuthOK })
	c.SetBusyTimeout(1e9)
	mustAdd(c.AddProgressHandler(10, func() bool { return false }))
	closed := false
	mustAdd(c.AddTrace(TraceStmt|TraceClose, func(ev TraceEvent) { closed = closed || ev.Kind == TraceClose }))
	removeLater := mustAdd(c.AddTrace(TraceRow, func(TraceEvent) {}))
	hkExec(t, c, "PRAGMA journal_mode=WAL; CREATE TABLE t(a); INSERT INTO t VALUES(1)")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	removeLater() // after Close: harmless

	if !closed {
		t.Error("tracer did not see TraceClose")
	}
	if !c.hooks.update.empty() || !c.hooks.tr.list.empty() || !c.hooks.prog.list.empty() || c.hooks.auth != nil {
		t.Error("Close left hooks in place")
	}
	handles.RLock()
	after := len(handles.m)
	handles.RUnlock()
	if after != before {
		t.Fatalf("handles: %d before Open, %d after Close", before, after)
	}

	// Adding hooks to a closed connection fails with ErrClosed, and its
	// remove function does nothing; setting handlers does nothing.
	for name, add := range map[string]func() (func(), error){
		"update":    func() (func(), error) { return c.AddUpdateHook(func(Op, string, string, int64) {}) },
		"commit":    func() (func(), error) { return c.AddCommitHook(func() bool { return false }) },
		"rollback":  func() (func(), error) { return c.AddRollbackHook(func() {}) },
		"preupdate": func() (func(), error) { return c.AddPreUpdateHook(func(*PreUpdate) {}) },
		"wal":       func() (func(), error) { return c.AddWALHook(func(string, int) error { return nil }) },
		"progress":  func() (func(), error) { return c.AddProgressHandler(1, func() bool { return true }) },
		"trace":     func() (func(), error) { return c.AddTrace(TraceRow, func(TraceEvent) {}) },
	} {
		remove, err := add()
		if !errors.Is(err, ErrClosed) || remove == nil {
			t.Fatalf("adding a %s hook to a closed conn: %v, remove %v", name, err, remove != nil)
		}
		remove()
	}
	c.SetAuthorizer(nil)
	c.SetBusyHandler(nil)
	c.SetBusyTimeout(0)
	if _, _, err := c.Status(DBStatusCacheUsed, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("Status on closed conn: %v", err)
	}
}

func TestAddedHooksCoexist(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a)")
	var log []string
	removeFirst := mustAdd(c.AddUpdateHook(func(op Op, _, _ string, _ int64) { log = append(log, "first "+op.String()) }))
	removeUpdate := mustAdd(c.AddUpdateHook(func(op Op, _, _ string, _ int64) { log = append(log, "added "+op.String()) }))
	removePre := mustAdd(c.AddPreUpdateHook(func(u *PreUpdate) { log = append(log, "pre "+u.Op.String()) }))
	removeFirstCommit := mustAdd(c.AddCommitHook(func() bool { log = append(log, "first commit"); return false }))
	veto := false
	removeCommit := mustAdd(c.AddCommitHook(func() bool { log = append(log, "added commit"); return veto }))
	removeRollback := mustAdd(c.AddRollbackHook(func() { log = append(log, "added rollback") }))

	hkExec(t, c, "INSERT INTO t VALUES(1)")
	want := "[pre INSERT first INSERT added INSERT first commit added commit]"
	if fmt.Sprint(log) != want {
		t.Fatalf("hooks ran %v, want %s", log, want)
	}

	log, veto = nil, true
	err := c.Exec("INSERT INTO t VALUES(2)")
	if !errors.Is(err, ErrConstraint) || !slices.Contains(log, "added rollback") {
		t.Fatalf("veto by an added commit hook: %v, hooks ran %v", err, log)
	}

	removeUpdate()
	removeUpdate()
	removePre()
	removeCommit()
	removeRollback()
	log = nil
	hkExec(t, c, "INSERT INTO t VALUES(3)")
	if fmt.Sprint(log) != "[first INSERT first commit]" {
		t.Fatalf("after removing the added hooks: %v", log)
	}
	removeFirst()
	removeFirstCommit()
	if c.hooks.updateOn || c.hooks.preupdateOn || c.hooks.commitOn || c.hooks.rollbackOn {
		t.Fatal("trampolines still installed with no hooks")
	}
}

func TestUpdateHookDispatchDoesNotAllocate(t *testing.T) {
	c := hkOpen(t)
	calls := 0
	mustAdd(c.AddUpdateHook(func(Op, string, string, int64) { calls++ }))
	mustAdd(c.AddUpdateHook(func(Op, string, string, int64) { calls++ }))
	zDb, zTab := cstring(c.tls, "main"), cstring(c.tls, "t")
	defer lib.Xsqlite3_free(c.tls, zDb)
	defer lib.Xsqlite3_free(c.tls, zTab)
	allocs := testing.AllocsPerRun(100, func() {
		updateTrampoline(c.tls, c.handle, int32(OpInsert), zDb, zTab, 1)
	})
	if allocs != 0 || calls != 2*101 {
		t.Fatalf("%v allocations per row change, %d calls", allocs, calls)
	}
}

func TestAuthorizerGetterRestores(t *testing.T) {
	c := hkOpen(t)
	if c.Authorizer() != nil {
		t.Fatal("authorizer before any was set")
	}
	deny := func(AuthAction) AuthResult { return AuthDeny }
	c.SetAuthorizer(deny)
	old := c.Authorizer()
	c.SetAuthorizer(func(AuthAction) AuthResult { return AuthOK })
	hkExec(t, c, "SELECT 1")
	c.SetAuthorizer(old)
	if err := c.Exec("SELECT 1"); !errors.Is(err, ErrAuth) {
		t.Fatalf("restored authorizer does not deny: %v", err)
	}
}
