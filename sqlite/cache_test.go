package sqlite_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestPrepReusesStatementAfterClose(t *testing.T) {
	c := openMem(t)
	s1, err := c.Prep("SELECT ?")
	if err != nil {
		t.Fatal(err)
	}
	s1.BindInt64(1, 5)
	s1.Step()
	s1.Close()
	s2, err := c.Prep("SELECT ?")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s1 != s2 {
		t.Fatal("Prep of the same SQL did not reuse the cached statement")
	}
	// Close reset it and cleared its bindings.
	if s2.Busy() {
		t.Error("reused statement is busy")
	}
	s2.Step()
	if s2.ColumnType(0) != sqlite.Null {
		t.Errorf("reused statement kept its binding: %v", s2.ColumnValue(0))
	}
}

func TestPrepNestedUseGetsSeparateStatement(t *testing.T) {
	c := openMem(t)
	a, err := c.Prep("SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Prep("SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two users of the same SQL share one statement")
	}
	// The second one was not cached: Close finalizes it.
	b.Close()
	if _, err := b.Step(); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("uncached duplicate after Close: %v", err)
	}
	a.Close()
	if _, err := a.Step(); err != nil {
		t.Errorf("cached statement after Close: %v", err)
	}
	a.Close()
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := openMem(t)
	c.SetCacheSize(2)
	prep := func(sql string) *sqlite.Stmt {
		t.Helper()
		s, err := c.Prep(sql)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		return s
	}
	a, b := prep("SELECT 'a'"), prep("SELECT 'b'")
	if prep("SELECT 'a'") != a { // a is now the most recent
		t.Fatal("a not cached")
	}
	prep("SELECT 'c'") // evicts b
	if prep("SELECT 'a'") != a {
		t.Error("a was evicted although b was older")
	}
	if _, err := b.Step(); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("evicted statement not finalized: %v", err)
	}
	if prep("SELECT 'b'") == b {
		t.Error("b still cached")
	}
}

func TestCacheEvictionWhileInUseFinalizesOnClose(t *testing.T) {
	c := openMem(t)
	c.SetCacheSize(1)
	a, err := c.Prep("SELECT 1 UNION ALL SELECT 2")
	if err != nil {
		t.Fatal(err)
	}
	if row, err := a.Step(); !row || err != nil {
		t.Fatal(err)
	}
	b, err := c.Prep("SELECT 3") // evicts a, which is in use
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if row, err := a.Step(); !row || err != nil || a.ColumnInt(0) != 2 {
		t.Fatalf("evicted in-use statement broke: %v %v", row, err)
	}
	a.Close()
	if _, err := a.Step(); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("evicted statement survived Close: %v", err)
	}
}

func TestCacheSizeZeroDisablesCache(t *testing.T) {
	c := openMem(t)
	s1, _ := c.Prep("SELECT 1")
	s1.Close()
	c.SetCacheSize(0)
	if _, err := s1.Step(); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("shrinking the cache kept the statement: %v", err)
	}
	s2, _ := c.Prep("SELECT 1")
	s2.Close()
	if _, err := s2.Step(); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("with cache size 0 Close did not finalize: %v", err)
	}
	mustExec(t, c, "SELECT 1")
}

func TestExecUsesTheCache(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	const ins = "INSERT INTO t VALUES (?)"
	mustExec(t, c, ins, 1)
	s, err := c.Prep(ins)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Exec while the cached statement is in use gets its own statement.
	mustExec(t, c, ins, 2)
	if err := s.Exec(3); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM t"); n != 3 {
		t.Errorf("%d rows", n)
	}
}

func TestCacheManyStatements(t *testing.T) {
	c := openMem(t)
	c.SetCacheSize(8)
	for round := range 3 {
		for i := range 20 {
			if got := queryInt(t, c, fmt.Sprintf("SELECT %d + ?", i), round); got != int64(i+round) {
				t.Fatalf("got %d", got)
			}
		}
	}
}

func TestPrepErrors(t *testing.T) {
	c := openMem(t)
	_, err := c.Prep("SELECT 1; SELECT 2")
	wantCode(t, err, sqlite.ErrMisuse)
	_, err = c.Prep("")
	wantCode(t, err, sqlite.ErrMisuse)
	_, err = c.Prep("SELECT * FROM nosuch")
	wantCode(t, err, sqlite.ErrError)
}

// TestCachedStatementClosedTwiceStaysUsable: a second Close of a statement
// back in the cache does nothing; the next Prep gets it, bound and
// stepped as it should be.
func TestCachedStatementClosedTwiceStaysUsable(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
	const q = "SELECT x FROM t WHERE x >= ? ORDER BY x"
	s, err := c.Prep(q)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	s2, err := c.Prep(q)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.BindInt64(1, 2); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for {
		row, err := s2.Step()
		if err != nil {
			t.Fatal(err)
		}
		if !row {
			break
		}
		got = append(got, s2.ColumnInt64(0))
	}
	if len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("rows %v, want [2 3]", got)
	}
}
