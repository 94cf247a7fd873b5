package sqlite

import (
	"math"
	"strconv"
	"strings"
	"time"
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

// ParseNumber reads the leading number of b, as SQLite does when it
// converts text to a number: leading spaces, a sign, digits, a fraction and
// an exponent. It reports an integer when the prefix has neither fraction
// nor exponent and fits an int64. ok is false when there is no number (the
// value then is 0).
func ParseNumber(b []byte) (n int64, f float64, isInt, ok bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == '\f' || b[i] == '\v') {
		i++
	}
	start := i
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	intEnd := i
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i == digits || (i == digits+1 && b[digits] == '.') {
		return 0, 0, true, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j < len(b) && b[j] >= '0' && b[j] <= '9' {
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			i = j
		}
	}
	if i == intEnd {
		if v, err := strconv.ParseInt(string(b[start:i]), 10, 64); err == nil {
			return v, float64(v), true, true
		}
	}
	f, _ = strconv.ParseFloat(string(b[start:i]), 64)
	return 0, f, false, true
}

// FormatReal formats f the way SQLite shows a REAL: the shortest text that
// reads back as f, always with a decimal point or exponent (1.0, 1.5e+20).
func FormatReal(f float64) string {
	b := strconv.AppendFloat(nil, f, 'g', -1, 64)
	for _, ch := range b {
		if ch == '.' || ch == 'n' || ch == 'N' || ch == 'I' {
			return string(b)
		}
	}
	for j, ch := range b {
		if ch == 'e' {
			return string(b[:j]) + ".0" + string(b[j:])
		}
	}
	return string(b) + ".0"
}
