package shell

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// formatReal formats r as SQLite 3.40's printf does with "%!.<prec>g",
// the conversion sqlite3 uses for REAL values: the shell's output must be
// byte-identical to sqlite3's, and that printf computes its digits in
// x87 extended precision (a 64-bit mantissa), so that beyond the 16th
// significant digit its digits differ from the exact decimal expansion
// that strconv gives. The arithmetic below repeats it, rounding every
// step to 64 bits.
func formatReal(r float64, prec int) string {
	if math.IsNaN(r) {
		return "NaN"
	}
	prefix := ""
	if r < 0 {
		r = -r
		prefix = "-"
	}
	if math.IsInf(r, 0) {
		return prefix + "Inf"
	}
	if prec == 15 {
		if z, ok := formatReal15(r); ok {
			return prefix + z
		}
	}
	return prefix + formatExtended(r, prec)
}

// formatReal15 is the quick way to formatExtended(r, 15), for r >= 0.
// Below 1e100, whose double is not exactly 10^100, the extended
// arithmetic errs by less than a thousandth of the 15th digit, so that
// its result is the correctly rounded one unless r lies within two
// hundredths of a digit of halfway between two 15-digit numbers; then,
// and from 1e100 on, ok is false.
func formatReal15(r float64) (z string, ok bool) {
	if r == 0 {
		return "0.0", true
	}
	if !(r > 0 && r < 1e100) {
		return "", false
	}
	e := strconv.FormatFloat(r, 'e', 20, 64) // d.dddddddddddddddddddde±dd, exact to 21 digits
	i := strings.IndexByte(e, 'e')
	digits := []byte(e[:1] + e[2:i])
	exp, err := strconv.Atoi(e[i+1:])
	if err != nil {
		return "", false
	}
	rest, err := strconv.Atoi(string(digits[15:21]))
	if err != nil || rest >= 480000 && rest <= 520000 {
		return "", false
	}
	digits = digits[:15]
	if rest > 500000 {
		k := 14
		for ; k >= 0 && digits[k] == '9'; k-- {
			digits[k] = '0'
		}
		if k < 0 {
			digits[0] = '1'
			exp++
		} else {
			digits[k]++
		}
	}
	return layoutG(digits, exp, 15), true
}

// layoutG lays out the significant digits of a number and its decimal
// exponent as SQLite's "%!.<prec>g": fixed-point unless the exponent is
// below -4 or at least prec, trailing zeros dropped but for one after the
// point, an exponent of at least two digits.
func layoutG(digits []byte, exp, prec int) string {
	var b []byte
	if exp < -4 || exp > prec-1 {
		b = append(b, digits[0], '.')
		b = append(b, digits[1:]...)
	} else if exp >= 0 {
		b = append(b, digits[:exp+1]...)
		b = append(b, '.')
		b = append(b, digits[exp+1:]...)
	} else {
		b = append(b, '0', '.')
		for range -exp - 1 {
			b = append(b, '0')
		}
		b = append(b, digits...)
	}
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = append(b, '0')
	}
	if exp < -4 || exp > prec-1 {
		b = append(b, 'e')
		if exp < 0 {
			b = append(b, '-')
			exp = -exp
		} else {
			b = append(b, '+')
		}
		if exp >= 100 {
			b = append(b, byte('0'+exp/100))
			exp %= 100
		}
		b = append(b, byte('0'+exp/10), byte('0'+exp%10))
	}
	return string(b)
}

// formatExtended is formatReal for r >= 0, finite, computed as SQLite
// 3.40's printf computes it, in extended precision.
func formatExtended(r float64, prec int) string {
	if prec > 0 {
		prec-- // %g counts the digit before the point
	}
	x := newExt(r)
	exp := 0
	if !x.zero() {
		scale := newExt(1)
		for _, step := range []struct {
			c   ext
			exp int
		}{{ext1e100, 100}, {ext1e10, 10}, {ext10, 1}} {
			for exp <= 350 && x.cmp(step.c.mul(scale)) >= 0 {
				scale = scale.mul(step.c)
				exp += step.exp
			}
		}
		x = x.quo(scale)
		for x.cmp(ext1em8) < 0 {
			x = x.mul(ext1e8)
			exp -= 8
		}
		for x.cmp(ext1) < 0 {
			x = x.mul(ext10)
			exp--
		}
		if exp > 350 {
			return "Inf"
		}
	}
	x = x.add(rounder(prec))
	if x.cmp(ext10) >= 0 {
		x = x.mul(ext01)
		exp++
	}
	useExp := exp < -4 || exp > prec
	e2 := 0
	if !useExp {
		prec -= exp
		e2 = exp
	}
	nsd := 26 // significant digits the "!" flag allows
	digit := func() byte {
		if nsd <= 0 {
			return '0'
		}
		nsd--
		d := x.floor()
		x = x.subExact(newExt(float64(d))).mul(ext10)
		return byte('0' + d)
	}
	var buf []byte
	if e2 < 0 {
		buf = append(buf, '0')
	} else {
		for ; e2 >= 0; e2-- {
			buf = append(buf, digit())
		}
	}
	buf = append(buf, '.')
	for e2++; e2 < 0; prec, e2 = prec-1, e2+1 {
		buf = append(buf, '0')
	}
	for ; prec > 0; prec-- {
		buf = append(buf, digit())
	}
	for buf[len(buf)-1] == '0' {
		buf = buf[:len(buf)-1]
	}
	if buf[len(buf)-1] == '.' {
		buf = append(buf, '0')
	}
	if useExp {
		buf = append(buf, 'e')
		if exp < 0 {
			buf = append(buf, '-')
			exp = -exp
		} else {
			buf = append(buf, '+')
		}
		if exp >= 100 {
			buf = append(buf, byte('0'+exp/100))
			exp %= 100
		}
		buf = append(buf, byte('0'+exp/10), byte('0'+exp%10))
	}
	return string(buf)
}

// ext is a non-negative number in the x87's extended format, C's long
// double on amd64: m·2^e with a 64-bit mantissa m, whose top bit is set
// unless the number is zero. Its operations round to nearest, ties to
// even, as the x87 does.
type ext struct {
	m uint64
	e int
}

func newExt(f float64) ext {
	if f == 0 {
		return ext{}
	}
	frac, exp := math.Frexp(f) // frac in [0.5, 1)
	return ext{m: uint64(math.Ldexp(frac, 64)), e: exp - 64}
}

func (a ext) zero() bool { return a.m == 0 }

func (a ext) cmp(b ext) int {
	switch {
	case a.m == 0 || b.m == 0:
		return cmpUint(a.m, b.m)
	case a.e != b.e:
		if a.e < b.e {
			return -1
		}
		return 1
	}
	return cmpUint(a.m, b.m)
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// round returns the 128-bit mantissa hi·2^64+lo, with hi's top bit set,
// as an ext of exponent e+64 rounded to 64 bits; sticky says whether
// bits below lo were lost, which breaks a tie upward.
func round(hi, lo uint64, e int, sticky bool) ext {
	const half = 1 << 63
	if lo > half || lo == half && (sticky || hi&1 == 1) {
		hi++
		if hi == 0 {
			return ext{m: half, e: e + 65}
		}
	}
	return ext{m: hi, e: e + 64}
}

func (a ext) mul(b ext) ext {
	if a.m == 0 || b.m == 0 {
		return ext{}
	}
	hi, lo := bits.Mul64(a.m, b.m)
	e := a.e + b.e
	if hi>>63 == 0 {
		hi, lo = hi<<1|lo>>63, lo<<1
		e--
	}
	return round(hi, lo, e, false)
}

func (a ext) quo(b ext) ext {
	if a.m == 0 {
		return ext{}
	}
	// q = a.m·2^k / b.m with k chosen so that q has 64 bits.
	var q, r uint64
	var e int
	if a.m >= b.m {
		q, r = bits.Div64(a.m>>1, a.m<<63, b.m)
		e = a.e - b.e - 63
	} else {
		q, r = bits.Div64(a.m, 0, b.m)
		e = a.e - b.e - 64
	}
	// Round on the remainder: above half of b.m, or half with q odd.
	if r > b.m-r || r == b.m-r && q&1 == 1 {
		q++
		if q == 0 {
			return ext{m: 1 << 63, e: e + 1}
		}
	}
	return ext{m: q, e: e}
}

func (a ext) add(b ext) ext {
	if a.m == 0 {
		return b
	}
	if b.m == 0 {
		return a
	}
	if a.e < b.e {
		a, b = b, a
	}
	d := a.e - b.e
	if d > 64 {
		return a // b is below half of a's last bit
	}
	// b aligned under a, in 128 bits: exact, since d <= 64.
	bhi, blo := b.m>>d, uint64(0)
	if d == 64 {
		bhi, blo = 0, b.m
	} else if d > 0 {
		blo = b.m << (64 - d)
	}
	lo, carry := bits.Add64(0, blo, 0)
	hi, carry := bits.Add64(a.m, bhi, carry)
	e := a.e - 64
	sticky := false
	if carry != 0 {
		sticky = lo&1 == 1
		lo = lo>>1 | hi<<63
		hi = hi>>1 | 1<<63
		e++
	}
	return round(hi, lo, e, sticky)
}

// subExact returns a-b for b <= a when the difference is exact in 64
// bits, as it is for a number minus its integer part.
func (a ext) subExact(b ext) ext {
	if b.m == 0 {
		return a
	}
	d := a.e - b.e
	if d >= 64 {
		return a
	}
	m := a.m - b.m>>d
	if m == 0 {
		return ext{}
	}
	lz := bits.LeadingZeros64(m)
	return ext{m: m << lz, e: a.e - lz}
}

// floor returns the integer part of a, which is below 2^63.
func (a ext) floor() int64 {
	if a.m == 0 || a.e <= -64 {
		return 0
	}
	if a.e >= 0 {
		return int64(a.m << a.e)
	}
	return int64(a.m >> -a.e)
}

// The constants of SQLite's printf, doubles all.
var (
	ext1e100 = newExt(1e100)
	ext1e10  = newExt(1e10)
	ext10    = newExt(10)
	ext1     = newExt(1)
	ext1e8   = newExt(1e8)
	ext1em8  = newExt(1e-8)
	ext01    = newExt(0.1)
)

// rounders[p] is what SQLite's printf adds to round to p digits after
// the first: 5e-(p+1), computed as it computes it.
var rounders = func() []ext {
	var r []ext
	for p := range 32 {
		x := newExt([]float64{5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10}[p%10])
		for idx := p; idx >= 10; idx -= 10 {
			x = x.mul(newExt(1.0e-10))
		}
		r = append(r, x)
	}
	return r
}()

func rounder(p int) ext {
	if p < len(rounders) {
		return rounders[p]
	}
	return rounders[len(rounders)-1]
}
