package sqlite

import (
	"errors"
	"strings"
	"testing"
)

func TestStmtStatusCountsScansAndSorts(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a, b); INSERT INTO t VALUES(3, 'c'), (1, 'a'), (2, 'b')")
	s, err := c.Prepare("SELECT a FROM t ORDER BY b")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Exec(); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(); err != nil {
		t.Fatal(err)
	}
	got := s.Counters()
	if got.FullScanSteps != 4 || got.Sorts != 2 || got.Runs != 2 || got.VMSteps == 0 || got.MemUsed == 0 {
		t.Fatalf("counters after two runs: %+v", got)
	}
	if n := s.Status(StmtStatusSort, true); n != 2 {
		t.Fatalf("sorts %d, want 2", n)
	}
	if n := s.Status(StmtStatusSort, false); n != 0 {
		t.Fatalf("sorts %d after reset, want 0", n)
	}
	// A run's counts are the difference of two snapshots.
	before := s.Counters()
	if err := s.Exec(); err != nil {
		t.Fatal(err)
	}
	run := s.Counters().Sub(before)
	if run.FullScanSteps != 2 || run.Sorts != 1 || run.Runs != 1 {
		t.Fatalf("one run: %+v", run)
	}
	if sum := run.Add(run); sum.Sorts != 2 || sum.VMSteps != 2*run.VMSteps {
		t.Fatalf("Add: %+v", sum)
	}
	s.Close()
	if s.Status(StmtStatusRun, false) != 0 || s.Counters() != (StmtCounters{}) {
		t.Fatal("closed statement reports counters")
	}
}

func TestStmtStatusAutoIndex(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, `CREATE TABLE a(x); CREATE TABLE b(y);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100)
		INSERT INTO a SELECT i FROM n;
		INSERT INTO b SELECT x FROM a`)
	s, err := c.Prepare("SELECT count(*) FROM a JOIN b ON a.x = b.y")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Exec(); err != nil {
		t.Fatal(err)
	}
	if n := s.Status(StmtStatusAutoIndex, false); n == 0 {
		t.Fatal("join without index built no automatic index")
	}
}

func TestConnStatusReportsMemoryAndCache(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a); INSERT INTO t VALUES(1)")
	s, err := c.Prepare("SELECT a FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, op := range []DBStatusOp{DBStatusStmtUsed, DBStatusSchemaUsed, DBStatusCacheUsed} {
		cur, _, err := c.Status(op, false)
		if err != nil || cur <= 0 {
			t.Errorf("%v: %d, %v", op, cur, err)
		}
	}
	if err := s.Exec(); err != nil {
		t.Fatal(err)
	}
	hits, _, err := c.Status(DBStatusCacheHit, true)
	if err != nil || hits == 0 {
		t.Fatalf("cache hits %d, %v", hits, err)
	}
	if hits, _, _ := c.Status(DBStatusCacheHit, false); hits != 0 {
		t.Fatalf("cache hits %d after reset", hits)
	}
	if _, _, err := c.Status(DBStatusOp(1000), false); !errors.Is(err, ErrError) {
		t.Fatalf("unknown op: %v", err)
	}
	for _, op := range DBStatusOps {
		if _, _, err := c.Status(op, false); err != nil {
			t.Errorf("%v: %v", op, err)
		}
	}
}

func TestDeferredForeignKeyStatus(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, `PRAGMA foreign_keys = ON;
		CREATE TABLE p(id INTEGER PRIMARY KEY);
		CREATE TABLE ch(p REFERENCES p DEFERRABLE INITIALLY DEFERRED)`)
	hkExec(t, c, "BEGIN; INSERT INTO ch VALUES(1)")
	if cur, _, _ := c.Status(DBStatusDeferredFKs, false); cur != 1 {
		t.Fatalf("unresolved deferred FK: status %d, want 1", cur)
	}
	hkExec(t, c, "INSERT INTO p VALUES(1)")
	if cur, _, _ := c.Status(DBStatusDeferredFKs, false); cur != 0 {
		t.Fatalf("resolved deferred FK: status %d, want 0", cur)
	}
	hkExec(t, c, "COMMIT")
}

func TestStatusNames(t *testing.T) {
	for _, op := range DBStatusOps {
		if s := op.String(); !strings.HasPrefix(s, "SQLITE_DBSTATUS_") || strings.HasSuffix(s, "_") {
			t.Errorf("%d: %q", int(op), s)
		}
	}
	for _, op := range []StmtStatusOp{StmtStatusFullScanStep, StmtStatusSort, StmtStatusAutoIndex, StmtStatusVMStep,
		StmtStatusReprepare, StmtStatusRun, StmtStatusFilterMiss, StmtStatusFilterHit, StmtStatusMemUsed} {
		if s := op.String(); !strings.HasPrefix(s, "SQLITE_STMTSTATUS_") {
			t.Errorf("%d: %q", int(op), s)
		}
	}
	for _, op := range []StatusOp{StatusMemoryUsed, StatusPageCacheUsed, StatusPageCacheOverflow,
		StatusMallocSize, StatusParserStack, StatusPageCacheSize, StatusMallocCount} {
		if s := op.String(); !strings.HasPrefix(s, "SQLITE_STATUS_") {
			t.Errorf("%d: %q", int(op), s)
		}
	}
	if DBStatusOp(99).String() != "DBStatusOp(99)" || StmtStatusOp(98).String() != "StmtStatusOp(98)" ||
		StatusOp(99).String() != "StatusOp(99)" {
		t.Error("unknown ops")
	}
}

func TestGlobalStatus(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a); INSERT INTO t VALUES(randomblob(5000))")
	cur, hi, err := GlobalStatus(StatusPageCacheOverflow, false)
	if err != nil || hi < cur || hi <= 0 {
		t.Fatalf("page cache overflow %d (high %d), %v", cur, hi, err)
	}
	if _, _, err := GlobalStatus(StatusOp(1000), false); !errors.Is(err, ErrMisuse) {
		t.Fatalf("unknown op: %v", err)
	}
}
