package usage_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/asqlite/asqlite/ext/usage"
	"github.com/asqlite/asqlite/sqlite"
)

func open(t *testing.T) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

const count1000 = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000) SELECT sum(i) FROM n"

// TestUsageSumsStatementRuns: the statement counters are the sums over the
// runs in the block, equal to the statement's own counters.
func TestUsageSumsStatementRuns(t *testing.T) {
	c := open(t)
	s, err := c.Prepare(count1000)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := usage.Measure(c, nil, func() error {
		for range 2 {
			if _, err := s.Step(); err != nil {
				return err
			}
			if err := s.Reset(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := s.Counters()
	if u.Statements != 2 || u.Stmt.VMSteps != want.VMSteps || u.Stmt.Sorts != want.Sorts || u.Stmt.FullScanSteps != want.FullScanSteps {
		t.Fatalf("usage %d runs, counters %+v; statement counters %+v", u.Statements, u.Stmt, want)
	}
	if u.Stmt.MemUsed != 0 {
		t.Fatalf("MemUsed %d summed; it is a level and must stay 0", u.Stmt.MemUsed)
	}
}

// TestUsageCountsNestedStatements: statements a virtual table runs are
// work done in the block too.
func TestUsageCountsNestedStatements(t *testing.T) {
	c := open(t)
	u, err := usage.Measure(c, nil, func() error {
		return c.Exec("SELECT count(*) FROM pragma_function_list")
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Statements != 2 {
		t.Fatalf("%d statement runs, want 2 (the query and PRAGMA function_list)", u.Statements)
	}
}

// TestUsageIgnoresRunsStartedBefore: a statement running when the
// measurement starts is not counted.
func TestUsageIgnoresRunsStartedBefore(t *testing.T) {
	c := open(t)
	var m *usage.Meter
	for _, err := range c.Query("SELECT 1 UNION ALL SELECT 2") {
		if err != nil {
			t.Fatal(err)
		}
		if m == nil {
			var err error
			if m, err = usage.Start(c, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	u := m.Stop()
	if u.Statements != 0 || u.Stmt.VMSteps != 0 {
		t.Fatalf("counted a run that started before: %+v", u)
	}
	if u2 := m.Stop(); u2 != u {
		t.Fatalf("second Stop returned %+v, want %+v", u2, u)
	}
}

// TestUsageConnectionCounters: memory held by a statement prepared in the
// block shows as statement memory; page cache activity of a file database
// shows as hits, misses and writes.
func TestUsageConnectionCounters(t *testing.T) {
	c, err := sqlite.Open(t.TempDir()+"/u.db", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var kept *sqlite.Stmt
	u, err := usage.Measure(c, nil, func() error {
		if err := c.Exec("CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(10000))"); err != nil {
			return err
		}
		kept, err = c.Prepare("SELECT length(x) FROM t")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	if u.Conn.StmtUsed <= 0 || u.Conn.SchemaUsed <= 0 || u.Conn.CacheWrite <= 0 {
		t.Fatalf("connection counters %+v: want statement and schema memory grown, pages written", u.Conn)
	}
}

// TestUsageWithoutConn measures the process only.
func TestUsageWithoutConn(t *testing.T) {
	u, err := usage.Measure(nil, nil, func() error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if u.Wall <= 0 || u.CPU != u.User+u.System || u.Statements != 0 || u.Conn != (usage.ConnCounters{}) {
		t.Fatalf("usage without a connection: %+v", u)
	}
}

// TestUsageThreadScope measures the calling thread (Linux) and reports its
// scope.
func TestUsageThreadScope(t *testing.T) {
	u, err := usage.Measure(nil, &usage.Options{Scope: usage.Thread}, func() error { return nil })
	if err != nil {
		t.Skipf("thread scope: %v", err)
	}
	for _, l := range u.Lines() {
		if strings.HasPrefix(l.Label, "Process") {
			t.Fatalf("thread scope printed %q", l.Label)
		}
	}
	if u.Scope != usage.Thread {
		t.Fatalf("scope %v", u.Scope)
	}
}

// TestUsageKeepsCallerTracer: the caller's tracer keeps its events.
func TestUsageKeepsCallerTracer(t *testing.T) {
	c := open(t)
	n := 0
	if _, err := c.AddTrace(sqlite.TraceProfile, func(sqlite.TraceEvent) { n++ }); err != nil {
		t.Fatal(err)
	}
	if _, err := usage.Measure(c, nil, func() error { return c.Exec("SELECT 1") }); err != nil {
		t.Fatal(err)
	}
	c.Exec("SELECT 2")
	if n != 2 {
		t.Fatalf("caller's tracer saw %d statements, want 2", n)
	}
}

// TestUsageClosedConn: Start refuses a closed connection.
func TestUsageClosedConn(t *testing.T) {
	c, _ := sqlite.Open(":memory:", 0)
	c.Close()
	if _, err := usage.Start(c, nil); !errors.Is(err, sqlite.ErrMisuse) {
		t.Fatalf("Start on a closed connection: %v", err)
	}
}

// TestUsageDoPrintsAndReturnsError: Do prints the usage even when the
// block fails, and returns the block's error.
func TestUsageDoPrintsAndReturnsError(t *testing.T) {
	c := open(t)
	var out bytes.Buffer
	err := usage.Do(c, &out, &usage.Options{Indent: "> "}, func() error { return c.Exec(count1000 + "; SELECT nosuch") })
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("Do: %v, want the block's error", err)
	}
	if !strings.Contains(out.String(), "SQLite vm operations") || !strings.Contains(out.String(), "> ") {
		t.Fatalf("Do printed %q", out.String())
	}
}

// TestUsagePrintsNonZeroAligned: only the figures that changed print, the
// labels aligned on the right, counts with separators.
func TestUsagePrintsNonZeroAligned(t *testing.T) {
	u := usage.Usage{
		Wall:       1500 * time.Millisecond,
		CPU:        250 * time.Millisecond,
		User:       250 * time.Millisecond,
		Rusage:     usage.Rusage{MinorFaults: 3, MaxRSS: 3 << 20},
		Stmt:       sqlite.StmtCounters{FullScanSteps: 1365, VMSteps: 1015353},
		Statements: 1,
		Conn:       usage.ConnCounters{StmtUsed: -512},
	}
	var out bytes.Buffer
	if _, err := u.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	want := `    Process CPU consumption 250.000ms
                 Wall clock 1.500s
      CPU time in user mode 250.000ms
Peak resident memory growth 3.0MB
       Page faults - no I/O 3
     SQLite full table scan 1,365
       SQLite vm operations 1,015,353
SQLite statements completed 1
    SQLite statement memory -512
`
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	usage.Usage{}.WriteTo(&out)
	if out.Len() != 0 {
		t.Fatalf("an empty usage printed %q", out.String())
	}
}

// TestUsagePanicPropagates: a panicking block's panic reaches the caller,
// and the connection can be measured again.
func TestUsagePanicPropagates(t *testing.T) {
	c := open(t)
	var got any
	func() {
		defer func() { got = recover() }()
		usage.Measure(c, &usage.Options{Scope: usage.Thread}, func() error { panic("boom") })
	}()
	if got != "boom" {
		t.Fatalf("recovered %v, want the block's panic", got)
	}
	u, err := usage.Measure(c, nil, func() error { return c.Exec("SELECT 1") })
	if err != nil || u.Statements != 1 {
		t.Fatalf("after a panicking block: %d statements, %v", u.Statements, err)
	}
}
