package sqlite_test

import (
	"math"
	"math/rand/v2"
	"strconv"
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
	for _, in := range append(textNumbers, randomTextNumbers()...) {
		b := []byte(in)
		for s, err := range c.Query("SELECT ?, CAST(? AS BLOB)", in, in) {
			if err != nil {
				t.Fatal(err)
			}
			for col := range 2 { // as TEXT, then as a BLOB
				if got, want := sqlite.TextToInt(b), s.ColumnInt64(col); got != want {
					t.Errorf("TextToInt(%q) = %d, SQLite says %d", in, got, want)
				}
				if got, want := sqlite.TextToReal(b), s.ColumnFloat(col); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Errorf("TextToReal(%q) = %v, SQLite says %v", in, got, want)
				}
			}
		}
	}
	for _, f := range realSamples() {
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

// textNumbers are texts for the TEXT to number conversions.
var textNumbers = []string{
	"12", " -7.5xyz", "1e3", "  -7.5e2xyz", "+.5", ".5", "5.", "-", "+", "abc", "", "3.",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808",
	"-9223372036854775809", "99999999999999999999", "-99999999999999999999",
	"18446744073709551616", "9223372036854775807.5", "1.9999999999999999999",
	"1e400", "-1e400", "1e-400", "0x10", "\t\n\v\f\r 42", "\u00a05", "00012", "-0012x",
	"1e", "1e+", "1e+5x", "1.5E-3", "١٢", "1_000", "12.0", " 0.1", "4.9406564584124654e-324",
	"123456789012345678901234567890", "0.30000000000000004", "inf", "NaN",
}

// realSamples are REALs for FormatReal: edge cases, then random bit
// patterns and random short decimals, which exercise SQLite's choice of
// fewer than 17 digits.
func realSamples() []float64 {
	fs := []float64{
		1, -1, 0.1, 0.2, 0.3, 0.1 + 0.2, 49.47, 1.5e20, -2.5, 1e-7, 1e-4, 1e-5,
		1e15, 1e16, 5e16, 1e17, 1.5e17, 1e22, 1e23, 123456789012345678,
		9007199254740993, 2.5e-300, 5e-324, math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, 100, 1234567, 0.999999999999999, 9.999999999999999,
		99999999999999999, 1 / 3.0, 2 / 3.0, math.Pi, math.E, 1e300, -1e-300,
		math.Copysign(0, -1), math.Inf(1), math.Inf(-1),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		fs = append(fs, f)
	}
	for range 20000 {
		// A decimal of 1 to 17 digits at a random scale.
		digits := rng.IntN(17) + 1
		v := rng.Uint64N(uint64(math.Pow10(digits)))
		f, _ := strconv.ParseFloat(strconv.FormatUint(v, 10)+"e"+strconv.Itoa(rng.IntN(60)-30), 64)
		fs = append(fs, f, -f)
	}
	return fs
}

// randomTextNumbers are texts of random REALs, with up to 25 digits.
func randomTextNumbers() []string {
	rng := rand.New(rand.NewPCG(3, 4))
	var out []string
	for range 5000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		out = append(out, strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(f, 'e', rng.IntN(25), 64))
	}
	return out
}
