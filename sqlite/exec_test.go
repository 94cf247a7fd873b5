package sqlite_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestExecScriptConsumesPositionalArgsAcrossStatements(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, `
		CREATE TABLE t(a, b);
		INSERT INTO t VALUES (?, ?);   -- takes 1, 2
		INSERT INTO t VALUES (?, 'x'); -- takes 3
		INSERT INTO t VALUES (:n, ?);  -- :n by name, ? takes 4
	`, 1, 2, 3, sqlite.Named("n", 9), 4)
	var got []string
	for row, err := range c.Query("SELECT a || '/' || b FROM t ORDER BY rowid") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.ColumnText(0))
	}
	want := []string{"1/2", "3/x", "9/4"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rows %q, want %q", got, want)
	}
}

func TestExecNamedArgReachesEveryStatement(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE a(x); CREATE TABLE b(x)")
	mustExec(t, c, "INSERT INTO a VALUES (:v); INSERT INTO b VALUES (:v * 2)", sqlite.Named(":v", 21))
	if got := queryInt(t, c, "SELECT (SELECT x FROM a) + (SELECT x FROM b)"); got != 63 {
		t.Errorf("got %d, want 63", got)
	}
}

func TestExecTooManyArgsInScriptIsAnError(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	e := wantCode(t, c.Exec("INSERT INTO t VALUES (?); INSERT INTO t VALUES (?)", 1, 2, 3), sqlite.ErrRange)
	if !strings.Contains(e.Msg, "3 arguments given") {
		t.Errorf("message %q", e.Msg)
	}
}

func TestExecTooFewArgsIsAnError(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	wantCode(t, c.Exec("INSERT INTO t VALUES (?); INSERT INTO t VALUES (?)", 1), sqlite.ErrRange)
	wantCode(t, c.Exec("INSERT INTO t VALUES (?)"), sqlite.ErrRange)
}

func TestExecSingleStatementChecksArgsBeforeRunning(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	wantCode(t, c.Exec("INSERT INTO t VALUES (?)", 1, 2), sqlite.ErrRange)
	wantCode(t, c.Exec("INSERT INTO t VALUES (:x)", sqlite.Named("x", 1), sqlite.Named("y", 2)), sqlite.ErrRange)
	if n := queryInt(t, c, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("a statement with bad arguments ran: %d rows", n)
	}
}

func TestExecUnknownNamedArgIsAnError(t *testing.T) {
	c := openMem(t)
	e := wantCode(t, c.Exec("SELECT :a; SELECT :a", sqlite.Named("a", 1), sqlite.Named("b", 2)), sqlite.ErrRange)
	if !strings.Contains(e.Msg, "unknown named parameter b") {
		t.Errorf("message %q", e.Msg)
	}
}

func TestExecStopsAtFirstFailingStatement(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	err := c.Exec("INSERT INTO t VALUES (1); INSERT INTO nosuch VALUES (2); INSERT INTO t VALUES (3)")
	e := wantCode(t, err, sqlite.ErrError)
	if !strings.Contains(e.SQL, "nosuch") {
		t.Errorf("error SQL %q does not name the failing statement", e.SQL)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM t"); n != 1 {
		t.Errorf("%d rows, want 1 (statements before the failure ran, none after)", n)
	}
}

func TestExecEmptyScript(t *testing.T) {
	c := openMem(t)
	for _, sql := range []string{"", " ; ", "-- nothing"} {
		if err := c.Exec(sql); err != nil {
			t.Errorf("Exec(%q): %v", sql, err)
		}
	}
	wantCode(t, c.Exec("", 1), sqlite.ErrRange)
}

func TestExecDiscardsRows(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "SELECT 1 UNION ALL SELECT 2; PRAGMA user_version = 7; PRAGMA user_version")
	if v := queryInt(t, c, "PRAGMA user_version"); v != 7 {
		t.Errorf("user_version = %d", v)
	}
}

func TestQueryYieldsEveryRow(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
	sum := int64(0)
	for row, err := range c.Query("SELECT x FROM t WHERE x >= ?", 2) {
		if err != nil {
			t.Fatal(err)
		}
		sum += row.ColumnInt64(0)
	}
	if sum != 5 {
		t.Errorf("sum = %d, want 5", sum)
	}
}

func TestQueryBreakReleasesStatement(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
	const q = "SELECT x FROM t"
	for range 3 {
		for row, err := range c.Query(q) {
			if err != nil {
				t.Fatal(err)
			}
			_ = row
			break
		}
	}
	// The statement is back in the cache, reset: reusing it runs from the start.
	s, err := c.Prep(q)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Busy() {
		t.Error("statement left busy after break")
	}
	if row, _ := s.Step(); !row || s.ColumnInt64(0) != 1 {
		t.Error("statement did not restart")
	}
}

func TestQueryErrorsAreYielded(t *testing.T) {
	c := openMem(t)
	for _, tt := range []struct {
		sql  string
		args []any
		code sqlite.ErrorCode
	}{
		{"SELECT * FROM nosuch", nil, sqlite.ErrError},
		{"SELECT ?", nil, sqlite.ErrRange},
		{"SELECT 1; SELECT 2", nil, sqlite.ErrMisuse},
		{"SELECT abs(-9223372036854775808)", nil, sqlite.ErrError},
	} {
		n := 0
		for row, err := range c.Query(tt.sql, tt.args...) {
			n++
			if row != nil || err == nil {
				t.Errorf("%q: yielded row %v, err %v", tt.sql, row, err)
				continue
			}
			wantCode(t, err, tt.code)
		}
		if n != 1 {
			t.Errorf("%q: yielded %d times, want 1", tt.sql, n)
		}
	}
}

func TestNestedQueriesOfSameSQL(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
	const q = "SELECT x FROM t ORDER BY x"
	pairs := 0
	for outer, err := range c.Query(q) {
		if err != nil {
			t.Fatal(err)
		}
		a := outer.ColumnInt64(0)
		for inner, err := range c.Query(q) {
			if err != nil {
				t.Fatal(err)
			}
			if inner == outer {
				t.Fatal("nested query shares the outer statement")
			}
			_ = a * inner.ColumnInt64(0)
			pairs++
		}
	}
	if pairs != 9 {
		t.Errorf("%d pairs, want 9", pairs)
	}
}

func TestStmtExecBindsAndRuns(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	s, err := c.Prepare("INSERT INTO t VALUES (?)")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 5 {
		if err := s.Exec(i); err != nil {
			t.Fatal(err)
		}
	}
	if n := queryInt(t, c, "SELECT sum(x) FROM t"); n != 10 {
		t.Errorf("sum = %d", n)
	}
	var e *sqlite.Error
	if err := s.Exec(1, 2); !errors.As(err, &e) || e.Code != sqlite.ErrRange {
		t.Errorf("Exec with too many args: %v", err)
	}
}

// TestExecScriptSucceedsWhenItsLastStatementOutlivesTheContext: a script
// whose last statement completes as the context ends ran in full: Exec
// reports success, not an interrupt of the nothing that follows it.
func TestExecScriptSucceedsWhenItsLastStatementOutlivesTheContext(t *testing.T) {
	c := openMem(t)
	// As asqlite's Conn runs it: the context keeps statements from
	// starting, and does not interrupt the one running.
	c.SetInterruptOnDone(false)
	mustExec(t, c, "CREATE TABLE t(x)")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := c.CreateFunction("cancel_now", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
		cancel()
		fc.ResultInt64(2)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c.SetContext(ctx)
	err := c.Exec("BEGIN; INSERT INTO t VALUES (1); INSERT INTO t VALUES (cancel_now()); COMMIT; -- done\n")
	c.SetContext(context.Background())
	if err == nil {
		t.Fatal("COMMIT started after the context ended")
	}
	mustExec(t, c, "ROLLBACK")
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	c.SetContext(ctx)
	err = c.Exec("INSERT INTO t VALUES (1); INSERT INTO t VALUES (cancel_now()); -- done\n")
	c.SetContext(context.Background())
	if err != nil {
		t.Fatalf("script ran in full, got %v", err)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM t"); n != 2 {
		t.Fatalf("count %d, want 2", n)
	}
}

// TestExecUncachedIsJudgedByTheAuthorizer: an authorizer whose answer
// depends on who runs the SQL judges a statement when it is prepared, so a
// statement cached while it allowed DELETE runs through Exec later
// unjudged; ExecUncached prepares it anew and is refused.
func TestExecUncachedIsJudgedByTheAuthorizer(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)")
	strict := false
	c.SetAuthorizer(func(a sqlite.AuthAction) sqlite.AuthResult {
		if strict && a.Code == sqlite.AuthDelete {
			return sqlite.AuthDeny
		}
		return sqlite.AuthOK
	})
	const del = "DELETE FROM t WHERE x = ?"
	mustExec(t, c, del, 0) // cached, judged while DELETE was allowed
	strict = true
	if err := c.ExecUncached(del, 1); !errors.Is(err, sqlite.ErrAuth) {
		t.Fatalf("ExecUncached: got %v, want ErrAuth", err)
	}
	if err := c.ExecUncached("INSERT INTO t VALUES (?); INSERT INTO t VALUES (:v)", 3, sqlite.Named("v", 4)); err != nil {
		t.Fatalf("ExecUncached of an allowed script: %v", err)
	}
	if err := c.Exec(del, 1); err != nil {
		t.Fatalf("Exec of the cached statement: %v", err)
	}
	if got := queryInt(t, c, "SELECT sum(x) FROM t"); got != 9 {
		t.Fatalf("sum %d, want 9", got)
	}
}

// TestSQLWithANulByteIsRefused: SQLite reads SQL text up to a NUL byte;
// the rest would be ignored unseen, so such text is refused.
func TestSQLWithANulByteIsRefused(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	for _, run := range []func(string) error{
		func(sql string) error { return c.Exec(sql) },
		func(sql string) error { _, err := c.Prepare(sql); return err },
		func(sql string) error { _, err := c.Prep(sql); return err },
	} {
		if err := run("INSERT INTO t VALUES (1)\x00; DROP TABLE t"); !errors.Is(err, sqlite.ErrMisuse) || !strings.Contains(err.Error(), "NUL") {
			t.Errorf("got %v, want ErrMisuse naming the NUL byte", err)
		}
	}
	if got := queryInt(t, c, "SELECT count(*) FROM t"); got != 0 {
		t.Fatalf("%d rows: SQL before the NUL ran", got)
	}
}
