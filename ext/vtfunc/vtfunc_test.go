package vtfunc_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asqlite/asqlite/ext/vtfunc"
	"github.com/asqlite/asqlite/sqlite"
)

func openT(t *testing.T) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rows runs sql and returns its rows formatted as "a|b|c" lines.
func rows(t *testing.T, c *sqlite.Conn, sql string, args ...any) []string {
	t.Helper()
	out, err := tryRows(c, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func tryRows(c *sqlite.Conn, sql string, args ...any) ([]string, error) {
	var out []string
	for row, err := range c.Query(sql, args...) {
		if err != nil {
			return out, err
		}
		var cols []string
		for i := range row.ColumnCount() {
			v := row.ColumnValue(i)
			switch v := v.(type) {
			case nil:
				cols = append(cols, "NULL")
			case []byte:
				cols = append(cols, fmt.Sprintf("x'%x'", v))
			default:
				cols = append(cols, fmt.Sprint(v))
			}
		}
		out = append(out, strings.Join(cols, "|"))
	}
	return out, nil
}

func want(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("rows:\n got  %q\n want %q", got, want)
	}
}

// books registers the tour's books function, recording each call's
// arguments.
func books(t *testing.T, c *sqlite.Conn) *[]string {
	t.Helper()
	var calls []string
	err := vtfunc.Register(c, "books", vtfunc.Table{
		Columns: []string{"title", "year", "review"},
		Params:  []vtfunc.Param{{Name: "flags", Required: true}, {Name: "server", Default: "example.com"}},
	}, func(ctx context.Context, args vtfunc.Args) (iter.Seq[[]any], error) {
		calls = append(calls, args.String())
		return slices.Values([][]any{
			{"The Great Gatsby", 1925, 9.2},
			{"To Kill a Mockingbird", 1960, 9.5},
			{"1984", 1949, 9.8},
			{"The Catcher in the Rye", 1951, 8.4},
			{"The Hobbit", 1937, 9.6},
		}), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &calls
}

func TestParamsPositional(t *testing.T) {
	c := openT(t)
	calls := books(t, c)
	want(t, rows(t, c, "SELECT title, flags, server FROM books(94, 'x') WHERE year = 1949"), "1984|94|x")
	want(t, *calls, `flags=94 server="x"`)
}

func TestParamsFromWhere(t *testing.T) {
	c := openT(t)
	calls := books(t, c)
	got := rows(t, c, "SELECT title FROM books WHERE flags = 94 AND server = ? AND year < 1940", "example2.com")
	want(t, got, "The Great Gatsby", "The Hobbit")
	rows(t, c, "SELECT * FROM books WHERE server IS 'a' AND 7 = flags")
	want(t, *calls, `flags=94 server="example2.com"`, `flags=7 server="a"`)
}

func TestParamsHiddenFromSelectStar(t *testing.T) {
	c := openT(t)
	books(t, c)
	s, err := c.Prepare("SELECT * FROM books(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.ColumnNames(); !slices.Equal(got, []string{"title", "year", "review"}) {
		t.Errorf("SELECT * columns = %q", got)
	}
}

func TestParamsDefaults(t *testing.T) {
	c := openT(t)
	calls := books(t, c)
	want(t, rows(t, c, "SELECT DISTINCT server FROM books(1)"), "example.com")
	want(t, *calls, `flags=1 server="example.com"`)

	var got []string
	err := vtfunc.Register(c, "opt", vtfunc.Table{
		Columns: []string{"v"},
		Params:  []vtfunc.Param{{Name: "a"}, {Name: "b", Default: 2.5}, {Name: "c", Default: true}, {Name: "d", Default: []byte("hi")}},
	}, func(ctx context.Context, args vtfunc.Args) (iter.Seq[int], error) {
		got = append(got, args.String())
		return slices.Values([]int{1}), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT v, a, b, c, d FROM opt"), "1|NULL|2.5|1|x'6869'")
	want(t, got, `a=NULL b=2.5 c=1 d=x'6869'`)
}

func TestParamsMissingRequired(t *testing.T) {
	c := openT(t)
	books(t, c)
	for _, sql := range []string{"SELECT * FROM books", "SELECT * FROM books WHERE server = 'x'"} {
		_, err := tryRows(c, sql)
		var pe *vtfunc.ParamError
		if !errors.As(err, &pe) || pe.Param != "flags" || pe.Op != 0 {
			t.Fatalf("%s: err = %v, want a ParamError for flags", sql, err)
		}
		if !strings.Contains(err.Error(), "missing required parameter flags") {
			t.Errorf("message %q does not name the parameter", err)
		}
	}
	want(t, rows(t, c, "SELECT count(*) FROM books(1)"), "5") // the connection is fine
}

func TestParamsNonEqualityFails(t *testing.T) {
	c := openT(t)
	calls := books(t, c)
	for _, tc := range []struct {
		sql   string
		param string
		op    sqlite.ConstraintOp
	}{
		{"SELECT * FROM books WHERE flags > 3", "flags", sqlite.ConstraintGT},
		{"SELECT * FROM books(1) WHERE server LIKE 'ex%'", "server", sqlite.ConstraintLike},
		{"SELECT * FROM books WHERE flags = 1 AND server != 'a'", "server", sqlite.ConstraintNE},
	} {
		_, err := tryRows(c, tc.sql)
		var pe *vtfunc.ParamError
		if !errors.As(err, &pe) || pe.Param != tc.param || pe.Op != tc.op {
			t.Errorf("%s: err = %v, want a ParamError for %s %s", tc.sql, err, tc.param, tc.op)
			continue
		}
		if !strings.Contains(err.Error(), "parameter "+tc.param+" needs a value, not a "+tc.op.String()) {
			t.Errorf("message %q does not name the parameter and operator", err)
		}
	}
	if len(*calls) != 0 {
		t.Errorf("function called for failing queries: %q", *calls)
	}
	// With an equality, other constraints on a parameter just filter.
	want(t, rows(t, c, "SELECT count(*) FROM books WHERE flags = 5 AND flags > 3"), "5")
	want(t, rows(t, c, "SELECT count(*) FROM books WHERE flags = 5 AND flags > 7"), "0")
}

func TestParamsFromJoin(t *testing.T) {
	c := openT(t)
	calls := books(t, c)
	if err := c.Exec("CREATE TABLE req(f, s); INSERT INTO req VALUES (1, 'a'), (2, 'b')"); err != nil {
		t.Fatal(err)
	}
	// Whatever the order written, the function needs req's row first.
	for _, sql := range []string{
		"SELECT req.f, title FROM req, books(req.f, req.s) WHERE year = 1949",
		"SELECT req.f, title FROM books JOIN req ON books.flags = req.f AND books.server = req.s WHERE year = 1949",
	} {
		*calls = nil
		want(t, rows(t, c, sql+" ORDER BY req.f"), "1|1984", "2|1984")
		want(t, *calls, `flags=1 server="a"`, `flags=2 server="b"`)
	}
}

func TestParamsInListCallsPerValue(t *testing.T) {
	c := openT(t)
	calls := books(t, c)
	want(t, rows(t, c, "SELECT flags, count(*) FROM books WHERE flags IN (3, 4) GROUP BY flags"), "3|5", "4|5")
	slices.Sort(*calls)
	want(t, *calls, `flags=3 server="example.com"`, `flags=4 server="example.com"`)
}

func TestSQLiteFiltersAndSortsColumns(t *testing.T) {
	c := openT(t)
	calls := books(t, c)
	got := rows(t, c, "SELECT * FROM books WHERE server=? AND flags=? AND review > 9.55 ORDER BY year DESC", "orange", -2)
	want(t, got, "1984|1949|9.8", "The Hobbit|1937|9.6")
	want(t, *calls, `flags=-2 server="orange"`)
	want(t, rows(t, c, "SELECT title FROM books(1) ORDER BY title LIMIT 2 OFFSET 1"), "The Catcher in the Rye", "The Great Gatsby")
}

func TestRowIDCountsRows(t *testing.T) {
	c := openT(t)
	books(t, c)
	want(t, rows(t, c, "SELECT rowid FROM books(1) WHERE year > 1950"), "2", "4")
}

func TestSelfJoinRunsTwoCalls(t *testing.T) {
	c := openT(t)
	calls := books(t, c)
	got := rows(t, c, "SELECT a.title FROM books(1) a JOIN books(2) b ON a.year = b.year + 11")
	want(t, got, "To Kill a Mockingbird") // 1960 = 1949 + 11
	if len(*calls) < 2 {
		t.Errorf("calls = %q", *calls)
	}
}

func TestRegisterAgainReplaces(t *testing.T) {
	c := openT(t)
	reg := func(v int) {
		err := vtfunc.RegisterSlice(c, "one", vtfunc.Table{Columns: []string{"v"}},
			func(context.Context, vtfunc.Args) ([]int, error) { return []int{v}, nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	query := func() string {
		s, err := c.Prepare("SELECT v FROM one")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Step(); err != nil {
			t.Fatal(err)
		}
		return s.ColumnText(0)
	}
	reg(1)
	if got := query(); got != "1" {
		t.Fatalf("first registration: %s", got)
	}
	reg(2)
	if got := query(); got != "2" {
		t.Errorf("after registering again: %s, want 2", got)
	}
}

// TestRegisterAgainReachesCachedStatements checks that a statement in the
// connection's cache does not keep calling a replaced function (SQLite does
// not expire statements when a module is replaced; the binding clears its
// cache).
func TestRegisterAgainReachesCachedStatements(t *testing.T) {
	c := openT(t)
	for v := range 2 {
		err := vtfunc.RegisterSlice(c, "one", vtfunc.Table{Columns: []string{"v"}},
			func(context.Context, vtfunc.Args) ([]int, error) { return []int{v}, nil })
		if err != nil {
			t.Fatal(err)
		}
		want(t, rows(t, c, "SELECT v FROM one"), fmt.Sprint(v))
	}
}

func TestNoParamsIsPlainTable(t *testing.T) {
	c := openT(t)
	err := vtfunc.RegisterSlice(c, "nums", vtfunc.Table{Columns: []string{"n"}},
		func(context.Context, vtfunc.Args) ([]int, error) { return []int{3, 1, 2}, nil })
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT n FROM nums WHERE n > 1 ORDER BY n"), "2", "3")
	want(t, rows(t, c, "SELECT n FROM nums()"), "3", "1", "2")
	if _, err := tryRows(c, "SELECT n FROM nums(1)"); err == nil {
		t.Error("argument to a function without parameters: no error")
	}
}

func TestCreateVirtualTableFails(t *testing.T) {
	c := openT(t)
	books(t, c)
	if err := c.Exec("CREATE VIRTUAL TABLE b USING books"); err == nil {
		t.Error("CREATE VIRTUAL TABLE on an eponymous-only function: no error")
	}
}

type tagged struct {
	Name    string `sqlite:"title"`
	Year    int
	private int    // unexported fields are not columns
	Skip    string `sqlite:"-"`
	embedded
}

type embedded struct {
	Score float64
}

func TestAccessByFieldName(t *testing.T) {
	c := openT(t)
	err := vtfunc.RegisterSlice(c, "t", vtfunc.Table{Columns: []string{"year", "title", "SCORE"}},
		func(context.Context, vtfunc.Args) ([]tagged, error) {
			return []tagged{{Name: "a", Year: 1, private: 7, embedded: embedded{2.5}}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT * FROM t"), "1|a|2.5")
}

func TestAccessDefaultColumnsAreFields(t *testing.T) {
	c := openT(t)
	err := vtfunc.RegisterSlice(c, "t", vtfunc.Table{},
		func(context.Context, vtfunc.Args) ([]*tagged, error) {
			return []*tagged{{Name: "a", Year: 1}, nil}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Prepare("SELECT * FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.ColumnNames(); !slices.Equal(got, []string{"title", "Year", "Score"}) {
		t.Errorf("columns = %q", got)
	}
	// A nil pointer row has every column NULL.
	want(t, rows(t, c, "SELECT * FROM t"), "a|1|0", "NULL|NULL|NULL")
}

func TestAccessStructByIndex(t *testing.T) {
	c := openT(t)
	type pair struct {
		A string
		B int
	}
	err := vtfunc.RegisterSlice(c, "t", vtfunc.Table{Columns: []string{"x", "y"}, Access: vtfunc.ByIndex},
		func(context.Context, vtfunc.Args) ([]pair, error) { return []pair{{"a", 1}}, nil })
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT x, y FROM t"), "a|1")
}

func TestAccessByIndex(t *testing.T) {
	c := openT(t)
	err := vtfunc.Register(c, "arr", vtfunc.Table{Columns: []string{"a", "b"}},
		func(context.Context, vtfunc.Args) (iter.Seq[[2]string], error) {
			return slices.Values([][2]string{{"x", "y"}}), nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT b, a FROM arr"), "y|x")

	err = vtfunc.RegisterSlice(c, "short", vtfunc.Table{Columns: []string{"a", "b"}},
		func(context.Context, vtfunc.Args) ([][]int, error) { return [][]int{{1, 2, 3}, {4}}, nil })
	if err != nil {
		t.Fatal(err)
	}
	got, err := tryRows(c, "SELECT a, b FROM short")
	want(t, got, "1|2")
	if err == nil || !strings.Contains(err.Error(), "short: column b: a row has 1 values, fewer than the 2 columns") {
		t.Errorf("short row: err = %v", err)
	}
}

func TestAccessByMapKey(t *testing.T) {
	c := openT(t)
	type attrs map[string]string
	err := vtfunc.RegisterSlice(c, "m", vtfunc.Table{Columns: []string{"k", "v"}},
		func(context.Context, vtfunc.Args) ([]attrs, error) {
			return []attrs{{"k": "a", "v": "1"}, {"k": "b"}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT k, v FROM m"), "a|1", "b|NULL")
}

func TestAccessScalarRows(t *testing.T) {
	c := openT(t)
	err := vtfunc.Register(c, "squares", vtfunc.Table{
		Columns: []string{"n"},
		Params:  []vtfunc.Param{{Name: "upto", Required: true}},
	}, func(ctx context.Context, args vtfunc.Args) (iter.Seq[int], error) {
		return func(yield func(int) bool) {
			for i := 1; i <= args.Int("upto"); i++ {
				if !yield(i * i) {
					return
				}
			}
		}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT sum(n) FROM squares(4)"), "30")
}

func TestAccessDynamicRows(t *testing.T) {
	c := openT(t)
	err := vtfunc.RegisterSlice(c, "mixed", vtfunc.Table{Columns: []string{"title", "year"}},
		func(context.Context, vtfunc.Args) ([]any, error) {
			return []any{
				[]any{"slice", 1},
				map[string]any{"title": "map"},
				tagged{Name: "struct", Year: 3},
				&tagged{Name: "pointer", Year: 4},
				nil,
			}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT title, year FROM mixed"), "slice|1", "map|NULL", "struct|3", "pointer|4", "NULL|NULL")

	err = vtfunc.RegisterSlice(c, "bad", vtfunc.Table{Columns: []string{"title", "year"}},
		func(context.Context, vtfunc.Args) ([]any, error) { return []any{42}, nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tryRows(c, "SELECT * FROM bad"); err == nil || !strings.Contains(err.Error(), "a row of type int is one value, but the table has 2 columns") {
		t.Errorf("row of the wrong type: err = %v", err)
	}
}

func TestSeq2RowsAreKeyThenValue(t *testing.T) {
	c := openT(t)
	lib := []tagged{{Name: "a", Year: 1}, {Name: "b", Year: 2}}
	err := vtfunc.Register2(c, "lib", vtfunc.Table{Columns: []string{"i", "title", "year"}},
		func(context.Context, vtfunc.Args) (iter.Seq2[int, tagged], error) { return slices.All(lib), nil })
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT i, title, year FROM lib"), "0|a|1", "1|b|2")

	m := map[string]float64{"pi": 3.14, "e": 2.72}
	err = vtfunc.Register2(c, "consts", vtfunc.Table{Columns: []string{"name", "value"}},
		func(context.Context, vtfunc.Args) (iter.Seq2[string, float64], error) { return maps.All(m), nil })
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT name, value FROM consts ORDER BY name"), "e|2.72", "pi|3.14")
}

type celsius float64

type stamp struct{ t time.Time }

func (s stamp) Time() time.Time { return s.t }

func TestValuesConvertLikeResult(t *testing.T) {
	c := openT(t)
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	str := "p"
	var nilStr *string
	row := []any{
		int8(-1), uint16(2), int64(3), 1.5, float32(0.25), "s", []byte{1, 2}, true, false,
		when, stamp{when}, nil, celsius(21.5), &str, nilStr, sqlite.ZeroBlob(2),
	}
	cols := make([]string, len(row))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	err := vtfunc.RegisterSlice(c, "vals", vtfunc.Table{Columns: cols},
		func(context.Context, vtfunc.Args) ([][]any, error) { return [][]any{row}, nil })
	if err != nil {
		t.Fatal(err)
	}
	ts := when.Format(sqlite.TimeLayout)
	want(t, rows(t, c, "SELECT * FROM vals"),
		"-1|2|3|1.5|0.25|s|x'0102'|1|0|"+ts+"|"+ts+"|NULL|21.5|p|NULL|x'0000'")
}

func TestUnsupportedValueFailsNamingColumn(t *testing.T) {
	c := openT(t)
	err := vtfunc.RegisterSlice(c, "bad", vtfunc.Table{Columns: []string{"ok", "ch"}},
		func(context.Context, vtfunc.Args) ([][]any, error) {
			return [][]any{{1, make(chan int)}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, "SELECT ok FROM bad"), "1") // the column is not read
	_, err = tryRows(c, "SELECT ok, ch FROM bad")
	if !errors.Is(err, sqlite.ErrMismatch) || !strings.Contains(err.Error(), "bad: column ch: cannot use a value of type chan int") {
		t.Errorf("err = %v, want a mismatch naming the column", err)
	}

	err = vtfunc.RegisterSlice(c, "big", vtfunc.Table{Columns: []string{"n"}},
		func(context.Context, vtfunc.Args) ([]uint64, error) { return []uint64{1 << 63}, nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tryRows(c, "SELECT n FROM big"); !errors.Is(err, sqlite.ErrRange) {
		t.Errorf("uint64 overflow: err = %v", err)
	}
	want(t, rows(t, c, "SELECT 1"), "1")
}

func TestArgsConvertLikeSQLite(t *testing.T) {
	c := openT(t)
	var got []string
	err := vtfunc.Register(c, "f", vtfunc.Table{
		Columns: []string{"v"},
		Params:  []vtfunc.Param{{Name: "a"}, {Name: "b"}},
	}, func(ctx context.Context, args vtfunc.Args) (iter.Seq[int], error) {
		got = append(got, fmt.Sprintf("%T %d %g %q %q %v %v %d",
			args.Value("a"), args.Int64("a"), args.Float("A"), args.Text("a"), args.Bytes("a"),
			args.Bool("a"), args.IsNull("b"), args.Len()))
		return slices.Values([]int{0}), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows(t, c, "SELECT * FROM f('12abc')")
	rows(t, c, "SELECT * FROM f(7.5, 1)")
	rows(t, c, "SELECT * FROM f(x'3334')")
	want(t, got,
		`string 12 12 "12abc" "12abc" true true 2`,
		`float64 7 7.5 "7.5" "7.5" true false 2`,
		`[]uint8 34 34 "34" "34" true true 2`)
}

func TestArgsUnknownNameFailsQuery(t *testing.T) {
	c := openT(t)
	err := vtfunc.Register(c, "f", vtfunc.Table{Columns: []string{"v"}, Params: []vtfunc.Param{{Name: "a"}}},
		func(ctx context.Context, args vtfunc.Args) (iter.Seq[int], error) {
			return slices.Values([]int{args.Int("nope")}), nil
		})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tryRows(c, "SELECT * FROM f(1)")
	if err == nil || !strings.Contains(err.Error(), `no parameter "nope" (the parameters are a)`) {
		t.Errorf("err = %v", err)
	}
	want(t, rows(t, c, "SELECT 1"), "1")
}

func TestRegisterChecksTheTable(t *testing.T) {
	c := openT(t)
	noRows := func(context.Context, vtfunc.Args) ([]tagged, error) { return nil, nil }
	for _, tc := range []struct {
		name string
		reg  func() error
		msg  string
	}{
		{"field", func() error {
			return vtfunc.RegisterSlice(c, "f", vtfunc.Table{Columns: []string{"title", "author"}}, noRows)
		}, "column author matches no exported field of vtfunc_test.tagged"},
		{"duplicate", func() error {
			return vtfunc.RegisterSlice(c, "f", vtfunc.Table{Columns: []string{"title", "Year"}, Params: []vtfunc.Param{{Name: "year"}}}, noRows)
		}, `parameter name "year" used twice`},
		{"required default", func() error {
			return vtfunc.RegisterSlice(c, "f", vtfunc.Table{Params: []vtfunc.Param{{Name: "p", Required: true, Default: 1}}}, noRows)
		}, "parameter p is Required and has a Default"},
		{"default type", func() error {
			return vtfunc.RegisterSlice(c, "f", vtfunc.Table{Params: []vtfunc.Param{{Name: "p", Default: struct{}{}}}}, noRows)
		}, "default of parameter p: sqlite: parameter 1: cannot bind value of type struct {}"},
		{"scalar columns", func() error {
			return vtfunc.RegisterSlice(c, "f", vtfunc.Table{Columns: []string{"a", "b"}},
				func(context.Context, vtfunc.Args) ([]string, error) { return nil, nil })
		}, "a row of type string is one value, but the table has 2 columns"},
		{"no columns", func() error {
			return vtfunc.RegisterSlice(c, "f", vtfunc.Table{},
				func(context.Context, vtfunc.Args) ([][]any, error) { return nil, nil })
		}, "Table.Columns is empty and rows of type []interface {} have no field names"},
		{"slice by name", func() error {
			return vtfunc.RegisterSlice(c, "f", vtfunc.Table{Columns: []string{"a"}, Access: vtfunc.ByName},
				func(context.Context, vtfunc.Args) ([][]any, error) { return nil, nil })
		}, "have no names to read columns ByName"},
		{"map keys", func() error {
			return vtfunc.RegisterSlice(c, "f", vtfunc.Table{Columns: []string{"a"}},
				func(context.Context, vtfunc.Args) ([]map[int]any, error) { return nil, nil })
		}, "map keys must be strings"},
		{"nil function", func() error {
			return vtfunc.RegisterSlice[int](c, "f", vtfunc.Table{Columns: []string{"a"}}, nil)
		}, "nil function"},
	} {
		err := tc.reg()
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want it to say %q", tc.name, err, tc.msg)
		}
	}
	if _, err := tryRows(c, "SELECT * FROM f"); err == nil {
		t.Error("a failed registration left a table")
	}
}

func TestRegisterOnClosedConn(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	err = vtfunc.RegisterSlice(c, "f", vtfunc.Table{Columns: []string{"a"}},
		func(context.Context, vtfunc.Args) ([]int, error) { return nil, nil })
	if !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("err = %v, want ErrClosed", err)
	}
}

func TestOddNamesAreQuoted(t *testing.T) {
	c := openT(t)
	var got []string
	err := vtfunc.Register(c, "odd", vtfunc.Table{
		Columns: []string{"order", `we"ird`},
		Params:  []vtfunc.Param{{Name: "select", Required: true}},
	}, func(ctx context.Context, args vtfunc.Args) (iter.Seq[[]any], error) {
		got = append(got, args.String())
		return slices.Values([][]any{{1, 2}}), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows(t, c, `SELECT "order", "we""ird", "select" FROM odd WHERE "select" = 'x'`), "1|2|x")
	want(t, got, `select="x"`)
}

func TestOrBranchesNeedIn(t *testing.T) {
	c := openT(t)
	calls := books(t, c)
	// SQLite turns a simple OR on one column into IN.
	want(t, rows(t, c, "SELECT count(*) FROM books WHERE flags = 1 OR flags = 2"), "10")
	if len(*calls) != 2 {
		t.Errorf("calls = %q", *calls)
	}
	// Parameters in OR branches with other terms are not seen.
	_, err := tryRows(c, "SELECT * FROM books WHERE (flags = 1 AND year > 1950) OR (flags = 2 AND year < 1930)")
	var pe *vtfunc.ParamError
	if !errors.As(err, &pe) {
		t.Errorf("err = %v, want a ParamError", err)
	}
}
