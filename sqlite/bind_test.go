package sqlite_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

var testTime = time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.FixedZone("X", 5*3600+30*60))

// selectArgs binds args to "SELECT ?, ?, ..." and returns the typed row.
func selectValue(t *testing.T, c *sqlite.Conn, v any) (sqlite.ColumnType, any) {
	t.Helper()
	s, err := c.Prepare("SELECT ?")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.BindValue(1, v); err != nil {
		t.Fatalf("BindValue(%T %v): %v", v, v, err)
	}
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	return s.ColumnType(0), s.ColumnValue(0)
}

type (
	celsius  float64
	label    string
	count    uint16
	flag     bool
	raw      []byte
	bigCount uint64
)

func TestBindValueEveryType(t *testing.T) {
	c := openMem(t)
	str := "pointed"
	i64 := int64(-5)
	f64 := 0.25
	var nilStr *string
	c21 := celsius(21.5)
	tests := []struct {
		in   any
		typ  sqlite.ColumnType
		want any
	}{
		{nil, sqlite.Null, nil},
		{int64(math.MinInt64), sqlite.Integer, int64(math.MinInt64)},
		{int(42), sqlite.Integer, int64(42)},
		{int8(-8), sqlite.Integer, int64(-8)},
		{int16(-16), sqlite.Integer, int64(-16)},
		{int32(-32), sqlite.Integer, int64(-32)},
		{uint(7), sqlite.Integer, int64(7)},
		{uint8(255), sqlite.Integer, int64(255)},
		{uint16(65535), sqlite.Integer, int64(65535)},
		{uint32(math.MaxUint32), sqlite.Integer, int64(math.MaxUint32)},
		{uint64(math.MaxInt64), sqlite.Integer, int64(math.MaxInt64)},
		{true, sqlite.Integer, int64(1)},
		{false, sqlite.Integer, int64(0)},
		{float32(1.5), sqlite.Float, 1.5},
		{math.Pi, sqlite.Float, math.Pi},
		{"", sqlite.Text, ""},
		{"héllo\x00world", sqlite.Text, "héllo\x00world"},
		{[]byte{1, 2, 3}, sqlite.Blob, []byte{1, 2, 3}},
		{[]byte{}, sqlite.Blob, []byte{}},
		{[]byte(nil), sqlite.Blob, []byte{}},
		{sqlite.ZeroBlob(4), sqlite.Blob, []byte{0, 0, 0, 0}},
		{testTime, sqlite.Text, "2024-02-29 13:14:15.123456789+05:30"},
		{&str, sqlite.Text, "pointed"},
		{nilStr, sqlite.Null, nil},
		{&i64, sqlite.Integer, int64(-5)},
		{&f64, sqlite.Float, 0.25},
		{(*int64)(nil), sqlite.Null, nil},
		{c21, sqlite.Float, 21.5},
		{&c21, sqlite.Float, 21.5},
		{(*celsius)(nil), sqlite.Null, nil},
		{label("tag"), sqlite.Text, "tag"},
		{count(9), sqlite.Integer, int64(9)},
		{flag(true), sqlite.Integer, int64(1)},
		{raw("ab"), sqlite.Blob, []byte("ab")},
	}
	for _, tt := range tests {
		typ, got := selectValue(t, c, tt.in)
		if typ != tt.typ {
			t.Errorf("%T %v: stored as %v, want %v", tt.in, tt.in, typ, tt.typ)
		}
		if b, ok := tt.want.([]byte); ok {
			if g, ok := got.([]byte); !ok || !bytes.Equal(g, b) {
				t.Errorf("%T %v: read back %#v, want %#v", tt.in, tt.in, got, tt.want)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%T %v: read back %#v, want %#v", tt.in, tt.in, got, tt.want)
		}
	}
}

func TestBindUint64OverflowIsRangeError(t *testing.T) {
	c := openMem(t)
	s, _ := c.Prepare("SELECT ?")
	defer s.Close()
	for _, v := range []any{uint64(math.MaxInt64 + 1), uint(math.MaxUint64), bigCount(math.MaxUint64)} {
		e := wantCode(t, s.BindValue(1, v), sqlite.ErrRange)
		if !strings.Contains(e.Msg, "overflows") {
			t.Errorf("%T: message %q", v, e.Msg)
		}
	}
}

func TestBindUnsupportedTypeIsMismatch(t *testing.T) {
	c := openMem(t)
	s, _ := c.Prepare("SELECT ?")
	defer s.Close()
	for _, v := range []any{struct{ A int }{1}, map[string]int{}, []int{1}, make(chan int), complex(1, 2)} {
		e := wantCode(t, s.BindValue(1, v), sqlite.ErrMismatch)
		if !strings.Contains(e.Msg, "cannot bind") {
			t.Errorf("%T: message %q", v, e.Msg)
		}
	}
	wantCode(t, c.Exec("SELECT ?", struct{}{}), sqlite.ErrMismatch)
}

func TestBindByIndexOutOfRange(t *testing.T) {
	c := openMem(t)
	s, _ := c.Prepare("SELECT ?, ?")
	defer s.Close()
	e := wantCode(t, s.BindInt64(3, 1), sqlite.ErrRange)
	if !strings.Contains(e.Msg, "parameter index 3") || !strings.Contains(e.Msg, "has 2") {
		t.Errorf("message %q", e.Msg)
	}
	wantCode(t, s.BindText(0, "x"), sqlite.ErrRange)
}

func TestBindTypedSetters(t *testing.T) {
	c := openMem(t)
	s, err := c.Prepare("SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, err := range []error{
		s.BindInt64(1, 1<<40), s.BindInt(2, -3), s.BindBool(3, true), s.BindFloat(4, 0.5),
		s.BindText(5, "txt"), s.BindBytes(6, []byte("blob")), s.BindNull(7), s.BindZeroBlob(8, 3),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	if s.ColumnInt64(0) != 1<<40 || s.ColumnInt(1) != -3 || !s.ColumnBool(2) || s.ColumnFloat(3) != 0.5 ||
		s.ColumnText(4) != "txt" || string(s.ColumnRawBytes(5)) != "blob" || s.ColumnType(6) != sqlite.Null ||
		!bytes.Equal(s.ColumnRawBytes(7), []byte{0, 0, 0}) {
		t.Error("values read back differ from the ones bound")
	}
	s.Reset()
	wantCode(t, s.BindZeroBlob(1, -1), sqlite.ErrRange)
	if err := s.ClearBindings(); err != nil {
		t.Fatal(err)
	}
	s.Step()
	for i := range 8 {
		if s.ColumnType(i) != sqlite.Null {
			t.Errorf("column %d not NULL after ClearBindings", i)
		}
	}
}

func TestBindTextIsCopied(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(a, b)")
	s, _ := c.Prepare("INSERT INTO t VALUES (?, ?)")
	defer s.Close()
	b := []byte("first")
	// Two binds in a row through the same scratch memory must not clobber
	// each other, and changing the Go slice afterwards changes nothing.
	s.BindText(1, "aaaaaaaa")
	s.BindBytes(2, b)
	b[0] = 'X'
	if row, err := s.Step(); row || err != nil {
		t.Fatal(err)
	}
	for row, err := range c.Query("SELECT a, b FROM t") {
		if err != nil {
			t.Fatal(err)
		}
		if row.ColumnText(0) != "aaaaaaaa" || string(row.ColumnRawBytes(1)) != "first" {
			t.Errorf("row = %q, %q", row.ColumnText(0), row.ColumnRawBytes(1))
		}
	}
}

func TestBindPositionalArgCount(t *testing.T) {
	c := openMem(t)
	s, _ := c.Prepare("SELECT ?, ?")
	defer s.Close()
	e := wantCode(t, s.Bind(1), sqlite.ErrRange)
	if !strings.Contains(e.Msg, "2 arguments, got 1") {
		t.Errorf("too few: %q", e.Msg)
	}
	e = wantCode(t, s.Bind(1, 2, 3), sqlite.ErrRange)
	if !strings.Contains(e.Msg, "2 positional arguments, got 3") {
		t.Errorf("too many: %q", e.Msg)
	}
	if err := s.Bind(1, 2); err != nil {
		t.Fatal(err)
	}
}

func TestBindNamedWithAndWithoutPrefix(t *testing.T) {
	c := openMem(t)
	s, err := c.Prepare("SELECT :a, @b, $c, ?")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.ParamCount() != 4 || s.ParamName(1) != ":a" || s.ParamName(2) != "@b" || s.ParamName(4) != "" {
		t.Errorf("ParamCount %d names %q %q %q", s.ParamCount(), s.ParamName(1), s.ParamName(2), s.ParamName(4))
	}
	if s.ParamIndex("a") != 1 || s.ParamIndex(":a") != 1 || s.ParamIndex("b") != 2 || s.ParamIndex("$c") != 3 ||
		s.ParamIndex("@a") != 0 || s.ParamIndex("zz") != 0 || s.ParamIndex("") != 0 {
		t.Error("ParamIndex")
	}
	// Named args may come in any order, mixed with positional ones, which
	// fill the unnamed parameters.
	if err := s.Bind(sqlite.Named("$c", "C"), "pos", sqlite.Named("a", "A"), sqlite.Named("@b", "B")); err != nil {
		t.Fatal(err)
	}
	s.Step()
	for i, want := range []string{"A", "B", "C", "pos"} {
		if got := s.ColumnText(i); got != want {
			t.Errorf("column %d = %q, want %q", i, got, want)
		}
	}
}

func TestBindNamedErrors(t *testing.T) {
	c := openMem(t)
	s, _ := c.Prepare("SELECT :a, :b")
	defer s.Close()
	e := wantCode(t, s.Bind(sqlite.Named("a", 1), sqlite.Named("b", 2), sqlite.Named("zzz", 3)), sqlite.ErrRange)
	if !strings.Contains(e.Msg, "unknown named parameter zzz") {
		t.Errorf("unknown name: %q", e.Msg)
	}
	e = wantCode(t, s.Bind(sqlite.Named("a", 1)), sqlite.ErrRange)
	if !strings.Contains(e.Msg, ":b") {
		t.Errorf("missing name: %q", e.Msg)
	}
	// A prefix that does not match is not the same parameter.
	wantCode(t, s.Bind(sqlite.Named("@a", 1), sqlite.Named(":b", 2)), sqlite.ErrRange)
	// All-positional arguments fill named parameters in order.
	if err := s.Bind(1, 2); err != nil {
		t.Fatalf("positional args for named parameters: %v", err)
	}
}

func TestBindNumberedParameters(t *testing.T) {
	c := openMem(t)
	s, _ := c.Prepare("SELECT ?2, ?1, ?2")
	defer s.Close()
	if s.ParamCount() != 2 {
		t.Fatalf("ParamCount = %d", s.ParamCount())
	}
	if err := s.Bind("one", "two"); err != nil {
		t.Fatal(err)
	}
	s.Step()
	if s.ColumnText(0) != "two" || s.ColumnText(1) != "one" || s.ColumnText(2) != "two" {
		t.Errorf("row %q %q %q", s.ColumnText(0), s.ColumnText(1), s.ColumnText(2))
	}
}

func TestTimeFormatsRoundTrip(t *testing.T) {
	c := openMem(t)
	tests := []struct {
		f    sqlite.TimeFormat
		typ  sqlite.ColumnType
		prec time.Duration
	}{
		{sqlite.TimeText, sqlite.Text, 0},
		{sqlite.TimeUnix, sqlite.Integer, time.Second},
		{sqlite.TimeUnixMilli, sqlite.Integer, time.Millisecond},
		{sqlite.TimeUnixNano, sqlite.Integer, 0},
		{sqlite.TimeJulianDay, sqlite.Float, time.Millisecond},
	}
	for _, tt := range tests {
		s, _ := c.Prepare("SELECT ?, NULL")
		if err := s.BindTime(1, testTime, tt.f); err != nil {
			t.Fatal(err)
		}
		s.Step()
		if s.ColumnType(0) != tt.typ {
			t.Errorf("format %d stored as %v, want %v", tt.f, s.ColumnType(0), tt.typ)
		}
		got, err := s.ColumnTime(0, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		if d := got.Sub(testTime).Abs(); d > tt.prec {
			t.Errorf("format %d: read %v, want %v (off by %v)", tt.f, got, testTime, d)
		}
		if null, err := s.ColumnTime(1, tt.f); err != nil || !null.IsZero() {
			t.Errorf("format %d: NULL reads as %v, %v", tt.f, null, err)
		}
		s.Close()
	}
}

func TestTimeTextUnderstoodBySQLite(t *testing.T) {
	c := openMem(t)
	var got string
	for row, err := range c.Query("SELECT datetime(?)", testTime) {
		if err != nil {
			t.Fatal(err)
		}
		got = row.ColumnText(0)
	}
	if got != "2024-02-29 07:44:15" {
		t.Errorf("datetime(bound time) = %q", got)
	}
}

func TestParseTimeAcceptsSQLiteForms(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2024-02-29":                    time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"2024-02-29 13:14":              time.Date(2024, 2, 29, 13, 14, 0, 0, time.UTC),
		"2024-02-29T13:14:15":           time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC),
		"2024-02-29 13:14:15.5":         time.Date(2024, 2, 29, 13, 14, 15, 5e8, time.UTC),
		"2024-02-29T13:14:15Z":          time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC),
		"2024-02-29 13:14:15-02:00":     time.Date(2024, 2, 29, 15, 14, 15, 0, time.UTC),
		"2024-02-29T13:14:15.25+01:00":  time.Date(2024, 2, 29, 12, 14, 15, 25e7, time.UTC),
		"2024-02-29 13:14:15.123456789": time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC),
	} {
		got, err := sqlite.ParseTime(in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", in, err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, want %v", in, got, want)
		}
	}
	_, err := sqlite.ParseTime("yesterday")
	wantCode(t, err, sqlite.ErrMismatch)
}

func TestBadTimeFormatIsMisuse(t *testing.T) {
	c := openMem(t)
	s, _ := c.Prepare("SELECT 1")
	defer s.Close()
	wantCode(t, s.BindTime(1, testTime, sqlite.TimeFormat(99)), sqlite.ErrMisuse)
	s.Step()
	_, err := s.ColumnTime(0, sqlite.TimeFormat(99))
	wantCode(t, err, sqlite.ErrMisuse)
}

func TestZeroBlobReservesSpace(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(b BLOB)")
	mustExec(t, c, "INSERT INTO t VALUES (?)", sqlite.ZeroBlob(1000))
	if n := queryInt(t, c, "SELECT length(b) FROM t"); n != 1000 {
		t.Errorf("length = %d", n)
	}
	if n := queryInt(t, c, "SELECT count(*) FROM t WHERE b = zeroblob(1000)"); n != 1 {
		t.Error("zeroblob is not all zeros")
	}
}

func TestBindValuesOfEverySizeRoundTrip(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(n INTEGER, s TEXT, b BLOB)")
	ins, err := c.Prepare("INSERT INTO t VALUES (?, ?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	defer ins.Close()
	sizes := []int{0, 1, 7, 255, 256, 257, 1000, 5, 300, 2}
	for _, n := range sizes {
		s := strings.Repeat(string(rune('a'+n%26)), n)
		b := bytes.Repeat([]byte{byte(n)}, n)
		if err := ins.Exec(n, s, b); err != nil {
			t.Fatal(err)
		}
	}
	for row, err := range c.Query("SELECT n, s, b FROM t ORDER BY rowid") {
		if err != nil {
			t.Fatal(err)
		}
		n := row.ColumnInt(0)
		if got, want := row.ColumnText(1), strings.Repeat(string(rune('a'+n%26)), n); got != want {
			t.Errorf("size %d: text %q, want %q", n, got, want)
		}
		if got, want := row.ColumnRawBytes(2), bytes.Repeat([]byte{byte(n)}, n); !bytes.Equal(got, want) || row.ColumnType(2) != sqlite.Blob {
			t.Errorf("size %d: blob %x (%v), want %x", n, got, row.ColumnType(2), want)
		}
	}
}

func TestBindWhileRunningFailsAndKeepsTheRow(t *testing.T) {
	c := openMem(t)
	s, err := c.Prepare("SELECT ?1, ?2 FROM (SELECT 1 UNION ALL SELECT 2)")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.BindText(1, "first")
	s.BindBytes(2, []byte("blob"))
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	// Binding a running statement is misuse; the values the running
	// program uses must not change under it.
	wantCode(t, s.BindText(1, "XXXXX"), sqlite.ErrMisuse)
	wantCode(t, s.BindBytes(2, []byte("XXXX")), sqlite.ErrMisuse)
	for i := range 2 {
		if i > 0 {
			if row, err := s.Step(); !row || err != nil {
				t.Fatalf("Step = %v, %v", row, err)
			}
		}
		if s.ColumnText(0) != "first" || string(s.ColumnRawBytes(1)) != "blob" {
			t.Fatalf("row %d changed under a failed bind: %q %q", i, s.ColumnText(0), s.ColumnRawBytes(1))
		}
	}
	s.Reset()
	if err := s.BindText(1, "second"); err != nil {
		t.Fatal(err)
	}
	s.Step()
	if s.ColumnText(0) != "second" || string(s.ColumnRawBytes(1)) != "blob" {
		t.Errorf("after rebinding: %q %q", s.ColumnText(0), s.ColumnRawBytes(1))
	}
}

func TestBindSameStringToManyParameters(t *testing.T) {
	c := openMem(t)
	s, _ := c.Prepare("SELECT ?1 || ?2 || ?3, ?4")
	defer s.Close()
	v := "ab"
	s.BindText(1, v)
	s.BindText(2, "cd")
	s.BindText(3, v)
	s.BindText(4, "x")
	s.ClearBindings()
	s.BindText(1, v)
	s.BindText(2, "cd")
	s.BindText(3, v)
	s.Step()
	if s.ColumnText(0) != "abcdab" || s.ColumnType(1) != sqlite.Null {
		t.Errorf("got %q, %v", s.ColumnText(0), s.ColumnType(1))
	}
}
