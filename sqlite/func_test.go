package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// openFuncTest opens a private in-memory connection closed by the test's
// cleanup.
func openFuncTest(t testing.TB) *Conn {
	t.Helper()
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// liveHandles counts the Go values currently handed to the engine.
func liveHandles() int {
	handles.RLock()
	defer handles.RUnlock()
	return len(handles.m)
}

// queryInt64s runs sql and returns its first column.
func queryInt64s(t testing.TB, c *Conn, sql string, args ...any) []int64 {
	t.Helper()
	var out []int64
	for s, err := range c.Query(sql, args...) {
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, s.ColumnInt64(0))
	}
	return out
}

// queryErr runs sql to completion and returns its error.
func queryErr(c *Conn, sql string, args ...any) error {
	for _, err := range c.Query(sql, args...) {
		if err != nil {
			return err
		}
	}
	return nil
}

// seriesSQL is a query of the integers 1..n in a column named value.
func seriesSQL(n int) string {
	return fmt.Sprintf("WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value+1 FROM s WHERE value < %d) SELECT value FROM s", n)
}

func mustExec(t testing.TB, c *Conn, sql string, args ...any) {
	t.Helper()
	if err := c.Exec(sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestScalarFunctionComputesResult(t *testing.T) {
	c := openFuncTest(t)
	err := c.CreateFunction("twice", 1, Deterministic, func(fc *FuncContext, args []Value) error {
		fc.ResultInt64(2 * args[0].Int64())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := queryInt64s(t, c, "SELECT twice(21)"); len(got) != 1 || got[0] != 42 {
		t.Fatalf("twice(21) = %v, want [42]", got)
	}
	if err := queryErr(c, "SELECT twice(1, 2)"); err == nil || !strings.Contains(err.Error(), "wrong number of arguments") {
		t.Fatalf("twice(1, 2) err = %v, want wrong number of arguments", err)
	}
}

func TestVariadicFunctionSeesEveryArgument(t *testing.T) {
	c := openFuncTest(t)
	err := c.CreateFunction("joinargs", -1, 0, func(fc *FuncContext, args []Value) error {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = a.String()
		}
		fc.ResultText(strings.Join(parts, ","))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for s, err := range c.Query("SELECT joinargs(), joinargs(1, 'a', NULL, x'ff', 2.5)") {
		if err != nil {
			t.Fatal(err)
		}
		if got := s.ColumnText(0); got != "" {
			t.Errorf("joinargs() = %q, want empty", got)
		}
		if got := s.ColumnText(1); got != "1,a,NULL,x'ff',2.5" {
			t.Errorf("joinargs(...) = %q", got)
		}
	}
}

func TestFunctionWithoutResultReturnsNull(t *testing.T) {
	c := openFuncTest(t)
	if err := c.CreateFunction("noresult", 0, 0, func(*FuncContext, []Value) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for s, err := range c.Query("SELECT noresult() IS NULL") {
		if err != nil {
			t.Fatal(err)
		}
		if !s.ColumnBool(0) {
			t.Fatal("noresult() is not NULL")
		}
	}
}

func TestCreateFunctionReplacesAndNilRemoves(t *testing.T) {
	c := openFuncTest(t)
	before := liveHandles()
	for _, v := range []int64{1, 2} {
		err := c.CreateFunction("version", 0, 0, func(fc *FuncContext, _ []Value) error {
			fc.ResultInt64(v)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := queryInt64s(t, c, "SELECT version()"); got[0] != 2 {
		t.Fatalf("version() = %d after replacement, want 2", got[0])
	}
	if n := liveHandles() - before; n != 1 {
		t.Fatalf("%d handles live after replacing a function, want 1", n)
	}
	if err := c.CreateFunction("version", 0, 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := queryErr(c, "SELECT version()"); err == nil || !strings.Contains(err.Error(), "no such function") {
		t.Fatalf("after removal err = %v, want no such function", err)
	}
	if n := liveHandles() - before; n != 0 {
		t.Fatalf("%d handles live after removing the function, want 0", n)
	}
}

func TestFunctionOverridesBuiltin(t *testing.T) {
	c := openFuncTest(t)
	err := c.CreateFunction("upper", 1, 0, func(fc *FuncContext, args []Value) error {
		fc.ResultText("go:" + args[0].Text())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for s, err := range c.Query("SELECT upper('x')") {
		if err != nil {
			t.Fatal(err)
		}
		if got := s.ColumnText(0); got != "go:x" {
			t.Fatalf("upper('x') = %q, want go:x", got)
		}
	}
}

type ctxKey struct{}

func TestFunctionSeesTheCallersContext(t *testing.T) {
	c := openFuncTest(t)
	err := c.CreateFunction("ctxval", 0, 0, func(fc *FuncContext, _ []Value) error {
		v, _ := fc.Context().Value(ctxKey{}).(string)
		fc.ResultText(v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", "second"} {
		c.SetContext(context.WithValue(context.Background(), ctxKey{}, want))
		for s, err := range c.Query("SELECT ctxval()") {
			if err != nil {
				t.Fatal(err)
			}
			if got := s.ColumnText(0); got != want {
				t.Fatalf("ctxval() = %q, want %q", got, want)
			}
		}
	}
	c.SetContext(context.Background())
}

func TestCancelStopsAFunctionWaitingOnItsContext(t *testing.T) {
	c := openFuncTest(t)
	started := make(chan struct{})
	err := c.CreateFunction("wait", 0, 0, func(fc *FuncContext, _ []Value) error {
		close(started)
		<-fc.Context().Done()
		return fc.Context().Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-started
		cancel()
	}()
	c.SetContext(ctx)
	err = queryErr(c, "SELECT wait()")
	c.SetContext(context.Background())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !errors.Is(err, ErrInterrupt) {
		t.Errorf("err = %v, want ErrInterrupt too", err)
	}
	if got := queryInt64s(t, c, "SELECT 7"); got[0] != 7 {
		t.Fatal("connection unusable after cancellation")
	}
}

type customError struct{ detail string }

func (e *customError) Error() string { return "custom: " + e.detail }

func TestFunctionErrorFailsStatementAndIsWrapped(t *testing.T) {
	c := openFuncTest(t)
	sentinel := errors.New("sentinel failure")
	err := c.CreateFunction("failer", 1, 0, func(fc *FuncContext, args []Value) error {
		if args[0].Int() == 1 {
			return fmt.Errorf("wrapped: %w", sentinel)
		}
		return &customError{detail: "two"}
	})
	if err != nil {
		t.Fatal(err)
	}
	err = queryErr(c, "SELECT failer(1)")
	if !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want it to wrap the sentinel", err)
	}
	var se *Error
	if !errors.As(err, &se) || se.Code != ErrError {
		t.Fatalf("err = %v, want an *Error with code SQLITE_ERROR", err)
	}
	if !strings.Contains(se.Msg, "failer") || !strings.Contains(err.Error(), "sentinel failure") {
		t.Fatalf("err = %q, want it to name the function and its error", err)
	}
	err = queryErr(c, "SELECT failer(2)")
	var ce *customError
	if !errors.As(err, &ce) || ce.detail != "two" {
		t.Fatalf("err = %v, want errors.As to find *customError", err)
	}
	if got := queryInt64s(t, c, "SELECT 1"); got[0] != 1 {
		t.Fatal("connection unusable after a failing function")
	}
}

func TestFunctionErrorCodeBecomesStatementCode(t *testing.T) {
	c := openFuncTest(t)
	err := c.CreateFunction("failcheck", 0, 0, func(*FuncContext, []Value) error {
		return fmt.Errorf("bad row: %w", ErrConstraintCheck)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = queryErr(c, "SELECT failcheck()")
	if !errors.Is(err, ErrConstraintCheck) || CodeOf(err) != ErrConstraintCheck {
		t.Fatalf("err = %v (code %v), want SQLITE_CONSTRAINT_CHECK", err, CodeOf(err))
	}
}

func TestFunctionPanicFailsStatementNotProcess(t *testing.T) {
	c := openFuncTest(t)
	err := c.CreateFunction("boom", 0, 0, func(*FuncContext, []Value) error { panic("kaboom") })
	if err != nil {
		t.Fatal(err)
	}
	errVal := errors.New("panic value")
	err = c.CreateFunction("boomerr", 0, 0, func(*FuncContext, []Value) error { panic(errVal) })
	if err != nil {
		t.Fatal(err)
	}
	err = queryErr(c, "SELECT boom()")
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "kaboom" {
		t.Fatalf("err = %v, want a *PanicError with the panic value", err)
	}
	if !strings.Contains(string(pe.Stack), "TestFunctionPanicFailsStatementNotProcess") {
		t.Errorf("panic stack does not show the panicking function:\n%s", pe.Stack)
	}
	if !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %q, want it to name the function", err)
	}
	if err := queryErr(c, "SELECT boomerr()"); !errors.Is(err, errVal) {
		t.Fatalf("err = %v, want it to wrap the error panicked with", err)
	}
	if got := queryInt64s(t, c, "SELECT 3"); got[0] != 3 {
		t.Fatal("connection unusable after a panicking function")
	}
}

func TestNestedCallOfTheSameFunctionKeepsArguments(t *testing.T) {
	c := openFuncTest(t)
	// depth(n) = n + depth(n-1) computed by running SQL from inside the
	// function: the inner call must not clobber the outer call's arguments.
	err := c.CreateFunction("depth", 1, 0, func(fc *FuncContext, args []Value) error {
		n := args[0].Int64()
		if n == 0 {
			fc.ResultInt64(0)
			return nil
		}
		var inner int64
		for s, err := range fc.Conn().Query("SELECT depth(?)", n-1) {
			if err != nil {
				return err
			}
			inner = s.ColumnInt64(0)
		}
		fc.ResultInt64(args[0].Int64() + inner)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := queryInt64s(t, c, "SELECT depth(5)"); got[0] != 15 {
		t.Fatalf("depth(5) = %d, want 15", got[0])
	}
}

func TestReplacingAFunctionWhileItRunsIsBusy(t *testing.T) {
	c := openFuncTest(t)
	var regErr error
	err := c.CreateFunction("selfreplace", 0, 0, func(fc *FuncContext, _ []Value) error {
		regErr = fc.Conn().CreateFunction("selfreplace", 0, 0, func(*FuncContext, []Value) error { return nil })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := liveHandles()
	if err := queryErr(c, "SELECT selfreplace()"); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(regErr, ErrBusy) {
		t.Fatalf("registering during a statement: err = %v, want ErrBusy", regErr)
	}
	if n := liveHandles() - before; n != 0 {
		t.Fatalf("%d handles leaked by the failed registration", n)
	}
}

func TestDeterministicFlagAllowsIndexOnExpression(t *testing.T) {
	c := openFuncTest(t)
	f := func(fc *FuncContext, args []Value) error {
		fc.ResultInt64(args[0].Int64() % 10)
		return nil
	}
	if err := c.CreateFunction("mod10", 1, Deterministic, f); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateFunction("mod10nd", 1, 0, f); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "CREATE INDEX t_mod10 ON t(mod10(x))")
	err := c.Exec("CREATE INDEX t_mod10nd ON t(mod10nd(x))")
	if err == nil || !strings.Contains(err.Error(), "non-deterministic") {
		t.Fatalf("index on a non-deterministic function: err = %v", err)
	}
}

func TestDirectOnlyFunctionRefusedInView(t *testing.T) {
	c := openFuncTest(t)
	err := c.CreateFunction("secret", 0, DirectOnly, func(fc *FuncContext, _ []Value) error {
		fc.ResultInt64(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := queryInt64s(t, c, "SELECT secret()"); got[0] != 1 {
		t.Fatal("direct call of a DirectOnly function failed")
	}
	mustExec(t, c, "CREATE VIEW v AS SELECT secret() AS s")
	if err := queryErr(c, "SELECT s FROM v"); err == nil || !strings.Contains(err.Error(), "unsafe use") {
		t.Fatalf("DirectOnly function through a view: err = %v, want unsafe use", err)
	}
}

func TestRegisteringWithBadArgumentsFails(t *testing.T) {
	c := openFuncTest(t)
	nop := func(*FuncContext, []Value) error { return nil }
	for _, tc := range []struct {
		name  string
		nArg  int
		flags FuncFlags
		code  ErrorCode
	}{
		{"", 0, 0, ErrMisuse},
		{strings.Repeat("f", 256), 0, 0, ErrMisuse},
		{"nul\x00name", 0, 0, ErrMisuse},
		{"f", -2, 0, ErrRange},
		{"f", 128, 0, ErrRange},
		{"f", 0, 1 << 30, ErrMisuse},
	} {
		err := c.CreateFunction(tc.name, tc.nArg, tc.flags, nop)
		if CodeOf(err) != tc.code {
			t.Errorf("CreateFunction(%.10q, %d, %#x) err = %v, want %v", tc.name, tc.nArg, int(tc.flags), err, tc.code)
		}
	}
	if err := c.CreateFunction(strings.Repeat("f", 255), 127, 0, nop); err != nil {
		t.Errorf("255-byte name and 127 arguments: %v", err)
	}
	if err := c.CreateCollation("", strings.Compare); CodeOf(err) != ErrMisuse {
		t.Errorf("CreateCollation with empty name: err = %v, want ErrMisuse", err)
	}
	c.Close()
	if err := c.CreateFunction("f", 0, 0, nop); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateFunction on closed conn: err = %v, want ErrClosed", err)
	}
	if err := c.CreateAggregate("f", 0, 0, func() AggregateFunc { return &sumAgg{} }); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateAggregate on closed conn: err = %v, want ErrClosed", err)
	}
	if err := c.CreateWindowFunction("f", 0, 0, func() WindowFunc { return &sumAgg{} }); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateWindowFunction on closed conn: err = %v, want ErrClosed", err)
	}
	if err := c.CreateCollation("c", strings.Compare); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateCollation on closed conn: err = %v, want ErrClosed", err)
	}
}

func TestCloseReleasesRegistrations(t *testing.T) {
	before := liveHandles()
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	nop := func(*FuncContext, []Value) error { return nil }
	for i := range 5 {
		if err := c.CreateFunction(fmt.Sprintf("f%d", i), -1, 0, nop); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.CreateAggregate("agg", 1, 0, func() AggregateFunc { return &sumAgg{} }); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateWindowFunction("win", 1, 0, func() WindowFunc { return &sumAgg{} }); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateCollation("coll", strings.Compare); err != nil {
		t.Fatal(err)
	}
	if n := liveHandles() - before; n != 9 {
		t.Fatalf("%d handles live, want 9 (connection + 8 registrations)", n)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := liveHandles() - before; n != 0 {
		t.Fatalf("%d handles leaked after Close", n)
	}
}

// sumAgg sums its integer argument; it is also a window function.
type sumAgg struct {
	sum   int64
	steps int
}

func (a *sumAgg) Step(_ *FuncContext, args []Value) error {
	a.sum += args[0].Int64()
	a.steps++
	return nil
}

func (a *sumAgg) Inverse(_ *FuncContext, args []Value) error {
	a.sum -= args[0].Int64()
	return nil
}

func (a *sumAgg) Value(fc *FuncContext) error { fc.ResultInt64(a.sum); return nil }
func (a *sumAgg) Final(fc *FuncContext) error { fc.ResultInt64(a.sum); return nil }

func TestAggregateGetsOneInstancePerGroup(t *testing.T) {
	c := openFuncTest(t)
	var made []*sumAgg
	err := c.CreateAggregate("gosum", 1, Deterministic, func() AggregateFunc {
		a := &sumAgg{}
		made = append(made, a)
		return a
	})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "CREATE TABLE t(g, x)")
	mustExec(t, c, "INSERT INTO t VALUES (1, 1), (1, 2), (2, 10), (2, 20), (2, 30), (3, 100)")
	got := queryInt64s(t, c, "SELECT gosum(x) FROM t GROUP BY g ORDER BY g")
	if fmt.Sprint(got) != "[3 60 100]" {
		t.Fatalf("sums = %v, want [3 60 100]", got)
	}
	if len(made) != 3 {
		t.Fatalf("%d instances made for 3 groups", len(made))
	}
	err = queryErr(c, "SELECT gosum(x) OVER (ORDER BY x) FROM t")
	if err == nil || !strings.Contains(err.Error(), "may not be used as a window function") {
		t.Fatalf("plain aggregate with OVER: err = %v", err)
	}
	for i, want := range []int{2, 3, 1} {
		if made[i].steps != want {
			t.Errorf("instance %d saw %d rows, want %d", i, made[i].steps, want)
		}
	}
}

func TestAggregateOverNoRowsFinalsAFreshInstance(t *testing.T) {
	c := openFuncTest(t)
	calls := 0
	err := c.CreateAggregate("gosum", 1, 0, func() AggregateFunc { calls++; return &sumAgg{sum: -1} })
	if err != nil {
		t.Fatal(err)
	}
	if got := queryInt64s(t, c, "SELECT gosum(value) FROM json_each('[]')"); got[0] != -1 || calls != 1 {
		t.Fatalf("gosum over no rows = %v with %d instances, want -1 from one fresh instance", got, calls)
	}
}

// failAgg fails in Step or Final on demand and counts Final calls.
type failAgg struct {
	failStepAt int
	panicStep  bool
	failFinal  bool
	n          int
	finals     *int
}

func (a *failAgg) Step(_ *FuncContext, args []Value) error {
	a.n++
	if a.n == a.failStepAt {
		if a.panicStep {
			panic("step panic")
		}
		return errors.New("step failed")
	}
	return nil
}

func (a *failAgg) Final(fc *FuncContext) error {
	*a.finals++
	if a.failFinal {
		return errors.New("final failed")
	}
	fc.ResultInt64(int64(a.n))
	return nil
}

func TestAggregateErrorsAndPanicsFailTheStatement(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "INSERT INTO t VALUES (1), (2), (3), (4)")
	before := liveHandles()
	for _, tc := range []struct {
		name       string
		agg        failAgg
		want       string
		wantFinals int
	}{
		{"step error", failAgg{failStepAt: 2}, "step failed", 0},
		{"step panic", failAgg{failStepAt: 3, panicStep: true}, "step panic", 0},
		{"final error", failAgg{failFinal: true}, "final failed", 1},
	} {
		finals := 0
		err := c.CreateAggregate("failing", 1, 0, func() AggregateFunc {
			a := tc.agg
			a.finals = &finals
			return &a
		})
		if err != nil {
			t.Fatal(err)
		}
		err = queryErr(c, "SELECT failing(x) FROM t")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "failing") {
			t.Errorf("%s: err = %v, want %q naming the function", tc.name, err, tc.want)
		}
		if finals != tc.wantFinals {
			t.Errorf("%s: Final called %d times, want %d", tc.name, finals, tc.wantFinals)
		}
		if n := liveHandles() - before; n != 1 {
			t.Errorf("%s: %d handles live, want only the registration", tc.name, n)
		}
	}
	if got := queryInt64s(t, c, "SELECT count(*) FROM t"); got[0] != 4 {
		t.Fatal("connection unusable after failing aggregates")
	}
}

func TestAggregateStateFreedWhenStatementStopsEarly(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "INSERT INTO t "+seriesSQL(100))
	finals := 0
	err := c.CreateWindowFunction("gowin", 1, 0, func() WindowFunc { return &countingWin{finals: &finals} })
	if err != nil {
		t.Fatal(err)
	}
	stopAt := int64(0)
	err = c.CreateFunction("stopat", 1, 0, func(fc *FuncContext, args []Value) error {
		if args[0].Int64() == stopAt {
			return errors.New("stop")
		}
		fc.ResultInt64(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := liveHandles()

	// Reset after the first row: the window's computation is still open.
	s, err := c.Prepare("SELECT gowin(x) OVER (ORDER BY x) FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	if liveHandles() == before {
		t.Fatal("no handle held by the open window computation")
	}
	s.Reset()
	if n := liveHandles() - before; n != 0 {
		t.Fatalf("%d handles live after Reset mid-window", n)
	}
	if finals != 1 {
		t.Fatalf("Final called %d times by Reset, want 1", finals)
	}

	// Close after the first row.
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	s.Close()
	if n := liveHandles() - before; n != 0 {
		t.Fatalf("%d handles live after Close mid-window", n)
	}

	// An aggregate whose statement fails midway through its rows.
	stopAt = 50
	if err := c.CreateAggregate("gosum", 1, 0, func() AggregateFunc { return &sumAgg{} }); err != nil {
		t.Fatal(err)
	}
	before = liveHandles()
	if err := queryErr(c, "SELECT gosum(x) FROM t WHERE stopat(x)"); err == nil {
		t.Fatal("statement did not fail")
	}
	if n := liveHandles() - before; n != 0 {
		t.Fatalf("%d handles live after a failed aggregate statement", n)
	}
}

func TestCloseMidAggregateFreesItsState(t *testing.T) {
	before := liveHandles()
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	finals := 0
	err = c.CreateWindowFunction("gowin", 1, 0, func() WindowFunc { return &countingWin{finals: &finals} })
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Prepare("SELECT gowin(value) OVER (ORDER BY value) FROM (" + seriesSQL(10) + ")")
	if err != nil {
		t.Fatal(err)
	}
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if finals != 1 {
		t.Fatalf("Final called %d times by Close, want 1", finals)
	}
	if n := liveHandles() - before; n != 0 {
		t.Fatalf("%d handles leaked by closing mid-window", n)
	}
}

type countingWin struct {
	sumAgg
	finals *int
}

func (w *countingWin) Final(fc *FuncContext) error {
	*w.finals++
	return w.sumAgg.Final(fc)
}

func TestWindowFunctionUsesInverse(t *testing.T) {
	c := openFuncTest(t)
	var made []*sumAgg
	err := c.CreateWindowFunction("gosum", 1, 0, func() WindowFunc {
		a := &sumAgg{}
		made = append(made, a)
		return a
	})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "INSERT INTO t VALUES (1), (2), (3), (4), (5)")
	got := queryInt64s(t, c, "SELECT gosum(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t")
	if fmt.Sprint(got) != "[1 3 5 7 9]" {
		t.Fatalf("moving sums = %v, want [1 3 5 7 9]", got)
	}
	if len(made) != 1 || made[0].steps != 5 {
		t.Fatalf("%d instances; want one that stepped every row once (Inverse, not recomputation)", len(made))
	}
	// Outside OVER it is a plain aggregate.
	if got := queryInt64s(t, c, "SELECT gosum(x) FROM t"); got[0] != 15 {
		t.Fatalf("gosum as aggregate = %d, want 15", got[0])
	}
}

// panicWin panics in Value or Inverse.
type panicWin struct {
	sumAgg
	inValue bool
}

func (w *panicWin) Value(fc *FuncContext) error {
	if w.inValue {
		panic("value panic")
	}
	return w.sumAgg.Value(fc)
}

func (w *panicWin) Inverse(*FuncContext, []Value) error {
	return errors.New("inverse failed")
}

func TestWindowFunctionFailuresFailTheStatement(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	mustExec(t, c, "INSERT INTO t VALUES (1), (2), (3)")
	before := liveHandles()
	for _, inValue := range []bool{true, false} {
		err := c.CreateWindowFunction("pw", 1, 0, func() WindowFunc { return &panicWin{inValue: inValue} })
		if err != nil {
			t.Fatal(err)
		}
		want := "inverse failed"
		if inValue {
			want = "value panic"
		}
		err = queryErr(c, "SELECT pw(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
		if n := liveHandles() - before; n != 1 {
			t.Errorf("%d handles live, want only the registration", n)
		}
	}
}

func TestAggregateSeesTheCallersContext(t *testing.T) {
	c := openFuncTest(t)
	var seen []string
	err := c.CreateAggregate("ctxagg", 1, 0, func() AggregateFunc { return &ctxAgg{seen: &seen} })
	if err != nil {
		t.Fatal(err)
	}
	c.SetContext(context.WithValue(context.Background(), ctxKey{}, "agg"))
	defer c.SetContext(context.Background())
	if err := queryErr(c, "SELECT ctxagg(value) FROM ("+seriesSQL(2)+")"); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seen) != "[agg agg agg]" {
		t.Fatalf("contexts seen = %v, want the caller's in 2 Steps and Final", seen)
	}
}

type ctxAgg struct{ seen *[]string }

func (a *ctxAgg) Step(fc *FuncContext, _ []Value) error {
	v, _ := fc.Context().Value(ctxKey{}).(string)
	*a.seen = append(*a.seen, v)
	return nil
}

func (a *ctxAgg) Final(fc *FuncContext) error { return a.Step(fc, nil) }

func TestAggregateConstructorPanicFailsStatement(t *testing.T) {
	c := openFuncTest(t)
	calls := 0
	if err := c.CreateAggregate("badctor", 1, 0, func() AggregateFunc { calls++; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := queryErr(c, "SELECT badctor(1)"); err == nil || !strings.Contains(err.Error(), "returned nil") {
		t.Fatalf("err = %v, want constructor returned nil", err)
	}
	if calls != 1 {
		t.Fatalf("constructor called %d times, want once (not again for Final)", calls)
	}
	// The failure is reported once: the next error is not blamed on it.
	err := queryErr(c, "SELECT * FROM nosuch")
	var pe *PanicError
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("next statement's err = %v, want its own error only", err)
	}
}

// BenchmarkScalarFunction runs SELECT f(x) over 100k rows with f a Go
// function, beside the same query with SQLite's own arithmetic, so the
// cost of a Go call shows as the difference per row.
func BenchmarkScalarFunction(b *testing.B) {
	c := openFuncTest(b)
	err := c.CreateFunction("inc", 1, Deterministic, func(fc *FuncContext, args []Value) error {
		fc.ResultInt64(args[0].Int64() + 1)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	mustExec(b, c, "CREATE TABLE t(x INTEGER)")
	mustExec(b, c, "INSERT INTO t "+seriesSQL(100000))
	for _, bc := range []struct{ name, sql string }{
		{"go", "SELECT inc(x) FROM t"},
		{"builtin", "SELECT x + 1 FROM t"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := c.Prepare(bc.sql)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			for b.Loop() {
				var sum int64
				for {
					row, err := s.Step()
					if err != nil {
						b.Fatal(err)
					}
					if !row {
						break
					}
					sum += s.ColumnInt64(0)
				}
				if sum != 100000*100001/2+100000 {
					b.Fatalf("sum = %d", sum)
				}
				s.Reset()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/row")
		})
	}
}

// TestCallbackErrorDoesNotLeakIntoLaterErrors checks that an error a Go
// callback recorded while its statement still succeeded (a rollback hook
// panicking during an explicit ROLLBACK) is not reported as the cause of
// the next, unrelated failure.
func TestCallbackErrorDoesNotLeakIntoLaterErrors(t *testing.T) {
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	remove := mustAdd(c.AddRollbackHook(func() { panic("rollback hook boom") }))
	if err := c.Exec("BEGIN"); err != nil {
		t.Fatal(err)
	}
	c.Exec("ROLLBACK")
	remove()
	err = c.Exec("SELECT * FROM no_such_table")
	var pe *PanicError
	if errors.As(err, &pe) {
		t.Fatalf("unrelated error wraps a stale callback error: %v", err)
	}
}

// TestGoexitInFunctionLeavesNoStatementRunning: a Go function that ends its
// goroutine (runtime.Goexit, as t.FailNow does) in the middle of an Exec
// leaves no statement running, so the write lock is released and the
// connection serves on from another goroutine.
func TestGoexitInFunctionLeavesNoStatementRunning(t *testing.T) {
	name := filepath.Join(t.TempDir(), "test.db")
	c := openConnT(t, name)
	other := openConnT(t, name)
	execT(t, c, "CREATE TABLE t(x)")
	if err := c.CreateFunction("quit", 0, 0, func(*FuncContext, []Value) error {
		runtime.Goexit()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Exec("INSERT INTO t VALUES (1), (quit())")
	}()
	<-done
	if c.depth != 0 {
		t.Errorf("Step nesting %d after the Goexit, want 0", c.depth)
	}
	if !c.AutoCommit() {
		t.Error("a transaction is left open")
	}
	if err := other.Exec("INSERT INTO t VALUES (2)"); err != nil {
		t.Fatalf("another connection cannot write: %v", err)
	}
	execT(t, c, "INSERT INTO t VALUES (3)")
	if got := queryInt64s(t, c, "SELECT x FROM t ORDER BY x"); fmt.Sprint(got) != "[2 3]" {
		t.Fatalf("rows %v, want [2 3]", got)
	}
}
