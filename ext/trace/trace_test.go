package trace_test

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/ext/trace"
	"github.com/asqlite/asqlite/sqlite"
)

// timing matches the durations a trace prints.
var timing = regexp.MustCompile(`Time: [0-9.]+(ns|µs|ms|s)`)

func masked(s string) string { return timing.ReplaceAllString(s, "Time: T") }

func open(t *testing.T) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func exec(t *testing.T, c *sqlite.Conn, sql string, args ...any) {
	t.Helper()
	if err := c.Exec(sql, args...); err != nil {
		t.Fatal(err)
	}
}

func drain(t *testing.T, c *sqlite.Conn, sql string, args ...any) {
	t.Helper()
	for _, err := range c.Query(sql, args...) {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func compare(t *testing.T, got, want string) {
	t.Helper()
	got = masked(got)
	want = strings.TrimLeft(want, "\n")
	if got != want {
		t.Errorf("trace output differs\n--- got:\n%s--- want:\n%s", got, want)
	}
}

var everything = &trace.Options{VTables: true, Changes: trace.ChangeValues, Transactions: true}

// TestTraceTourSequence traces the seed tour's block: a transaction with
// a table, inserts, a query and a delete; a query on a virtual table that
// runs its own statement; a trigger that rolls the statement back.
func TestTraceTourSequence(t *testing.T) {
	c := open(t)
	var out bytes.Buffer
	var stmtErr error
	err := trace.Do(c, &out, everything, func() error {
		err := c.Tx(sqlite.Deferred, func() error {
			exec(t, c, "create table multi(x)")
			for i := range 3 {
				exec(t, c, "insert into multi values(?)", i)
			}
			drain(t, c, "select * from multi limit 2")
			return c.Exec("delete from multi where x < 2")
		})
		if err != nil {
			return err
		}
		drain(t, c, "SELECT narg FROM pragma_function_list WHERE name='pow'")
		exec(t, c, `create trigger error after insert on multi
			begin
			update multi set rowid=100+new.rowid where rowid=new.rowid;
			select raise(rollback, 'nope');
			end;`)
		stmtErr = c.Exec("insert into multi values(54)")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(stmtErr, sqlite.ErrConstraintTrigger) {
		t.Fatalf("insert: got %v, want the trigger's error", stmtErr)
	}
	// The number of functions SQLite lists depends on the build; mask it.
	got := regexp.MustCompile(`Rows: \d+  VmStep: [\d,]+  Mem: [\d.]+KB`).
		ReplaceAllString(out.String(), "Rows: N  VmStep: N  Mem: M")
	compare(t, got, `
> BEGIN
    Time: T
 !BEGIN
> create table multi(x)
    Time: T
> insert into multi values(?)
  INS 1 (0)
    Time: T  Changes: 1
> insert into multi values(?)
  INS 2 (1)
    Time: T  Changes: 1
> insert into multi values(?)
  INS 3 (2)
    Time: T  Changes: 1
> select * from multi limit 2
    Time: T  Rows: 2
> delete from multi where x < 2
  DEL 1 (0)
  DEL 2 (1)
    Time: T  Changes: 2
> COMMIT
 !COMMIT
    Time: T
> SELECT narg FROM pragma_function_list WHERE name='pow'
V PRAGMA function_list
    Time: T  Rows: N  VmStep: N  Mem: M
< SELECT narg FROM pragma_function_list WHERE name='pow'
    Time: T  Rows: 1  VmStep: 575
 !BEGIN
> create trigger error after insert on multi begin update multi set rowid=100...
 !COMMIT
    Time: T
 !BEGIN
> insert into multi values(54)
  INS 4 (54)
T TRIGGER error
    UPD 4>104 (...)
 !ROLLBACK
< insert into multi values(54)
    Time: T  Changes: 1
`)
}

// TestTraceDefaultsShowStatementsOnly: the zero Options leave out nested
// statements, changes and transactions.
func TestTraceDefaultsShowStatementsOnly(t *testing.T) {
	c := open(t)
	var out bytes.Buffer
	err := trace.Do(c, &out, nil, func() error {
		exec(t, c, "create table t(x); insert into t values(1)")
		drain(t, c, "SELECT count(*) FROM pragma_function_list")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, regexp.MustCompile(`VmStep: [\d,]+`).ReplaceAllString(out.String(), "VmStep: N"), `
> create table t(x)
    Time: T
> insert into t values(1)
    Time: T  Changes: 1
> SELECT count(*) FROM pragma_function_list
    Time: T  Rows: 1  VmStep: N
`)
}

// TestTraceCountersOverThresholds: a sort, a full scan and a big automatic
// index show with their counts; counters below the thresholds do not.
func TestTraceCountersOverThresholds(t *testing.T) {
	c := open(t)
	exec(t, c, `create table a(x); create table b(y);
		with recursive n(i) as (select 1 union all select i+1 from n where i < 2000)
		insert into a select i from n;
		insert into b select x from a where x <= 150`)
	var out bytes.Buffer
	th := trace.Thresholds{FullScanSteps: 1000, Sorts: 1, AutoIndexRows: 100, VMSteps: 1 << 40, MemUsed: 1 << 40}
	err := trace.Do(c, &out, &trace.Options{Thresholds: &th}, func() error {
		drain(t, c, "select x from a order by x desc limit 1")
		drain(t, c, "select count(*) from b, a where a.x = b.y")
		drain(t, c, "select * from b limit 1")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, out.String(), `
> select x from a order by x desc limit 1
    Time: T  Rows: 1  FullScan: 1,999  Sort: 1
> select count(*) from b, a where a.x = b.y
    Time: T  Rows: 1  AutoIndex: 1,999
> select * from b limit 1
    Time: T  Rows: 1
`)
}

// TestTraceCountersPerRun: the counters of a statement reused by the cache
// are those of each run, not the statement's totals.
func TestTraceCountersPerRun(t *testing.T) {
	c := open(t)
	exec(t, c, "create table t(x); insert into t values (1), (2), (3)")
	var steps []int
	opts := &trace.Options{OnEvent: func(e trace.Event) {
		if e.Kind == trace.StmtEnd {
			steps = append(steps, e.Counters.VMSteps)
		}
	}}
	err := trace.Do(c, nil, opts, func() error {
		for range 3 {
			drain(t, c, "select * from t")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || steps[0] == 0 || steps[1] != steps[0] || steps[2] != steps[0] {
		t.Fatalf("VM steps per run: %v, want three equal non-zero counts", steps)
	}
}

// TestTraceTriggerStatements: with Triggers, each statement of a trigger
// body is shown; row changes made by triggers are indented by depth.
func TestTraceTriggerStatements(t *testing.T) {
	c := open(t)
	exec(t, c, `create table t(x); create table log(msg, n);
		create trigger tlog after insert on t begin
			insert into log values('added', new.x);
			update log set n = n + 1 where msg = 'added';
		end`)
	var out bytes.Buffer
	opts := &trace.Options{Triggers: true, Changes: trace.ChangeValues}
	err := trace.Do(c, &out, opts, func() error { return c.Exec("insert into t values(7)") })
	if err != nil {
		t.Fatal(err)
	}
	compare(t, out.String(), `
> insert into t values(7)
  INS 1 (7)
T TRIGGER tlog
T insert into log values('added', new.x)
    INS 1 ('added', 7)
T update log set n = n + 1 where msg = 'added'
    UPD 1 (..., 8)
< insert into t values(7)
    Time: T  Changes: 3
`)
}

// TestTraceChangeValues shows every value type of SQLite, rowid changes,
// and WITHOUT ROWID tables.
func TestTraceChangeValues(t *testing.T) {
	c := open(t)
	exec(t, c, "create table t(i, f, s, b, n); create table w(k primary key, v) without rowid")
	var out bytes.Buffer
	var events []trace.Event
	opts := &trace.Options{Changes: trace.ChangeValues, OnEvent: func(e trace.Event) {
		if e.Kind == trace.RowChange {
			events = append(events, e)
		}
	}}
	err := trace.Do(c, &out, opts, func() error {
		exec(t, c, "insert into t values(?, ?, ?, ?, ?)", 42, 2.5, "it's", []byte{0, 0xff}, nil)
		exec(t, c, "update t set rowid = 9, f = 3.0")
		exec(t, c, "delete from t")
		exec(t, c, "insert into w values('a', 1)")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, out.String(), `
> insert into t values(?, ?, ?, ?, ?)
  INS 1 (42, 2.5, 'it''s', X'00FF', NULL)
    Time: T  Changes: 1
> update t set rowid = 9, f = 3.0
  UPD 1>9 (..., 3.0, ..., ..., ...)
    Time: T  Changes: 1
> delete from t
  DEL 9 (42, 3.0, 'it''s', X'00FF', NULL)
    Time: T  Changes: 1
> insert into w values('a', 1)
  INS 0 ('a', 1)
    Time: T  Changes: 1
`)
	if len(events) != 4 {
		t.Fatalf("got %d row changes, want 4", len(events))
	}
	up := events[1]
	if up.Op != sqlite.OpUpdate || up.Schema != "main" || up.Table != "t" || up.OldRowID != 1 || up.NewRowID != 9 {
		t.Errorf("update event: %+v", up)
	}
	if fmt.Sprint(up.Old) != "[42 2.5 it's [0 255] <nil>]" || fmt.Sprint(up.New) != "[42 3 it's [0 255] <nil>]" {
		t.Errorf("update values: old %v, new %v", up.Old, up.New)
	}
	if events[0].Old != nil || events[2].New != nil {
		t.Errorf("INSERT has no old values and DELETE no new ones: %v, %v", events[0].Old, events[2].New)
	}
}

// TestTraceChangeRowIDs reports changes without values through the update
// hook, which works beside a Session.
func TestTraceChangeRowIDs(t *testing.T) {
	c := open(t)
	exec(t, c, "create table t(id integer primary key, x)")
	s, err := c.CreateSession("main", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Attach("t"); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []trace.ChangeMode{trace.ChangeRowIDs, trace.ChangeValues} {
		var out bytes.Buffer
		err = trace.Do(c, &out, &trace.Options{Changes: mode}, func() error {
			return c.Exec("insert into t values(5, 'x'); delete from t where id = 5")
		})
		if err != nil {
			t.Fatal(err)
		}
		// ChangeValues falls back to rowids: the session holds the
		// pre-update hook.
		compare(t, out.String(), `
> insert into t values(5, 'x')
  INS 5
    Time: T  Changes: 1
> delete from t where id = 5
  DEL 5
    Time: T  Changes: 1
`)
	}
	cs, err := s.Changeset()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 0 {
		// An insert and a delete of the same row cancel out; the session
		// still recorded them (it would hold a record if it had missed
		// the delete).
		t.Fatalf("session changeset holds %d bytes, want none", len(cs))
	}
}

// TestTraceWithValuesRefusesSessions: while a trace holds the pre-update
// hook, creating a session fails cleanly; after it stops, it works.
func TestTraceWithValuesRefusesSessions(t *testing.T) {
	c := open(t)
	stop, err := trace.Start(c, nil, &trace.Options{Changes: trace.ChangeValues})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSession("main", nil); !errors.Is(err, sqlite.ErrMisuse) {
		t.Fatalf("CreateSession during trace: %v, want ErrMisuse", err)
	}
	stop()
	s, err := c.CreateSession("main", nil)
	if err != nil {
		t.Fatalf("CreateSession after trace: %v", err)
	}
	s.Close()
}

// TestTraceStopEndsOutput: nothing is reported after stop, and stopping
// twice is harmless.
func TestTraceStopEndsOutput(t *testing.T) {
	c := open(t)
	var out bytes.Buffer
	stop, err := trace.Start(c, &out, everything)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, c, "create table t(x)")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	n := out.Len()
	exec(t, c, "insert into t values(1)")
	if out.Len() != n {
		t.Fatalf("trace wrote after stop: %q", out.String()[n:])
	}
}

// TestTraceKeepsCallerHooks: the program's own tracer and hooks keep
// working during and after a trace.
func TestTraceKeepsCallerHooks(t *testing.T) {
	c := open(t)
	var mine, commits, updates int
	for _, add := range []func() (func(), error){
		func() (func(), error) { return c.AddTrace(sqlite.TraceProfile, func(sqlite.TraceEvent) { mine++ }) },
		func() (func(), error) { return c.AddCommitHook(func() bool { commits++; return false }) },
		func() (func(), error) { return c.AddUpdateHook(func(sqlite.Op, string, string, int64) { updates++ }) },
		func() (func(), error) { return c.AddPreUpdateHook(func(*sqlite.PreUpdate) {}) },
	} {
		if _, err := add(); err != nil {
			t.Fatal(err)
		}
	}
	err := trace.Do(c, &bytes.Buffer{}, everything, func() error {
		return c.Exec("create table t(x); insert into t values(1)")
	})
	if err != nil {
		t.Fatal(err)
	}
	exec(t, c, "insert into t values(2)")
	if mine != 3 || commits != 3 || updates != 2 {
		t.Fatalf("caller's hooks saw %d profiles, %d commits, %d updates; want 3, 3, 2", mine, commits, updates)
	}
}

// TestTraceNestedTracesBothReport: two traces at once each see everything.
func TestTraceNestedTracesBothReport(t *testing.T) {
	c := open(t)
	var outer, inner bytes.Buffer
	err := trace.Do(c, &outer, nil, func() error {
		return trace.Do(c, &inner, nil, func() error { return c.Exec("select 1") })
	})
	if err != nil {
		t.Fatal(err)
	}
	if outer.String() != inner.String() || !strings.HasPrefix(outer.String(), "> select 1\n") {
		t.Fatalf("outer %q, inner %q", outer.String(), inner.String())
	}
}

// TestTraceStartsMidStatement: a statement already running when the trace
// starts is not reported, and does not confuse the statements after it.
func TestTraceStartsMidStatement(t *testing.T) {
	c := open(t)
	exec(t, c, "create table t(x); insert into t values(1), (2)")
	var out bytes.Buffer
	var stop func() error
	for _, err := range c.Query("select x from t") {
		if err != nil {
			t.Fatal(err)
		}
		if stop == nil {
			var err error
			if stop, err = trace.Start(c, &out, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	exec(t, c, "select 2")
	stop()
	compare(t, out.String(), `
> select 2
    Time: T  Rows: 1
`)
}

// TestTraceTruncateAndIndent: long SQL is cut at Truncate characters and
// every line starts with Indent.
func TestTraceTruncateAndIndent(t *testing.T) {
	c := open(t)
	var out bytes.Buffer
	err := trace.Do(c, &out, &trace.Options{Truncate: 10, Indent: "| "}, func() error {
		return c.Exec("select   'héllo wörld'")
	})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, out.String(), `
| > select 'hé...
|     Time: T  Rows: 1
`)
	out.Reset()
	err = trace.Do(c, &out, &trace.Options{Truncate: -1}, func() error {
		return c.Exec("select '" + strings.Repeat("x", 100) + "'")
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), strings.Repeat("x", 100)+"'\n") {
		t.Fatalf("Truncate -1 cut the SQL: %q", out.String())
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("disk full")
}

// TestTraceWriterErrorReported: stop (and Do) report the writer's first
// error, and the trace stops writing after it.
func TestTraceWriterErrorReported(t *testing.T) {
	c := open(t)
	w := &failingWriter{}
	err := trace.Do(c, w, nil, func() error { return c.Exec("select 1; select 2") })
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("Do: %v, want the writer's error", err)
	}
	if w.n != 1 {
		t.Fatalf("writer called %d times after failing, want 1 call", w.n)
	}
}

// TestTraceFnErrorWins: Do returns the block's error.
func TestTraceFnErrorWins(t *testing.T) {
	c := open(t)
	boom := errors.New("boom")
	if err := trace.Do(c, &failingWriter{}, nil, func() error { c.Exec("select 1"); return boom }); err != boom {
		t.Fatalf("Do: %v, want the block's error", err)
	}
}

// TestTraceOnEventPanicFailsStatement: a panicking OnEvent fails the
// statement with an error wrapping sqlite.PanicError; the connection lives.
func TestTraceOnEventPanicFailsStatement(t *testing.T) {
	c := open(t)
	stop, err := trace.Start(c, nil, &trace.Options{OnEvent: func(e trace.Event) {
		if e.Kind == trace.StmtStart {
			panic("bad observer")
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Exec("select 1")
	stop()
	var pe *sqlite.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("statement error: %v, want a *sqlite.PanicError", err)
	}
	exec(t, c, "select 1")
}

// TestTraceClosedConn: Start refuses a closed or nil connection.
func TestTraceClosedConn(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := trace.Start(c, nil, nil); !errors.Is(err, sqlite.ErrMisuse) {
		t.Fatalf("Start on closed conn: %v", err)
	}
	if _, err := trace.Start(nil, nil, nil); err == nil {
		t.Fatal("Start on nil conn succeeded")
	}
}

// TestTraceEventsForPrograms: the events carry the figures the printed
// trace shows.
func TestTraceEventsForPrograms(t *testing.T) {
	c := open(t)
	exec(t, c, "create table t(x)")
	var got []string
	opts := &trace.Options{Changes: trace.ChangeValues, Transactions: true, OnEvent: func(e trace.Event) {
		switch e.Kind {
		case trace.StmtEnd:
			got = append(got, fmt.Sprintf("%v %q rows=%d changes=%d runs=%d", e.Kind, e.SQL, e.Rows, e.Changes, e.Counters.Runs))
		default:
			got = append(got, fmt.Sprintf("%v %s", e.Kind, masked(e.String())))
		}
	}}
	err := trace.Do(c, nil, opts, func() error {
		exec(t, c, "insert into t values(1), (2)")
		drain(t, c, "select * from t")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"TxBegin !BEGIN",
		`StmtStart > insert into t values(1), (2)`,
		"RowChange INS 1 (1)",
		"RowChange INS 2 (2)",
		"TxCommit !COMMIT",
		`StmtEnd "insert into t values(1), (2)" rows=0 changes=2 runs=1`,
		`StmtStart > select * from t`,
		`StmtEnd "select * from t" rows=2 changes=0 runs=1`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTraceStatementsOfGoFunctions: a statement a Go function runs while
// the calling statement runs is nested, shown as V with VTables.
func TestTraceStatementsOfGoFunctions(t *testing.T) {
	c := open(t)
	exec(t, c, "create table t(x); insert into t values (1), (2)")
	err := c.CreateFunction("total_x", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
		for row, err := range fc.Conn().Query("select sum(x) from t") {
			if err != nil {
				return err
			}
			fc.ResultInt64(row.ColumnInt64(0))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, vtables := range []bool{true, false} {
		var out bytes.Buffer
		if err := trace.Do(c, &out, &trace.Options{VTables: vtables}, func() error { return c.Exec("select total_x()") }); err != nil {
			t.Fatal(err)
		}
		want := `
> select total_x()
    Time: T  Rows: 1
`
		if vtables {
			want = `
> select total_x()
V select sum(x) from t
    Time: T  Rows: 1
< select total_x()
    Time: T  Rows: 1
`
		}
		compare(t, out.String(), want)
	}
}

// TestTruncateCountsCharactersOfValues: a value shorter than Truncate in
// characters, though longer in bytes, is printed whole, without "...".
func TestTruncateCountsCharactersOfValues(t *testing.T) {
	c := open(t)
	exec(t, c, "CREATE TABLE t(x)")
	var out bytes.Buffer
	v := strings.Repeat("é", 50)
	err := trace.Do(c, &out, &trace.Options{Changes: trace.ChangeValues, Truncate: 75}, func() error {
		return c.Exec("INSERT INTO t VALUES (?)", v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "'"+v+"')") {
		t.Fatalf("the value was cut or marked cut: %q", out.String())
	}
}

// TestTransactionAfterAReadOnlyOneIsReported: a transaction that only read
// ends without a commit event (SQLite reports commits of writes), and the
// one after it still gets its TxBegin.
func TestTransactionAfterAReadOnlyOneIsReported(t *testing.T) {
	c := open(t)
	exec(t, c, "CREATE TABLE t(x)")
	var kinds []trace.Kind
	stop, err := trace.Start(c, nil, &trace.Options{Transactions: true, OnEvent: func(e trace.Event) {
		if e.Kind >= trace.TxBegin {
			kinds = append(kinds, e.Kind)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	exec(t, c, "BEGIN; SELECT * FROM t; COMMIT")
	exec(t, c, "BEGIN; INSERT INTO t VALUES (1); COMMIT")
	stop()
	if got := fmt.Sprint(kinds); got != "[TxBegin TxBegin TxCommit]" {
		t.Fatalf("events %s, want [TxBegin TxBegin TxCommit]", got)
	}
}
