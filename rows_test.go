package asqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

func queryRow(t *testing.T, c *Conn, q string, args ...any) *Row {
	t.Helper()
	r := c.QueryRow(context.Background(), q, args...)
	if r.Err() != nil {
		t.Fatalf("%s: %v", q, r.Err())
	}
	return r
}

func TestRowAccessorsConvertLikeSQLite(t *testing.T) {
	c := openTest(t, nil)
	r := queryRow(t, c, "SELECT 42, 2.5, '17abc', x'6869', NULL, '  -3.9e1 ', 1e300")
	if r.Len() != 7 || r.Type(0) != sqlite.Integer || r.Type(1) != sqlite.Float ||
		r.Type(2) != sqlite.Text || r.Type(3) != sqlite.Blob || r.Type(4) != sqlite.Null {
		t.Fatalf("types %v %v %v %v %v", r.Type(0), r.Type(1), r.Type(2), r.Type(3), r.Type(4))
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"int as text", r.Text(0), "42"},
		{"int as float", r.Float(0), 42.0},
		{"float as int", r.Int64(1), int64(2)},
		{"float as text", r.Text(1), "2.5"},
		{"text prefix as int", r.Int64(2), int64(17)},
		{"text prefix as float", r.Float(2), 17.0},
		{"blob as text", r.Text(3), "hi"},
		{"blob bytes", string(r.Bytes(3)), "hi"},
		{"NULL as int", r.Int64(4), int64(0)},
		{"NULL as text", r.Text(4), ""},
		{"NULL as bytes", r.Bytes(4) == nil, true},
		{"NULL is null", r.IsNull(4), true},
		{"spaced exponent as float", r.Float(5), -39.0},
		{"spaced exponent as int", r.Int64(5), int64(-3)}, // the leading integer, as SQLite reads it
		{"huge float saturates", r.Int64(6), int64(math.MaxInt64)},
		{"out of range is NULL", r.Type(99), sqlite.Null},
		{"bool", r.Bool(0), true},
		{"value int", r.Value(0), int64(42)},
		{"value blob", r.Value(3), []byte("hi")},
		{"value NULL", r.Value(4), nil},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s: got %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	if got := r.Text(6); got != "1e+300" && got != "1.0e+300" {
		t.Errorf("float with exponent as text: %q", got)
	}
	if got := queryRow(t, c, "SELECT 100.0").Text(0); got != "100.0" {
		t.Errorf("whole float as text: %q, want 100.0", got)
	}
}

// Row's accessors give what the statement's would have given for the same
// column, for every storage class and the texts where SQLite's rules are
// least obvious.
func TestRowAccessorsAgreeWithTheStatement(t *testing.T) {
	c := openTest(t, nil)
	values := []string{
		"42", "-7", "9223372036854775807", "2.5", "0.1 + 0.2", "1e15", "1e16", "1e17",
		"123456.789e3", "-0.0", "1e300", "49.47", "9.2233720368547758e18", "NULL",
		"'1e3'", "'  -7.5e2xyz'", "' 12abc'", "'9223372036854775808'", "'-99999999999999999999'",
		"'1.9999999999999999999'", "'0.5'", "'abc'", "''", "x'3132'", "x'00'", "'1e400'",
		"CAST('12' AS BLOB)", "zeroblob(3)",
	}
	ctx := context.Background()
	for _, v := range values {
		q := "SELECT " + v
		r := queryRow(t, c, q)
		err := c.Run(ctx, func(sc *sqlite.Conn) error {
			for s, err := range sc.Query(q) {
				if err != nil {
					return err
				}
				if got, want := r.Int64(0), s.ColumnInt64(0); got != want {
					t.Errorf("%s: Int64 %d, the statement's %d", v, got, want)
				}
				if got, want := r.Float(0), s.ColumnFloat(0); got != want {
					t.Errorf("%s: Float %v, the statement's %v", v, got, want)
				}
				if got, want := r.Text(0), s.ColumnText(0); got != want {
					t.Errorf("%s: Text %q, the statement's %q", v, got, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
	// Truth as in WHERE.
	for v, want := range map[string]bool{"'0.5'": true, "'abc'": false, "0.1": true, "0": false, "NULL": false, "'-1x'": true} {
		if got := queryRow(t, c, "SELECT "+v).Bool(0); got != want {
			t.Errorf("%s: Bool %v, want %v", v, got, want)
		}
		var where bool
		if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 WHERE "+v+")").Scan(&where); err != nil || where != want {
			t.Errorf("%s: SQLite's WHERE says %v (%v), want %v", v, where, err, want)
		}
	}
}

func TestRowColumnsAndString(t *testing.T) {
	c := openTest(t, nil)
	r := queryRow(t, c, "SELECT 1 AS a, 'x' AS b, NULL AS c, x'00ff' AS d, 0.5 AS e")
	if !reflect.DeepEqual(r.Columns(), []string{"a", "b", "c", "d", "e"}) || r.ColumnIndex("c") != 2 || r.ColumnIndex("z") != -1 {
		t.Fatalf("columns %v", r.Columns())
	}
	if s := r.String(); s != `(1, "x", NULL, x'00ff', 0.5)` {
		t.Fatalf("String() = %s", s)
	}
	if v := r.Values(); !reflect.DeepEqual(v, []any{int64(1), "x", nil, []byte{0, 0xff}, 0.5}) {
		t.Fatalf("Values() = %#v", v)
	}
}

type celsius float64
type status string
type userID int32

func TestScanIntoSupportedDestinations(t *testing.T) {
	c := openTest(t, nil)
	r := queryRow(t, c, `SELECT 7, 1.5, 'hello', x'0102', NULL, 'true',
		'2024-05-06 07:08:09', 1700000000, 12, 'ok', 21.5, NULL, 'name', NULL, 300`)
	var (
		i64  int64
		f    float64
		s    string
		b    []byte
		a    any
		ok   bool
		tm   time.Time
		unix time.Time
		u8   uint8
		st   status
		temp celsius
		ps   *string
		pn   *string
		ns   sql.NullString
		id   userID
	)
	if err := r.Scan(&i64, &f, &s, &b, &a, &ok, &tm, &unix, &u8, &st, &temp, &ps, &pn, &ns, &id); err != nil {
		t.Fatal(err)
	}
	if i64 != 7 || f != 1.5 || s != "hello" || string(b) != "\x01\x02" || a != nil || !ok {
		t.Errorf("basic: %v %v %q %v %v %v", i64, f, s, b, a, ok)
	}
	if !tm.Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)) || unix.Unix() != 1700000000 {
		t.Errorf("times: %v %v", tm, unix)
	}
	if u8 != 12 || st != "ok" || temp != 21.5 || id != 300 {
		t.Errorf("named and sized: %v %v %v %v", u8, st, temp, id)
	}
	if ps != nil || pn == nil || *pn != "name" {
		t.Errorf("pointers: %v %v", ps, pn)
	}
	if ns.Valid {
		t.Errorf("sql.NullString from NULL: %+v", ns)
	}
}

func TestScanRefusesLossyConversions(t *testing.T) {
	c := openTest(t, nil)
	cases := []struct {
		query string
		dest  any
	}{
		{"SELECT 'abc'", new(int)},
		{"SELECT 1.5", new(int64)},
		{"SELECT 300", new(int8)},
		{"SELECT -1", new(uint)},
		{"SELECT x'00'", new(float64)},
		{"SELECT 'maybe'", new(bool)},
		{"SELECT 'yesterday'", new(time.Time)},
		{"SELECT 1", new(struct{})},
		{"SELECT 1", 5},
	}
	for _, tc := range cases {
		err := queryRow(t, c, tc.query).Scan(tc.dest)
		var se *sqlite.Error
		if !errors.As(err, &se) || se.Code != sqlite.ErrMismatch {
			t.Errorf("%s into %T: got %v, want SQLITE_MISMATCH", tc.query, tc.dest, err)
		}
	}
}

func TestScanNeedsOneDestinationPerColumn(t *testing.T) {
	c := openTest(t, nil)
	var a int
	if err := queryRow(t, c, "SELECT 1, 2").Scan(&a); !errors.Is(err, sqlite.ErrRange) {
		t.Fatalf("got %v", err)
	}
}

func TestRowCloneOutlivesIteration(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 2})
	var kept []*Row
	for row, err := range c.Query(context.Background(), "SELECT 'a' UNION ALL SELECT 'b' UNION ALL SELECT 'c'") {
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, row.Clone())
	}
	for i, want := range []string{"a", "b", "c"} {
		if got := kept[i].Text(0); got != want {
			t.Fatalf("clone %d holds %q, want %q", i, got, want)
		}
	}
}

func TestRowTimeFormats(t *testing.T) {
	c := openTest(t, nil)
	r := queryRow(t, c, "SELECT 1700000000, 1700000000123, 2460000.5, '2024-01-02T03:04:05Z', NULL")
	want := time.Unix(1700000000, 0).UTC()
	if got, err := r.Time(0, sqlite.TimeUnix); err != nil || !got.Equal(want) {
		t.Errorf("unix: %v %v", got, err)
	}
	if got, err := r.Time(1, sqlite.TimeUnixMilli); err != nil || got.UnixMilli() != 1700000000123 {
		t.Errorf("unix milli: %v %v", got, err)
	}
	if got, err := r.Time(2, sqlite.TimeJulianDay); err != nil || got.Year() != 2023 {
		t.Errorf("julian: %v %v", got, err)
	}
	if got, err := r.Time(3, sqlite.TimeText); err != nil || !got.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("text: %v %v", got, err)
	}
	if got, err := r.Time(4, sqlite.TimeText); err != nil || !got.IsZero() {
		t.Errorf("NULL: %v %v", got, err)
	}
}

func TestLargeValuesEndBatchesEarly(t *testing.T) {
	c := openTest(t, &ConnOptions{BatchSize: 1000})
	n := 0
	for row, err := range c.Query(context.Background(),
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10) SELECT i, zeroblob(300000) FROM n") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if row.Int64(0) != int64(n) || len(row.Bytes(1)) != 300000 {
			t.Fatalf("row %d wrong", n)
		}
	}
	if n != 10 {
		t.Fatalf("%d rows", n)
	}
}
