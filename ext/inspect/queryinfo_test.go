package inspect_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/ext/inspect"
	"github.com/asqlite/asqlite/sqlite"
)

func openSchema(t *testing.T) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	err = c.Exec(`CREATE TABLE t(a INTEGER, b TEXT); CREATE INDEX t_a ON t(a);
		CREATE TABLE audit(what); CREATE VIEW v AS SELECT a FROM t;
		CREATE TRIGGER t_audit AFTER DELETE ON t BEGIN INSERT INTO audit VALUES (old.b); END;
		INSERT INTO t VALUES (1, 'one'), (2, 'two')`)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func actions(q *inspect.QueryDetails) string {
	var s []string
	for _, a := range q.Actions {
		s = append(s, a.String())
	}
	return strings.Join(s, "\n")
}

// TestQueryInfoDescribesStatement: text, tail, parameters, columns with
// their origins, read-only, expanded SQL.
func TestQueryInfoDescribesStatement(t *testing.T) {
	c := openSchema(t)
	q, err := inspect.QueryInfo(c, "  SELECT a, b AS name, upper(b) FROM t WHERE a > :min AND b <> ?3;\n SELECT 2",
		sqlite.Named("min", 1), nil, "x")
	if err != nil {
		t.Fatal(err)
	}
	if q.First != "SELECT a, b AS name, upper(b) FROM t WHERE a > :min AND b <> ?3;" || q.Tail != "SELECT 2" {
		t.Errorf("first %q, tail %q", q.First, q.Tail)
	}
	if !q.ReadOnly || q.Explain != 0 {
		t.Errorf("read-only %v, explain %d", q.ReadOnly, q.Explain)
	}
	if fmt.Sprintf("%q", q.Params) != `[":min" "" "?3"]` {
		t.Errorf("params %q", q.Params)
	}
	want := []inspect.Column{
		{Name: "a", DeclType: "INTEGER", Database: "main", Table: "t", Origin: "a"},
		{Name: "name", DeclType: "TEXT", Database: "main", Table: "t", Origin: "b"},
		{Name: "upper(b)"},
	}
	if fmt.Sprint(q.Columns) != fmt.Sprint(want) {
		t.Errorf("columns %+v", q.Columns)
	}
	if q.ExpandedSQL != "SELECT a, b AS name, upper(b) FROM t WHERE a > 1 AND b <> 'x';" {
		t.Errorf("expanded %q", q.ExpandedSQL)
	}

	q, err = inspect.QueryInfo(c, "DELETE FROM t;")
	if err != nil {
		t.Fatal(err)
	}
	if q.ReadOnly || q.Tail != "" || q.ExpandedSQL != "" || len(q.Columns) != 0 || len(q.Params) != 0 {
		t.Errorf("delete: %+v", q)
	}
}

// TestQueryInfoDoesNotRun: the statement is only prepared.
func TestQueryInfoDoesNotRun(t *testing.T) {
	c := openSchema(t)
	if _, err := inspect.QueryInfo(c, "DELETE FROM t"); err != nil {
		t.Fatal(err)
	}
	for row, err := range c.Query("SELECT count(*) FROM t") {
		if err != nil || row.ColumnInt(0) != 2 {
			t.Fatalf("rows after QueryInfo of a DELETE: %d, %v", row.ColumnInt(0), err)
		}
	}
}

// TestQueryInfoActions: the authorizer's view, with the triggers and views
// responsible for an access.
func TestQueryInfoActions(t *testing.T) {
	c := openSchema(t)
	q, err := inspect.QueryInfo(c, "DELETE FROM t WHERE a IN (SELECT a FROM v WHERE length(a) > 0)")
	if err != nil {
		t.Fatal(err)
	}
	want := `SQLITE_DELETE main.t
SQLITE_READ main.t.a (by v)
SQLITE_READ main.v.a
SQLITE_FUNCTION length
SQLITE_READ main.v.a
SQLITE_READ main.t.a
SQLITE_SELECT
SQLITE_SELECT (by v)
SQLITE_INSERT main.audit (by t_audit)
SQLITE_READ main.t.b (by t_audit)`
	if got := actions(q); got != want {
		t.Errorf("actions:\n%s\nwant:\n%s", got, want)
	}

	q, err = inspect.QueryInfo(c, "PRAGMA main.user_version = 3")
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(q); got != "SQLITE_PRAGMA main user_version 3" {
		t.Errorf("pragma actions: %s", got)
	}
	q, err = inspect.QueryInfo(c, "BEGIN IMMEDIATE")
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(q); got != "SQLITE_TRANSACTION BEGIN" {
		t.Errorf("transaction actions: %s", got)
	}
}

// TestQueryInfoKeepsAuthorizer: the connection's authorizer answers during
// QueryInfo, and is back in place afterwards.
func TestQueryInfoKeepsAuthorizer(t *testing.T) {
	c := openSchema(t)
	calls := 0
	c.SetAuthorizer(func(a sqlite.AuthAction) sqlite.AuthResult {
		calls++
		if a.Code == sqlite.AuthRead && a.Arg2 == "b" {
			return sqlite.AuthIgnore
		}
		if a.Code == sqlite.AuthDelete {
			return sqlite.AuthDeny
		}
		return sqlite.AuthOK
	})
	q, err := inspect.QueryInfo(c, "SELECT a, b FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(q); got != "SQLITE_SELECT\nSQLITE_READ main.t.a\nSQLITE_READ main.t.b: IGNORE" {
		t.Errorf("actions:\n%s", got)
	}
	if _, err := inspect.QueryInfo(c, "DELETE FROM t"); !errors.Is(err, sqlite.ErrAuth) {
		t.Errorf("QueryInfo of a denied statement: %v, want ErrAuth", err)
	}
	before := calls
	if err := c.Exec("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if calls == before || c.Authorizer() == nil {
		t.Fatal("the connection's authorizer is no longer installed")
	}

	c.SetAuthorizer(nil)
	if _, err := inspect.QueryInfo(c, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if c.Authorizer() != nil {
		t.Fatal("QueryInfo left an authorizer on a connection that had none")
	}
}

// TestQueryInfoPlanTree: EXPLAIN QUERY PLAN rows become a tree.
func TestQueryInfoPlanTree(t *testing.T) {
	c := openSchema(t)
	q, err := inspect.QueryInfo(c, "SELECT * FROM t WHERE a IN (SELECT a FROM t WHERE b = ?) ORDER BY b")
	if err != nil {
		t.Fatal(err)
	}
	want := "QUERY PLAN\n" +
		"|--SEARCH t USING INDEX t_a (a=?)\n" +
		"|--LIST SUBQUERY 1\n" +
		"|  `--SCAN t\n" +
		"`--USE TEMP B-TREE FOR ORDER BY\n"
	if got := q.Plan.String(); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	sub := q.Plan.Children[1]
	if len(sub.Children) != 1 || sub.Children[0].Parent != sub.ID || sub.Children[0].Detail != "SCAN t" {
		t.Errorf("subquery node %+v", sub)
	}
}

// TestQueryInfoProgram: the EXPLAIN program, from Init to Halt.
func TestQueryInfoProgram(t *testing.T) {
	c := openSchema(t)
	q, err := inspect.QueryInfo(c, "SELECT b FROM t WHERE a = ?", 1)
	if err != nil {
		t.Fatal(err)
	}
	p := q.Program
	if len(p) < 5 || p[0].Opcode != "Init" || p[0].Addr != 0 {
		t.Fatalf("program %+v", p)
	}
	var ops []string
	for i, in := range p {
		if in.Addr != i {
			t.Fatalf("instruction %d has address %d", i, in.Addr)
		}
		ops = append(ops, in.Opcode)
	}
	for _, op := range []string{"OpenRead", "SeekGE", "ResultRow", "Halt", "Variable"} {
		if !strings.Contains(" "+strings.Join(ops, " ")+" ", " "+op+" ") {
			t.Errorf("program lacks %s: %v", op, ops)
		}
	}
}

// TestQueryInfoOfExplain: an EXPLAIN statement is described, not
// explained again.
func TestQueryInfoOfExplain(t *testing.T) {
	c := openSchema(t)
	q, err := inspect.QueryInfo(c, "EXPLAIN QUERY PLAN SELECT * FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if q.Explain != 2 || q.Program != nil || q.Plan != nil || len(q.Columns) != 4 {
		t.Fatalf("explain: %d, program %v, plan %v, columns %v", q.Explain, q.Program, q.Plan, q.Columns)
	}
}

// TestQueryInfoErrors: bad SQL, no statement, bad arguments and a closed
// connection are errors, and leave the connection's authorizer alone.
func TestQueryInfoErrors(t *testing.T) {
	c := openSchema(t)
	if _, err := inspect.QueryInfo(c, "SELEC 1"); !errors.Is(err, sqlite.ErrError) {
		t.Errorf("syntax error: %v", err)
	}
	if _, err := inspect.QueryInfo(c, " -- nothing\n ;"); !errors.Is(err, sqlite.ErrMisuse) {
		t.Errorf("no statement: %v", err)
	}
	if _, err := inspect.QueryInfo(c, "SELECT ?", 1, 2); err == nil {
		t.Error("too many arguments accepted")
	}
	if _, err := inspect.QueryInfo(c, "SELECT :a", sqlite.Named("b", 1)); err == nil {
		t.Error("an unknown named argument accepted")
	}
	if c.Authorizer() != nil {
		t.Error("an authorizer was left installed")
	}
	if _, err := inspect.QueryInfo(nil, "SELECT 1"); err == nil {
		t.Error("nil connection accepted")
	}
	c.Close()
	if _, err := inspect.QueryInfo(c, "SELECT 1"); !errors.Is(err, sqlite.ErrMisuse) {
		t.Errorf("closed connection: %v", err)
	}
}
