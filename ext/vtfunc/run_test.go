package vtfunc_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/ext/vtfunc"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// endless registers nat, yielding 1, 2, 3, ... until stopped. It reports
// how many rows it yielded, and closes stopped when its iterator returns.
func endless(t *testing.T, c *sqlite.Conn) (yielded *int, stopped chan struct{}) {
	t.Helper()
	yielded, stopped = new(int), make(chan struct{})
	err := vtfunc.Register(c, "nat", vtfunc.Table{Columns: []string{"n"}},
		func(ctx context.Context, args vtfunc.Args) (iter.Seq[int], error) {
			return func(yield func(int) bool) {
				defer close(stopped)
				for n := 1; ; n++ {
					*yielded++
					if !yield(n) {
						return
					}
				}
			}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return yielded, stopped
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

type ctxKey struct{}

func TestFunctionGetsQueryContext(t *testing.T) {
	c := openT(t)
	var got any
	err := vtfunc.RegisterSlice(c, "f", vtfunc.Table{Columns: []string{"v"}},
		func(ctx context.Context, args vtfunc.Args) ([]int, error) {
			got = ctx.Value(ctxKey{})
			return []int{1}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	c.SetContext(context.WithValue(context.Background(), ctxKey{}, "query 1"))
	rows(t, c, "SELECT * FROM f")
	if got != "query 1" {
		t.Errorf("function saw context value %v", got)
	}
	c.SetContext(context.WithValue(context.Background(), ctxKey{}, "query 2"))
	rows(t, c, "SELECT * FROM f")
	if got != "query 2" {
		t.Errorf("function saw context value %v", got)
	}
}

func TestCancelStopsEndlessGenerator(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c := openT(t)
	_, stopped := endless(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.SetContext(ctx)
	seen := 0
	var err error
	for row, qerr := range c.Query("SELECT n FROM nat") {
		if qerr != nil {
			err = qerr
			break
		}
		seen++
		if row.ColumnInt(0) == 5 {
			cancel()
		}
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, sqlite.ErrInterrupt) {
		t.Fatalf("err = %v after %d rows, want context.Canceled", err, seen)
	}
	if seen != 5 {
		t.Errorf("rows after cancel: saw %d rows, want 5", seen)
	}
	if !closed(stopped) {
		t.Error("the generator still runs after the query failed")
	}
	c.SetContext(context.Background())
	want(t, rows(t, c, "SELECT n FROM nat LIMIT 2"), "1", "2")
}

func TestCancelReachesBlockedGenerator(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c := openT(t)
	waiting := make(chan struct{})
	err := vtfunc.Register2(c, "slow", vtfunc.Table{Columns: []string{"n"}},
		func(ctx context.Context, args vtfunc.Args) (iter.Seq2[int, error], error) {
			return func(yield func(int, error) bool) {
				if !yield(1, nil) {
					return
				}
				close(waiting)
				<-ctx.Done() // a network call watching its context
				yield(0, ctx.Err())
			}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-waiting
		cancel()
	}()
	c.SetContext(ctx)
	got, err := tryRows(c, "SELECT n FROM slow")
	want(t, got, "1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestEndedContextDoesNotCallFunction(t *testing.T) {
	c := openT(t)
	called := false
	err := vtfunc.RegisterSlice(c, "f", vtfunc.Table{Columns: []string{"v"}},
		func(ctx context.Context, args vtfunc.Args) ([]int, error) {
			called = true
			return []int{1}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.SetContext(ctx)
	if _, err := tryRows(c, "SELECT * FROM f"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if called {
		t.Error("function called with an ended context")
	}
}

func TestLimitStopsGenerator(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c := openT(t)
	yielded, stopped := endless(t, c)
	want(t, rows(t, c, "SELECT n FROM nat LIMIT 3"), "1", "2", "3")
	if *yielded > 4 {
		t.Errorf("generator yielded %d rows for LIMIT 3", *yielded)
	}
	if !closed(stopped) {
		t.Error("the generator still runs after the query ended")
	}
}

func TestClosingStatementStopsGenerator(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c := openT(t)
	_, stopped := endless(t, c)
	s, err := c.Prepare("SELECT n FROM nat")
	if err != nil {
		t.Fatal(err)
	}
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	if closed(stopped) {
		t.Fatal("generator stopped early")
	}
	s.Close()
	if !closed(stopped) {
		t.Error("the generator still runs after its statement closed")
	}
}

func TestClosingConnStopsGenerator(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, stopped := endless(t, c)
	s, err := c.Prepare("SELECT n FROM nat")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Step(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if !closed(stopped) {
		t.Error("the generator still runs after its connection closed")
	}
}

var errBoom = errors.New("boom")

// failing registers f(mode), which fails as mode says after yielding one
// row.
func failing(t *testing.T, c *sqlite.Conn) {
	t.Helper()
	err := vtfunc.Register2(c, "f", vtfunc.Table{
		Columns: []string{"v"},
		Params:  []vtfunc.Param{{Name: "mode", Required: true}},
	}, func(ctx context.Context, args vtfunc.Args) (iter.Seq2[int, error], error) {
		switch args.Text("mode") {
		case "call error":
			return nil, errBoom
		case "call panic":
			panic(errBoom)
		}
		return func(yield func(int, error) bool) {
			if !yield(1, nil) {
				return
			}
			switch args.Text("mode") {
			case "row error":
				yield(0, errBoom)
			case "row panic":
				panic("boom in the generator")
			}
		}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = vtfunc.Register(c, "g", vtfunc.Table{Columns: []string{"v"}},
		func(ctx context.Context, args vtfunc.Args) (iter.Seq[int], error) {
			return func(yield func(int) bool) {
				yield(1)
				panic(errBoom)
			}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFailuresFailTheStatement(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c := openT(t)
	failing(t, c)
	for _, tc := range []struct {
		sql  string
		rows []string
		msg  string
		is   bool // errors.Is(err, errBoom)
	}{
		{"SELECT v FROM f('call error')", nil, "f: boom", true},
		{"SELECT v FROM f('call panic')", nil, "f: panic: boom", true},
		{"SELECT v FROM f('row error')", []string{"1"}, "f: boom", true},
		{"SELECT v FROM f('row panic')", []string{"1"}, "f: panic: boom in the generator", false},
		{"SELECT v FROM g", []string{"1"}, "g: panic: boom", true},
	} {
		got, err := tryRows(c, tc.sql)
		if err == nil {
			t.Errorf("%s: no error", tc.sql)
			continue
		}
		if !slices.Equal(got, tc.rows) {
			t.Errorf("%s: rows before the error = %q, want %q", tc.sql, got, tc.rows)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want it to say %q", tc.sql, err, tc.msg)
		}
		if tc.is && !errors.Is(err, errBoom) {
			t.Errorf("%s: err = %v does not wrap the function's error", tc.sql, err)
		}
		// The connection stays usable.
		want(t, rows(t, c, "SELECT v FROM f('fine')"), "1")
	}
}

func TestGeneratorMayQueryConnection(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c := openT(t)
	if err := c.Exec("CREATE TABLE words(w); INSERT INTO words VALUES ('a'), ('b'), ('c')"); err != nil {
		t.Fatal(err)
	}
	err := vtfunc.Register2(c, "upper", vtfunc.Table{Columns: []string{"w"}},
		func(ctx context.Context, args vtfunc.Args) (iter.Seq2[string, error], error) {
			return func(yield func(string, error) bool) {
				for row, err := range c.Query("SELECT upper(w) FROM words ORDER BY w") {
					if err != nil {
						yield("", err)
						return
					}
					if !yield(row.ColumnText(0), nil) {
						return
					}
				}
			}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT w FROM upper"), "A", "B", "C")
	want(t, rows(t, c, "SELECT w FROM upper LIMIT 1"), "A")
}

// An aggregate reads the whole scan inside one step: the end of the
// context must stop the scan at the next row, not whenever the interrupt
// arrives.
func TestCancelStopsScanInsideOneStep(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	c := openT(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	yielded := 0
	err := vtfunc.Register(c, "nat", vtfunc.Table{Columns: []string{"n"}},
		func(ctx context.Context, args vtfunc.Args) (iter.Seq[int], error) {
			return func(yield func(int) bool) {
				for n := 1; ; n++ {
					yielded++
					if n == 100 {
						cancel() // as if another goroutine did
					}
					if !yield(n) {
						return
					}
				}
			}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	c.SetContext(ctx)
	if _, err := tryRows(c, "SELECT count(*) FROM nat"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if yielded != 100 {
		t.Errorf("generator yielded %d rows, want 100 (it cancelled at 100)", yielded)
	}
}
