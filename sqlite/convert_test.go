package sqlite_test

import (
	"math"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// The Go conversion rules agree with the engine's own.
func TestConversionsAgreeWithSQLite(t *testing.T) {
	c := openMem(t)
	real := func(sql string, args ...any) float64 {
		t.Helper()
		for s, err := range c.Query(sql, args...) {
			if err != nil {
				t.Fatal(err)
			}
			return s.ColumnFloat(0)
		}
		t.Fatalf("%s: no row", sql)
		return 0
	}
	text := func(sql string, args ...any) string {
		t.Helper()
		for s, err := range c.Query(sql, args...) {
			if err != nil {
				t.Fatal(err)
			}
			return s.ColumnText(0)
		}
		t.Fatalf("%s: no row", sql)
		return ""
	}
	for _, in := range []string{"12", " -7.5xyz", "1e3", "+.5", "abc", "", "3.", "9223372036854775808", "1e400"} {
		_, f, _, _ := sqlite.ParseNumber([]byte(in))
		if want := real("SELECT CAST(? AS REAL)", in); f != want && !(math.IsInf(f, 1) && math.IsInf(want, 1)) {
			t.Errorf("ParseNumber(%q) = %v, SQLite says %v", in, f, want)
		}
	}
	for _, f := range []float64{1, 1.5e20, 0.1, -2.5, 1e-7, 123456789012345680000} {
		if got, want := sqlite.FormatReal(f), text("SELECT CAST(? AS TEXT)", f); got != want {
			t.Errorf("FormatReal(%v) = %q, SQLite says %q", f, got, want)
		}
	}
	for _, f := range []float64{2.9, -2.9, 1e30, -1e30} {
		got := float64(sqlite.RealToInt(f))
		if want := real("SELECT CAST(CAST(? AS INTEGER) AS REAL)", f); got != want {
			t.Errorf("RealToInt(%v) = %v, SQLite says %v", f, got, want)
		}
	}
	tm := time.Date(2024, 2, 29, 12, 30, 0, 0, time.UTC)
	if got := sqlite.JulianDayTime(sqlite.JulianDay(tm)); got.Sub(tm).Abs() > time.Millisecond {
		t.Errorf("Julian day round trip: %v, want %v", got, tm)
	}
	if want := real("SELECT julianday('2024-02-29 12:30:00')"); math.Abs(sqlite.JulianDay(tm)-want) > 1e-8 {
		t.Errorf("JulianDay = %v, SQLite says %v", sqlite.JulianDay(tm), want)
	}
}
