package sqlite

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// SQLite's conversions between storage classes, and the storage of times,
// as Go code: the binding reads and binds times with them, and package
// asqlite converts the values it copies out of rows (Row) by the same rules.

// TimeFormat says how a time.Time is stored.
type TimeFormat int

const (
	// TimeText stores "2006-01-02 15:04:05.999999999-07:00", which sorts by
	// time for a fixed zone and which SQLite's date functions understand.
	// It is what Bind uses for a time.Time.
	TimeText TimeFormat = iota
	// TimeUnix stores whole seconds since 1970 as an integer.
	TimeUnix
	// TimeUnixMilli stores milliseconds since 1970 as an integer.
	TimeUnixMilli
	// TimeUnixNano stores nanoseconds since 1970 as an integer.
	TimeUnixNano
	// TimeJulianDay stores the Julian day number as a float.
	TimeJulianDay
)

// TimeLayout is the text layout of TimeText.
const TimeLayout = "2006-01-02 15:04:05.999999999-07:00"

// DecodeTime reads a time stored in format f from a value that is not
// NULL, given its accessors: text for TimeText, integer for the Unix
// formats, real for TimeJulianDay. It is the rule of Stmt.ColumnTime and
// Value.Time.
func DecodeTime(f TimeFormat, text func() string, integer func() int64, real func() float64) (time.Time, error) {
	switch f {
	case TimeText:
		return ParseTime(text())
	case TimeUnix:
		return time.Unix(integer(), 0).UTC(), nil
	case TimeUnixMilli:
		return time.UnixMilli(integer()).UTC(), nil
	case TimeUnixNano:
		return time.Unix(0, integer()).UTC(), nil
	case TimeJulianDay:
		return JulianDayTime(real()), nil
	}
	return time.Time{}, Errorf(ErrMisuse, "unknown TimeFormat %d", f)
}

// JulianDay returns the Julian day number of t, as TimeJulianDay stores it.
func JulianDay(t time.Time) float64 {
	return float64(t.UnixNano())/float64(24*time.Hour) + 2440587.5
}

// JulianDayTime returns the time of Julian day number d, in UTC.
func JulianDayTime(d float64) time.Time {
	return time.Unix(0, int64((d-2440587.5)*float64(24*time.Hour))).UTC()
}

var timeLayouts = []string{
	TimeLayout,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTime parses the text forms of a time that SQLite and TimeText use.
func ParseTime(v string) (time.Time, error) {
	v = strings.TrimSuffix(v, "Z")
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, Errorf(ErrMismatch, "cannot parse %q as a time", v)
}

// RealToInt converts a REAL to an INTEGER as SQLite does: truncated toward
// zero, saturating at the int64 range, NaN giving 0.
func RealToInt(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f <= -(1 << 63):
		return math.MinInt64
	case f >= 1<<63:
		return math.MaxInt64
	}
	return int64(f)
}

// skipSpace returns the index of the first byte of b that is not a space
// as SQLite's conversions skip it: space, tab, newline, vertical tab, form
// feed, carriage return.
func skipSpace(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	return i
}

// skipDigits returns the index of the first byte of b from i on that is
// not a decimal digit.
func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// TextToInt converts TEXT, or a BLOB's bytes, to an INTEGER as
// sqlite3_column_int64 does: leading spaces, a sign, then the longest run
// of digits, the rest ignored ("1e3" is 1, "-7.5" is -7, "abc" is 0); past
// the int64 range it saturates.
func TextToInt(b []byte) int64 {
	i := skipSpace(b)
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var u uint64 // the magnitude; past 2^63 it stays at 2^63+1
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if u < (1<<63)/10+1 {
			u = u*10 + uint64(b[i]-'0')
		} else {
			u = 1<<63 + 1
		}
	}
	switch {
	case neg && u >= 1<<63:
		return math.MinInt64
	case neg:
		return -int64(u)
	case u > math.MaxInt64:
		return math.MaxInt64
	}
	return int64(u)
}

// TextToReal converts TEXT, or a BLOB's bytes, to a REAL as
// sqlite3_column_double does: leading spaces, then the longest prefix that
// reads as a decimal number, with a sign, a fraction and an exponent ("1e3"
// is 1000, " -7.5xyz" is -7.5, "abc" is 0).
func TextToReal(b []byte) float64 {
	i := skipSpace(b)
	start := i
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := i
	i = skipDigits(b, i)
	if i < len(b) && b[i] == '.' {
		i = skipDigits(b, i+1)
	}
	if i == digits || (i == digits+1 && b[digits] == '.') {
		return 0 // no digits
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if k := skipDigits(b, j); k > j {
			i = k
		}
	}
	f, _ := strconv.ParseFloat(string(b[start:i]), 64) // ±Inf past the range, as SQLite
	return f
}

// FormatReal formats f as SQLite renders a REAL as TEXT (sqlite3_column_text,
// CAST(x AS TEXT)): 17 significant digits, or fewer when fewer read back as
// f (0.1, 49.47, but 0.30000000000000004), in fixed notation for decimal
// exponents from -4 to 16 and in exponent notation beyond, always with a
// decimal point ("100.0", "1.0e+17", "1.0e-05"); "Inf" and "-Inf". It is
// safe for concurrent use.
//
// The engine renders the text itself: its digits come from its own
// decimal conversion, which for some values differs in the last digit from
// a correctly rounded one (strconv's).
func FormatReal(f float64) string {
	if f == 0 {
		return "0.0" // -0.0 too
	}
	realTLS.Lock()
	defer realTLS.Unlock()
	if realTLS.tls == nil {
		realTLS.tls = libc.NewTLS()
		realTLS.format = cstring(realTLS.tls, "%!.17g")
	}
	tls := realTLS.tls
	// A va_list of one double, then the output buffer.
	const size = 8 + 16 + 40
	buf := tls.Alloc(size)
	defer tls.Free(size)
	out := buf + 24
	lib.Xsqlite3_snprintf(tls, 40, out, realTLS.format, libc.VaList(buf, f))
	return gostring(out)
}

// realTLS is the engine thread FormatReal renders on, with its format.
var realTLS struct {
	sync.Mutex
	tls    *libc.TLS
	format uintptr
}
