// Package units formats the figures the ext packages print: durations,
// counts and sizes, for people.
package units

import (
	"strconv"
	"strings"
	"time"
)

// Duration formats d with about four significant digits and a unit:
// "812ns", "27.1µs", "4.213ms", "1.502s".
func Duration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
	case d >= time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64) + "ms"
	case d >= time.Microsecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 1, 64) + "µs"
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}

// Count formats n with thousands separators: "1,015,353".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	digits := len(s) - start
	if digits <= 3 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:start])
	first := digits % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[start : start+first])
	for i := start + first; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Bytes formats a size in bytes with one decimal and a binary unit:
// "512B", "78.3KB", "1.5MB".
func Bytes(n int64) string {
	units := [...]string{"B", "KB", "MB", "GB", "TB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 {
		return strconv.FormatInt(n, 10) + "B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + units[u]
}
