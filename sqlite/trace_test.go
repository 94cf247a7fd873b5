package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestTraceFollowsAStatement(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a); INSERT INTO t VALUES(1), (2), (3)")
	s, err := c.Prepare("SELECT a FROM t WHERE a >= ?")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	type rec struct {
		kind      TraceMask
		id        StmtID
		text, exp string
		stmt      *Stmt
		counters  StmtCounters
	}
	var got []rec
	var profile TraceEvent
	mustAdd(c.AddTrace(TraceStmt|TraceRow|TraceProfile, func(ev TraceEvent) {
		got = append(got, rec{ev.Kind, ev.ID, ev.Text(), ev.ExpandedSQL(), ev.Stmt(), ev.Counters()})
		if ev.Kind == TraceProfile {
			profile = ev
		}
	}))
	if err := s.Bind(2); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for {
		row, err := s.Step()
		if err != nil {
			t.Fatal(err)
		}
		if !row {
			break
		}
		rows++
	}
	if len(got) != 2+rows || rows != 2 {
		t.Fatalf("%d rows gave %d events: %+v", rows, len(got), got)
	}
	kinds := []TraceMask{TraceStmt, TraceRow, TraceRow, TraceProfile}
	for i, r := range got {
		if r.kind != kinds[i] || r.id != s.ID() || r.stmt != s {
			t.Errorf("event %d: %v id %x stmt %p, want %v id %x stmt %p", i, r.kind, r.id, r.stmt, kinds[i], s.ID(), s)
		}
		if r.exp != "SELECT a FROM t WHERE a >= 2" {
			t.Errorf("event %d: expanded SQL %q", i, r.exp)
		}
	}
	if got[0].text != s.SQL() {
		t.Errorf("TraceStmt text %q, want the statement's SQL", got[0].text)
	}
	run := got[3].counters.Sub(got[0].counters)
	if run.VMSteps <= 0 || run.Runs != 1 || run.FullScanSteps != 2 {
		t.Errorf("counters of the run: %+v", run)
	}
	if profile.Duration <= 0 {
		t.Errorf("profile duration %v", profile.Duration)
	}
	// After its callback, an event's methods read nothing.
	if profile.SQL() != "" || profile.Stmt() != nil || profile.Counters() != (StmtCounters{}) {
		t.Error("event still readable after its callback")
	}
	if profile.ID != s.ID() || profile.Kind != TraceProfile {
		t.Error("event fields lost after its callback")
	}
}

func TestTraceMarksTriggersAndNestedStatements(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, `CREATE TABLE t(a); CREATE TABLE log(x);
		CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); END`)
	var lines []string
	mustAdd(c.AddTrace(TraceStmt, func(ev TraceEvent) {
		line := fmt.Sprintf("%q nested=%v inTrigger=%v trigger=%q internal=%v",
			ev.Text(), ev.Nested(), ev.InTrigger(), ev.Trigger(), ev.Stmt() == nil)
		lines = append(lines, line)
	}))
	s, err := c.Prepare("INSERT INTO t VALUES(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids []StmtID
	remove := mustAdd(c.AddTrace(TraceStmt, func(ev TraceEvent) { ids = append(ids, ev.ID) }))
	if err := s.Exec(); err != nil {
		t.Fatal(err)
	}
	remove()
	hkInt(t, c, "SELECT narg FROM pragma_function_list WHERE name = 'pow'")
	want := []string{
		`"INSERT INTO t VALUES(1)" nested=false inTrigger=false trigger="" internal=false`,
		`"-- TRIGGER tr" nested=false inTrigger=true trigger="tr" internal=false`,
		`"-- INSERT INTO log VALUES(new.a)" nested=false inTrigger=true trigger="" internal=false`,
		`"SELECT narg FROM pragma_function_list WHERE name = 'pow'" nested=false inTrigger=false trigger="" internal=false`,
		`"-- PRAGMA function_list" nested=true inTrigger=false trigger="" internal=true`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trace:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if len(ids) != 3 || ids[0] != s.ID() || ids[1] != s.ID() || ids[2] != s.ID() {
		t.Fatalf("trigger events carry IDs %x, want the firing statement's %x", ids, s.ID())
	}
}

func TestTraceProfileSeesTheStatementsChanges(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, `CREATE TABLE t(a); CREATE TABLE log(a);
		CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); INSERT INTO log VALUES(new.a); END`)
	var total0 int64
	var own, withTriggers int64
	mustAdd(c.AddTrace(TraceStmt|TraceProfile, func(ev TraceEvent) {
		switch {
		case ev.Kind == TraceStmt && !ev.InTrigger():
			total0 = c.TotalChanges()
		case ev.Kind == TraceProfile:
			own, withTriggers = c.Changes(), c.TotalChanges()-total0
		}
	}))
	hkExec(t, c, "INSERT INTO t VALUES(1), (2), (3)")
	if own != 3 || withTriggers != 9 {
		t.Fatalf("changes at profile: own %d, with triggers %d; want 3 and 9", own, withTriggers)
	}
}

func TestTraceKindsFollowMasks(t *testing.T) {
	c := hkOpen(t)
	var mainKinds, extraKinds TraceMask
	removeMain := mustAdd(c.AddTrace(TraceProfile, func(ev TraceEvent) { mainKinds |= ev.Kind }))
	remove := mustAdd(c.AddTrace(TraceRow, func(ev TraceEvent) { extraKinds |= ev.Kind }))
	hkInt(t, c, "SELECT 1")
	if mainKinds != TraceProfile || extraKinds != TraceRow {
		t.Fatalf("tracers got %v and %v", mainKinds, extraKinds)
	}
	remove()
	remove()
	removeMain()
	if c.hooks.tr.mask != 0 {
		t.Fatalf("trace still installed with mask %v", c.hooks.tr.mask)
	}
	mainKinds, extraKinds = 0, 0
	hkInt(t, c, "SELECT 2")
	if mainKinds != 0 || extraKinds != 0 {
		t.Fatal("removed tracers still called")
	}
	if s := (TraceStmt | TraceClose).String(); s != "SQLITE_TRACE_STMT|SQLITE_TRACE_CLOSE" {
		t.Fatal(s)
	}
	if nop, err := c.AddTrace(0, func(TraceEvent) {}); !errors.Is(err, ErrMisuse) || nop == nil {
		t.Fatalf("empty mask: %v; want ErrMisuse and a no-op remove func", err)
	}
	if nop, err := c.AddTrace(TraceRow, nil); !errors.Is(err, ErrMisuse) || nop == nil {
		t.Fatalf("nil fn: %v; want ErrMisuse and a no-op remove func", err)
	}
}

func TestTracePanicFailsStatement(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a); INSERT INTO t VALUES(1), (2), (3)")
	rows := 0
	remove := mustAdd(c.AddTrace(TraceRow, func(ev TraceEvent) { panic(errHookBoom) }))
	var err error
	for _, e := range c.Query("SELECT a FROM t") {
		if err = e; err != nil {
			break
		}
		rows++
	}
	if !errors.Is(err, errHookBoom) || !errors.Is(err, ErrInterrupt) {
		t.Fatalf("after %d rows: error %v, want an interrupt wrapping the panic", rows, err)
	}
	remove()
	if n := hkInt(t, c, "SELECT count(*) FROM t"); n != 3 {
		t.Fatal(n)
	}
}

func TestTraceSeesTheCallersContext(t *testing.T) {
	type key struct{}
	c := hkOpen(t)
	var seen []any
	mustAdd(c.AddTrace(TraceStmt|TraceProfile, func(ev TraceEvent) { seen = append(seen, ev.Conn().Context().Value(key{})) }))
	c.SetContext(context.WithValue(context.Background(), key{}, "v"))
	hkInt(t, c, "SELECT 1")
	if fmt.Sprint(seen) != "[v v]" {
		t.Fatalf("tracer saw %v", seen)
	}
}

func BenchmarkScanTraceProfile(b *testing.B) {
	benchScan(b, func(c *Conn) { mustAdd(c.AddTrace(TraceStmt|TraceProfile, func(TraceEvent) {})) })
}

func BenchmarkScanTraceRow(b *testing.B) {
	benchScan(b, func(c *Conn) { mustAdd(c.AddTrace(TraceRow, func(TraceEvent) {})) })
}

// BenchmarkPointQuery and its traced variants measure the per-statement
// cost of tracing, where it matters most: short statements.
func BenchmarkPointQuery(b *testing.B) {
	benchPoint(b, func(c *Conn) {})
}

func BenchmarkPointQueryTraceProfile(b *testing.B) {
	benchPoint(b, func(c *Conn) { mustAdd(c.AddTrace(TraceProfile, func(TraceEvent) {})) })
}

func BenchmarkPointQueryTraceAll(b *testing.B) {
	benchPoint(b, func(c *Conn) {
		mustAdd(c.AddTrace(TraceStmt|TraceRow|TraceProfile, func(ev TraceEvent) {
			if ev.Kind == TraceProfile {
				_ = ev.Counters()
			}
		}))
	})
}

func benchPoint(b *testing.B, setup func(c *Conn)) {
	c := hkOpen(b)
	hkExec(b, c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
	hkExec(b, c, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000) INSERT INTO t SELECT i, 'v' || i FROM n")
	setup(c)
	s, err := c.Prepare("SELECT v FROM t WHERE id = ?")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	i := 0
	for b.Loop() {
		i = i%1000 + 1
		s.Reset()
		if err := s.Bind(i); err != nil {
			b.Fatal(err)
		}
		if row, err := s.Step(); !row || err != nil {
			b.Fatal(row, err)
		}
		s.Reset()
	}
}

// BenchmarkTraceDispatch measures the cost of one trace event reaching a Go
// tracer (what TraceRow adds per row), without the engine's work around it.
func BenchmarkTraceDispatch(b *testing.B) {
	c := hkOpen(b)
	s, err := c.Prepare("SELECT 1")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	n := 0
	mustAdd(c.AddTrace(TraceRow, func(TraceEvent) { n++ }))
	for b.Loop() {
		traceTrampoline(c.tls, uint32(TraceRow), c.handle, s.p, 0)
	}
	if n != b.N {
		b.Fatal(n, b.N)
	}
}
