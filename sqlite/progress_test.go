package sqlite

import (
	"errors"
	"testing"
)

// hkLongQuery counts to 3,000 in SQL: about 30,000 VM steps.
const hkLongQuery = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3000) SELECT count(*) FROM n"

func TestProgressHandlersShareTheEngineHandler(t *testing.T) {
	c := hkOpen(t)
	var often, rarely int
	removeOften := mustAdd(c.AddProgressHandler(10, func() bool { often++; return false }))
	removeRarely := mustAdd(c.AddProgressHandler(100, func() bool { rarely++; return false }))
	if c.hooks.prog.n != 10 {
		t.Fatalf("engine handler interval %d, want the smallest, 10", c.hooks.prog.n)
	}
	if n := hkInt(t, c, hkLongQuery); n != 3000 {
		t.Fatal(n)
	}
	if rarely < 100 || often < 9*rarely || often > 11*rarely {
		t.Fatalf("handlers every 10 and 100 steps called %d and %d times", often, rarely)
	}

	removeOften()
	removeOften() // twice: harmless
	if c.hooks.prog.n != 100 {
		t.Fatalf("after removing the frequent handler the interval is %d, want 100", c.hooks.prog.n)
	}
	often, rarely = 0, 0
	hkInt(t, c, hkLongQuery)
	if often != 0 || rarely == 0 {
		t.Fatalf("after removal: called %d and %d times", often, rarely)
	}
	removeRarely()
	if c.hooks.prog.n != 0 {
		t.Fatal("engine handler still installed with no handlers")
	}
}

func TestProgressHandlerInterrupts(t *testing.T) {
	c := hkOpen(t)
	calls := 0
	remove := mustAdd(c.AddProgressHandler(1000, func() bool { calls++; return calls == 3 }))
	other := 0
	mustAdd(c.AddProgressHandler(1000, func() bool { other++; return false }))
	err := c.Exec(hkLongQuery)
	if !errors.Is(err, ErrInterrupt) {
		t.Fatalf("error %v, want ErrInterrupt", err)
	}
	if calls != 3 || other != 2 {
		t.Fatalf("interrupting handler called %d times, the one after it %d: want 3 and 2", calls, other)
	}
	remove()
	if n := hkInt(t, c, hkLongQuery); n != 3000 {
		t.Fatalf("after removing the interrupting handler: %d", n)
	}
}

func TestProgressHandlerCanRemoveItself(t *testing.T) {
	c := hkOpen(t)
	calls := 0
	var remove func()
	remove = mustAdd(c.AddProgressHandler(10, func() bool { calls++; remove(); return false }))
	hkInt(t, c, hkLongQuery)
	if calls != 1 || c.hooks.prog.n != 0 {
		t.Fatalf("self-removing handler called %d times; engine interval %d", calls, c.hooks.prog.n)
	}
}

func TestProgressHandlerPanicInterrupts(t *testing.T) {
	c := hkOpen(t)
	remove := mustAdd(c.AddProgressHandler(100, func() bool { panic(errHookBoom) }))
	err := c.Exec(hkLongQuery)
	if !errors.Is(err, ErrInterrupt) || !errors.Is(err, errHookBoom) {
		t.Fatalf("error %v: want ErrInterrupt wrapping the panic", err)
	}
	remove()
	hkInt(t, c, hkLongQuery)
}

func TestProgressHandlerIntervalAtLeastOne(t *testing.T) {
	c := hkOpen(t)
	calls := 0
	mustAdd(c.AddProgressHandler(-5, func() bool { calls++; return false }))
	if c.hooks.prog.n != 1 {
		t.Fatalf("interval %d, want 1", c.hooks.prog.n)
	}
	hkInt(t, c, "SELECT 1")
	if calls == 0 {
		t.Fatal("handler not called")
	}
	if nop, err := c.AddProgressHandler(1, nil); !errors.Is(err, ErrMisuse) || nop == nil {
		t.Fatalf("nil fn: %v; want ErrMisuse and a no-op remove func", err)
	}
}

func BenchmarkScan(b *testing.B) {
	benchScan(b, func(c *Conn) {})
}

func BenchmarkScanProgressHandler(b *testing.B) {
	benchScan(b, func(c *Conn) { mustAdd(c.AddProgressHandler(1000, func() bool { return false })) })
}

func BenchmarkScanTwoProgressHandlers(b *testing.B) {
	benchScan(b, func(c *Conn) {
		mustAdd(c.AddProgressHandler(1000, func() bool { return false }))
		mustAdd(c.AddProgressHandler(10000, func() bool { return false }))
	})
}

// benchScan measures stepping through a 10,000-row table, with setup
// installing the hooks whose overhead is measured.
func benchScan(b *testing.B, setup func(c *Conn)) {
	c := hkOpen(b)
	hkExec(b, c, "CREATE TABLE t(a INTEGER, b TEXT)")
	hkExec(b, c, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10000) INSERT INTO t SELECT i, 'row ' || i FROM n")
	setup(c)
	b.ResetTimer()
	for b.Loop() {
		var sum int64
		for s, err := range c.Query("SELECT a, b FROM t") {
			if err != nil {
				b.Fatal(err)
			}
			sum += s.ColumnInt64(0)
		}
		if sum != 10000*10001/2 {
			b.Fatal(sum)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
}

// BenchmarkProgressDispatch measures one call of the engine's progress
// handler reaching two Go handlers, without the engine's work around it.
func BenchmarkProgressDispatch(b *testing.B) {
	c := hkOpen(b)
	n := 0
	mustAdd(c.AddProgressHandler(1000, func() bool { n++; return false }))
	mustAdd(c.AddProgressHandler(2000, func() bool { return false }))
	for b.Loop() {
		progressTrampoline(c.tls, c.handle)
	}
	if n != b.N {
		b.Fatal(n, b.N)
	}
}

// TestProgressHandlerCannotFailACompletedStatement: SQLite calls the
// progress handler once more as a statement returns, after it committed;
// an interrupt asked for then would report a failure of a statement whose
// changes stay. The binding ignores it, as sqlite3_interrupt cannot stop a
// statement that has finished.
func TestProgressHandlerCannotFailACompletedStatement(t *testing.T) {
	c := hkOpen(t)
	if err := c.Exec("CREATE TABLE t(x)"); err != nil {
		t.Fatal(err)
	}
	committed := false
	mustAdd(c.AddCommitHook(func() bool { committed = true; return false }))
	mustAdd(c.AddProgressHandler(1, func() bool { return committed }))
	if err := c.Exec("INSERT INTO t VALUES (1)"); err != nil {
		t.Fatalf("the INSERT committed, yet: %v", err)
	}
	committed = false
	if n := hkInt(t, c, "SELECT count(*) FROM t"); n != 1 {
		t.Fatalf("count %d, want 1", n)
	}
	// A statement still running is interrupted as before.
	mustAdd(c.AddProgressHandler(1000, func() bool { return true }))
	if err := c.Exec(hkLongQuery); !errors.Is(err, ErrInterrupt) {
		t.Fatalf("running statement: %v, want ErrInterrupt", err)
	}
}
