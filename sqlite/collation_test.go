package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	lib "modernc.org/sqlite/lib"
)

func freeC(c *Conn, ps ...uintptr) {
	for _, p := range ps {
		lib.Xsqlite3_free(c.tls, p)
	}
}

func queryTexts(t testing.TB, c *Conn, sql string, args ...any) []string {
	t.Helper()
	var out []string
	for s, err := range c.Query(sql, args...) {
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, s.ColumnText(0))
	}
	return out
}

// byLength orders texts by length, then bytes.
func byLength(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func TestCollationOrdersAndCompares(t *testing.T) {
	c := openFuncTest(t)
	if err := c.CreateCollation("bylen", byLength); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "CREATE TABLE t(s TEXT COLLATE bylen)")
	mustExec(t, c, "INSERT INTO t VALUES ('ccc'), ('a'), ('bb'), ('aa')")
	if got := fmt.Sprint(queryTexts(t, c, "SELECT s FROM t ORDER BY s")); got != "[a aa bb ccc]" {
		t.Fatalf("ORDER BY with collation = %s", got)
	}
	if got := queryInt64s(t, c, "SELECT 'zz' < 'aaa' COLLATE bylen"); got[0] != 1 {
		t.Fatal("comparison does not use the collation")
	}
	// An index built with the collation answers range queries.
	mustExec(t, c, "CREATE INDEX t_s ON t(s)")
	if got := fmt.Sprint(queryTexts(t, c, "SELECT s FROM t WHERE s > 'zz' ORDER BY s")); got != "[ccc]" {
		t.Fatalf("indexed range query = %s, want [ccc]", got)
	}
}

func TestCollationReplaceAndRemove(t *testing.T) {
	c := openFuncTest(t)
	before := liveHandles()
	if err := c.CreateCollation("rev", func(a, b string) int { return strings.Compare(a, b) }); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateCollation("rev", func(a, b string) int { return strings.Compare(b, a) }); err != nil {
		t.Fatal(err)
	}
	if n := liveHandles() - before; n != 1 {
		t.Fatalf("%d handles live after replacing a collation, want 1", n)
	}
	got := fmt.Sprint(queryTexts(t, c, "SELECT column1 FROM (VALUES ('a'), ('c'), ('b')) ORDER BY column1 COLLATE rev"))
	if got != "[c b a]" {
		t.Fatalf("ORDER BY replaced collation = %s, want [c b a]", got)
	}
	if err := c.CreateCollation("rev", nil); err != nil {
		t.Fatal(err)
	}
	if n := liveHandles() - before; n != 0 {
		t.Fatalf("%d handles live after removing the collation", n)
	}
	err := queryErr(c, "SELECT 'a' < 'b' COLLATE rev")
	if err == nil || !strings.Contains(err.Error(), "no such collation") {
		t.Fatalf("removed collation: err = %v", err)
	}
}

func TestCollationPanicFailsStatementAndFallsBackToBinary(t *testing.T) {
	c := openFuncTest(t)
	calls := 0
	err := c.CreateCollation("fragile", func(a, b string) int {
		calls++
		if a == "bad" || b == "bad" {
			panic("cannot compare bad")
		}
		return strings.Compare(a, b)
	})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "CREATE TABLE t(s TEXT COLLATE fragile)")
	mustExec(t, c, "INSERT INTO t VALUES ('x'), ('y'), ('z')")
	mustExec(t, c, "CREATE INDEX t_s ON t(s)")

	// A statement that goes on after the panic stops at SQLite's next
	// interrupt check and reports the panic; a write is rolled back.
	err = c.Exec("INSERT INTO t SELECT column1 FROM (VALUES ('bad'), ('q'), ('r'))")
	var pe *PanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "fragile") {
		t.Fatalf("err = %v, want a *PanicError naming the collation", err)
	}
	if !errors.Is(err, ErrInterrupt) || errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrInterrupt not caused by a context", err)
	}
	if got := fmt.Sprint(queryTexts(t, c, "SELECT s FROM t ORDER BY s")); got != "[x y z]" {
		t.Fatalf("rows after the failed insert = %s", got)
	}
	if err := c.IntegrityCheck(); err != nil {
		t.Fatal(err)
	}
	err = queryErr(c, "SELECT column1 FROM (VALUES ('b'), ('bad'), ('a'), ('c')) ORDER BY column1 COLLATE fragile")
	if !errors.As(err, &pe) {
		t.Fatalf("sort with a panicking collation: err = %v, want a *PanicError", err)
	}
	// The next statement runs normally.
	mustExec(t, c, "INSERT INTO t VALUES ('w')")
	if got := fmt.Sprint(queryTexts(t, c, "SELECT s FROM t ORDER BY s")); got != "[w x y z]" {
		t.Fatalf("rows = %s", got)
	}
	if calls == 0 {
		t.Fatal("collation never called")
	}
}

func TestCollationPanicComparesAsBinary(t *testing.T) {
	// Direct call of the trampoline's fallback: a panic yields BINARY order.
	c := openFuncTest(t)
	if err := c.CreateCollation("alwayspanics", func(a, b string) int { panic("no") }); err != nil {
		t.Fatal(err)
	}
	var h uintptr
	for k := range c.funcs.live {
		h = k
	}
	for _, tc := range []struct {
		a, b string
		want int32
	}{{"a", "b", -1}, {"b", "a", 1}, {"ab", "ab", 0}, {"a", "ab", -1}} {
		pa, pb := cstring(c.tls, tc.a), cstring(c.tls, tc.b)
		got := collationTrampoline(c.tls, h, int32(len(tc.a)), pa, int32(len(tc.b)), pb)
		freeC(c, pa, pb)
		if (got < 0) != (tc.want < 0) || (got > 0) != (tc.want > 0) {
			t.Errorf("compare(%q, %q) after panic = %d, want sign of %d", tc.a, tc.b, got, tc.want)
		}
	}
	if err := c.takeCallbackError(); err == nil {
		t.Fatal("panic not recorded for the statement")
	}
}

func TestCollationKeepsItsStrings(t *testing.T) {
	c := openFuncTest(t)
	var kept []string
	err := c.CreateCollation("keeper", func(a, b string) int {
		kept = append(kept, a, b)
		return strings.Compare(a, b)
	})
	if err != nil {
		t.Fatal(err)
	}
	queryTexts(t, c, "SELECT column1 FROM (VALUES ('one'), ('two'), ('three')) ORDER BY column1 COLLATE keeper")
	// Run other work that reuses engine memory, then read the kept strings.
	queryTexts(t, c, "SELECT hex(randomblob(100)) FROM (VALUES (1), (2), (3))")
	for _, s := range kept {
		if s != "one" && s != "two" && s != "three" {
			t.Fatalf("kept string changed to %q", s)
		}
	}
}
