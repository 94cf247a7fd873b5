package sqlite

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestPragmaReadsFirstValue(t *testing.T) {
	c := openFuncTest(t)
	if v, err := c.ReadPragma("page_size"); err != nil || v != "4096" {
		t.Fatalf("page_size = %q, %v", v, err)
	}
	if v, err := c.ReadPragma("main.user_version"); err != nil || v != "0" {
		t.Fatalf("main.user_version = %q, %v", v, err)
	}
	// A pragma returning no row reads as "".
	if v, err := c.ReadPragma("foreign_key_check"); err != nil || v != "" {
		t.Fatalf("foreign_key_check = %q, %v", v, err)
	}
	// An unknown schema is SQLite's error.
	if _, err := c.ReadPragma("nosuch.user_version"); err == nil {
		t.Fatal("pragma on unknown schema succeeded")
	}
}

func TestPragmaNamesCannotInjectSQL(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE victim(x)")
	for _, name := range []string{
		"", "user_version; DROP TABLE victim", "user_version = 5", "table_info(victim)",
		"1abc", "main.", ".user_version", "a.b.c", "user version", "x\x00",
	} {
		if _, err := c.ReadPragma(name); CodeOf(err) != ErrMisuse {
			t.Errorf("Pragma(%q) err = %v, want ErrMisuse", name, err)
		}
		if err := c.SetPragma(name, 1); CodeOf(err) != ErrMisuse {
			t.Errorf("SetPragma(%q) err = %v, want ErrMisuse", name, err)
		}
	}
	// A schema name is quoted, whatever it holds.
	if _, err := c.ReadPragma(`main"; DROP TABLE victim; --.user_version`); err == nil {
		t.Error("pragma on a strange schema name succeeded")
	}
	if ok, err := c.TableExists("", "victim"); !ok || err != nil {
		t.Fatal("an injected statement ran")
	}
}

func TestSetPragmaValuesCannotInjectSQL(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE victim(x)")
	err := c.SetPragma("journal_mode", "memory'; DROP TABLE victim; --")
	if err != nil {
		t.Logf("SetPragma with a strange value: %v", err)
	}
	if ok, err := c.TableExists("", "victim"); !ok || err != nil {
		t.Fatal("an injected statement ran")
	}
	for _, v := range []any{nil, struct{}{}, []int{1}, "nul\x00byte", 1.0 / zero(), uint64(1 << 63)} {
		if err := c.SetPragma("user_version", v); err == nil {
			t.Errorf("SetPragma(user_version, %#v) succeeded", v)
		}
	}
}

func zero() float64 { return 0 }

type myInt int

func TestSetPragmaValueTypes(t *testing.T) {
	c := openFuncTest(t)
	for _, tc := range []struct {
		name  string
		value any
		want  string
	}{
		{"user_version", 42, "42"},
		{"user_version", int64(-7), "-7"},
		{"user_version", myInt(9), "9"},
		{"user_version", "12", "12"},
		{"cache_size", -2000, "-2000"},
		{"recursive_triggers", true, "1"},
		{"recursive_triggers", false, "0"},
		{"recursive_triggers", "on", "1"},
		{"application_id", uint64(17), "17"},
	} {
		if err := c.SetPragma(tc.name, tc.value); err != nil {
			t.Fatalf("SetPragma(%s, %#v): %v", tc.name, tc.value, err)
		}
		if v, err := c.ReadPragma(tc.name); err != nil || v != tc.want {
			t.Errorf("after SetPragma(%s, %#v): %q, %v, want %q", tc.name, tc.value, v, err, tc.want)
		}
	}
}

func TestJournalModeHelpers(t *testing.T) {
	c, err := Open(filepath.Join(t.TempDir(), "j.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m, err := c.JournalMode(); err != nil || m != JournalDelete {
		t.Fatalf("JournalMode = %q, %v, want delete", m, err)
	}
	if m, err := c.SetJournalMode(JournalWAL); err != nil || m != JournalWAL {
		t.Fatalf("SetJournalMode(wal) = %q, %v", m, err)
	}
	if m, err := c.JournalMode(); err != nil || m != JournalWAL {
		t.Fatalf("JournalMode after set = %q, %v", m, err)
	}
	if _, err := c.SetJournalMode("wal; DROP TABLE x"); CodeOf(err) != ErrMisuse {
		t.Fatalf("unknown journal mode: err = %v", err)
	}
	// An in-memory database keeps its own mode, and says so.
	mem := openFuncTest(t)
	if m, err := mem.SetJournalMode(JournalWAL); err != nil || m != JournalMemory {
		t.Fatalf("SetJournalMode(wal) on :memory: = %q, %v, want memory", m, err)
	}
}

func TestSynchronousHelpers(t *testing.T) {
	c := openFuncTest(t)
	for _, m := range []SyncMode{SyncOff, SyncNormal, SyncFull, SyncExtra} {
		if err := c.SetSynchronous(m); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Synchronous(); err != nil || got != m {
			t.Fatalf("Synchronous = %v, %v, want %v", got, err, m)
		}
	}
	for _, bad := range []SyncMode{0, SyncExtra + 1} {
		if err := c.SetSynchronous(bad); CodeOf(err) != ErrRange {
			t.Fatalf("SetSynchronous(%d) err = %v, want ErrRange", int(bad), err)
		}
	}
	if SyncNormal.String() != "NORMAL" {
		t.Fatalf("SyncNormal.String() = %q", SyncNormal.String())
	}
	for s, want := range map[string]SyncMode{"off": SyncOff, "Normal": SyncNormal, "FULL": SyncFull, "extra": SyncExtra} {
		if m, ok := ParseSyncMode(s); !ok || m != want {
			t.Fatalf("ParseSyncMode(%q) = %v, %v; want %v", s, m, ok, want)
		}
	}
	if m, ok := ParseSyncMode("2"); ok {
		t.Fatalf("ParseSyncMode(2) = %v, want not ok", m)
	}
}

func TestUserVersionHelpers(t *testing.T) {
	c := openFuncTest(t)
	for _, v := range []int{5, -1, 1<<31 - 1, -1 << 31} {
		if err := c.SetUserVersion(v); err != nil {
			t.Fatal(err)
		}
		if got, err := c.UserVersion(); err != nil || got != v {
			t.Fatalf("UserVersion = %d, %v, want %d", got, err, v)
		}
	}
	if err := c.SetUserVersion(1 << 31); CodeOf(err) != ErrRange {
		t.Fatalf("SetUserVersion(1<<31) err = %v, want ErrRange", err)
	}
	// It is transactional.
	mustExec(t, c, "BEGIN")
	if err := c.SetUserVersion(99); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "ROLLBACK")
	if got, _ := c.UserVersion(); got != -1<<31 {
		t.Fatalf("UserVersion after rollback = %d", got)
	}
}

func TestForeignKeysHelpers(t *testing.T) {
	c := openFuncTest(t)
	if on, err := c.ForeignKeys(); err != nil || on {
		t.Fatalf("ForeignKeys = %v, %v, want off by default", on, err)
	}
	if err := c.SetForeignKeys(true); err != nil {
		t.Fatal(err)
	}
	if on, err := c.ForeignKeys(); err != nil || !on {
		t.Fatalf("ForeignKeys = %v, %v after enabling", on, err)
	}
	mustExec(t, c, "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE ch(p REFERENCES p(id))")
	if err := c.Exec("INSERT INTO ch VALUES (1)"); !errors.Is(err, ErrConstraintForeignKey) {
		t.Fatalf("orphan insert: err = %v, want ErrConstraintForeignKey", err)
	}
	mustExec(t, c, "BEGIN")
	if err := c.SetForeignKeys(false); CodeOf(err) != ErrMisuse {
		t.Fatalf("SetForeignKeys inside a transaction: err = %v, want ErrMisuse", err)
	}
	mustExec(t, c, "ROLLBACK")
	c.Close()
	if err := c.SetForeignKeys(true); !errors.Is(err, ErrClosed) {
		t.Fatalf("SetForeignKeys on closed conn: %v", err)
	}
	if _, err := c.ReadPragma("user_version"); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadPragma on closed conn: %v", err)
	}
}

func TestIntegrityCheckReportsCorruption(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE t(x); CREATE INDEX t_x ON t(x); INSERT INTO t "+seriesSQL(200))
	if err := c.IntegrityCheck(); err != nil {
		t.Fatal(err)
	}
	// Make the index disagree with the table behind SQLite's back.
	mustExec(t, c, "PRAGMA writable_schema = ON")
	mustExec(t, c, "UPDATE sqlite_schema SET sql = 'CREATE INDEX t_x ON t(x DESC)' WHERE name = 't_x'")
	mustExec(t, c, "PRAGMA writable_schema = RESET")
	err := c.IntegrityCheck()
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "t_x") {
		t.Fatalf("IntegrityCheck = %v, want ErrCorrupt naming the index", err)
	}
}
