package bestpractice_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asqlite/asqlite/ext/bestpractice"
	"github.com/asqlite/asqlite/sqlite"
)

func open(t *testing.T, path string) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func apply(t *testing.T, c *sqlite.Conn, s ...bestpractice.Setting) {
	t.Helper()
	if err := bestpractice.Apply(c, s...); err != nil {
		t.Fatal(err)
	}
}

func TestWALSetsJournalMode(t *testing.T) {
	c := open(t, filepath.Join(t.TempDir(), "w.db"))
	apply(t, c, bestpractice.WAL)
	if m, err := c.JournalMode(); err != nil || m != sqlite.JournalWAL {
		t.Fatalf("journal mode %q, %v; want wal", m, err)
	}
}

func TestWALLeavesMemoryDatabases(t *testing.T) {
	c := open(t, ":memory:")
	apply(t, c, bestpractice.WAL)
	if m, _ := c.JournalMode(); m != sqlite.JournalMemory {
		t.Fatalf("journal mode %q, want memory", m)
	}
}

func TestWALLeavesReadOnlyDatabases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	w := open(t, path)
	if err := w.Exec("CREATE TABLE t(x)"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	c := open(t, "file:"+path+"?mode=ro")
	apply(t, c, bestpractice.WAL)
	if m, _ := c.JournalMode(); m != sqlite.JournalDelete {
		t.Fatalf("journal mode %q, want delete", m)
	}
}

// TestBusyTimeoutWaitsForLock: a writer that finds the database locked
// waits (until its context's deadline here) instead of failing at once
// with ErrBusy.
func TestBusyTimeoutWaitsForLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	holder, waiter := open(t, path), open(t, path)
	if err := holder.Exec("CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	defer holder.Exec("ROLLBACK")

	if err := waiter.Exec("INSERT INTO t VALUES (2)"); !errors.Is(err, sqlite.ErrBusy) {
		t.Fatalf("without a busy timeout: %v, want ErrBusy at once", err)
	}
	apply(t, waiter, bestpractice.BusyTimeout(time.Minute))
	if waiter.BusyTimeout() != time.Minute {
		t.Fatalf("busy timeout %v", waiter.BusyTimeout())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	waiter.SetContext(ctx)
	err := waiter.Exec("INSERT INTO t VALUES (2)")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with a busy timeout: %v, want to wait until the deadline", err)
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	c := open(t, ":memory:")
	apply(t, c, bestpractice.ForeignKeys)
	err := c.Exec(`CREATE TABLE p(id INTEGER PRIMARY KEY);
		CREATE TABLE ch(p REFERENCES p(id));
		INSERT INTO ch VALUES (42)`)
	if !errors.Is(err, sqlite.ErrConstraintForeignKey) {
		t.Fatalf("insert of a dangling reference: %v, want ErrConstraintForeignKey", err)
	}
}

func TestNoDoubleQuotedStrings(t *testing.T) {
	c := open(t, ":memory:")
	if err := c.Exec(`CREATE TABLE t(x); SELECT "nosuch" FROM t`); err != nil {
		t.Fatalf("SQLite's default reads \"nosuch\" as a string: %v", err)
	}
	apply(t, c, bestpractice.NoDoubleQuotedStrings)
	if err := c.Exec(`SELECT "nosuch" FROM t`); err == nil || !strings.Contains(err.Error(), "no such column") {
		t.Fatalf("statement: %v, want no such column", err)
	}
	if err := c.Exec(`CREATE INDEX i ON t("nosuch")`); err == nil {
		t.Fatal("schema: a double-quoted string became an index expression")
	}
}

// TestRecursiveTriggers: a trigger's insert fires the trigger again.
func TestRecursiveTriggers(t *testing.T) {
	count := func(c *sqlite.Conn) int64 {
		err := c.Exec(`CREATE TABLE t(n);
			CREATE TRIGGER more AFTER INSERT ON t WHEN new.n < 5 BEGIN INSERT INTO t VALUES (new.n + 1); END;
			INSERT INTO t VALUES (1)`)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for row, err := range c.Query("SELECT count(*) FROM t") {
			if err != nil {
				t.Fatal(err)
			}
			n = row.ColumnInt64(0)
		}
		return n
	}
	if n := count(open(t, ":memory:")); n != 2 {
		t.Fatalf("without the setting: %d rows, want 2", n)
	}
	c := open(t, ":memory:")
	apply(t, c, bestpractice.RecursiveTriggers)
	if n := count(c); n != 5 {
		t.Fatalf("with recursive triggers: %d rows, want 5", n)
	}
}

func stat1(t *testing.T, path string) string {
	t.Helper()
	c := open(t, path)
	defer c.Close()
	if ok, err := c.TableExists("main", "sqlite_stat1"); err != nil || !ok {
		return ""
	}
	s := ""
	for row, err := range c.Query("SELECT group_concat(idx || ' ' || stat) FROM sqlite_stat1") {
		if err != nil {
			t.Fatal(err)
		}
		s = row.ColumnText(0)
	}
	return s
}

// TestOptimizeOnClose: statistics are gathered when the setting is applied
// (those missing) and when the connection closes (those of the tables its
// queries used, if they grew much since).
func TestOptimizeOnClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	c := open(t, path)
	err := c.Exec(`CREATE TABLE t(a, b); CREATE INDEX t_a ON t(a);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20)
		INSERT INTO t SELECT i % 10, i FROM n`)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if s := stat1(t, path); s != "" {
		t.Fatalf("statistics before: %q", s)
	}

	c = open(t, path)
	apply(t, c, bestpractice.OptimizeOnClose)
	if s := stat1(t, path); s != "t_a 20 2" {
		t.Fatalf("statistics after applying: %q, want t_a 20 2", s)
	}
	err = c.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
		INSERT INTO t SELECT i % 100, i FROM n;
		SELECT * FROM t WHERE a = 3`)
	if err != nil {
		t.Fatal(err)
	}
	if s := stat1(t, path); s != "t_a 20 2" {
		t.Fatalf("statistics before closing: %q", s)
	}
	c.Close()
	if s := stat1(t, path); !strings.HasPrefix(s, "t_a 2020 ") {
		t.Fatalf("statistics after closing: %q, want t_a analyzed again", s)
	}
}

// TestLoggingToSlog: SQLite's error log reaches the logger, with the code.
func TestLoggingToSlog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := open(t, ":memory:")
	apply(t, c, bestpractice.Logging(logger))
	t.Cleanup(func() { sqlite.SetLogHandler(nil) })
	if err := c.Exec("SELECT * FROM nosuch_table_for_log"); err == nil {
		t.Fatal("query of a missing table succeeded")
	}
	out := buf.String()
	if !strings.Contains(out, "nosuch_table_for_log") || !strings.Contains(out, "code=SQLITE_ERROR") || !strings.Contains(out, "level=WARN") {
		t.Fatalf("log output %q", out)
	}
}

// TestRecommendedAppliesAll applies every setting to a file database.
func TestRecommendedAppliesAll(t *testing.T) {
	c := open(t, filepath.Join(t.TempDir(), "all.db"))
	t.Cleanup(func() { sqlite.SetLogHandler(nil) })
	apply(t, c, bestpractice.Recommended()...)
	fk, _ := c.ForeignKeys()
	mode, _ := c.JournalMode()
	rt, _ := c.ReadPragma("recursive_triggers")
	dqs, _ := c.DBConfig(sqlite.DBConfigDQSDML)
	if !fk || mode != sqlite.JournalWAL || rt != "1" || dqs || c.BusyTimeout() != bestpractice.DefaultBusyTimeout {
		t.Fatalf("foreign keys %v, journal %q, recursive triggers %q, DQS %v, busy %v", fk, mode, rt, dqs, c.BusyTimeout())
	}
	if got := len(bestpractice.Recommended()); got != 7 {
		t.Fatalf("%d recommended settings", got)
	}
}

// TestApplyNamesFailingSetting: an error names the setting and wraps the
// cause; the settings after it are not applied.
func TestApplyNamesFailingSetting(t *testing.T) {
	c := open(t, ":memory:")
	if err := c.Exec("BEGIN; CREATE TABLE t(x)"); err != nil {
		t.Fatal(err)
	}
	err := bestpractice.Apply(c, bestpractice.ForeignKeys, bestpractice.RecursiveTriggers)
	if !errors.Is(err, sqlite.ErrMisuse) || !strings.Contains(err.Error(), "ForeignKeys") {
		t.Fatalf("Apply inside a transaction: %v", err)
	}
	if rt, _ := c.ReadPragma("recursive_triggers"); rt != "0" {
		t.Fatal("a setting after the failing one was applied")
	}
	if err := bestpractice.Apply(c, bestpractice.Setting{}); err == nil {
		t.Fatal("the zero Setting applied")
	}
	if err := bestpractice.Apply(nil, bestpractice.WAL); err == nil {
		t.Fatal("applied to a nil connection")
	}
}
