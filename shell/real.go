package shell

import (
	"math"
	"math/big"
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

// formatExtended is formatReal for r >= 0, finite, computed as SQLite does.
func formatExtended(r float64, prec int) string {
	if prec > 0 {
		prec-- // %g counts the digit before the point
	}
	x := newExt(r)
	tmp := newExt(0)
	exp := 0
	if x.Sign() > 0 {
		scale := newExt(1)
		for _, step := range []struct {
			c   *big.Float
			exp int
		}{{ext1e100, 100}, {ext1e10, 10}, {ext10, 1}} {
			for exp <= 350 && x.Cmp(tmp.Mul(step.c, scale)) >= 0 {
				scale.Mul(scale, step.c)
				exp += step.exp
			}
		}
		x.Quo(x, scale)
		for x.Cmp(ext1em8) < 0 {
			x.Mul(x, ext1e8)
			exp -= 8
		}
		for x.Cmp(ext1) < 0 {
			x.Mul(x, ext10)
			exp--
		}
		if exp > 350 {
			return "Inf"
		}
	}
	x.Add(x, rounder(prec))
	if x.Cmp(ext10) >= 0 {
		x.Mul(x, ext01)
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
		d, _ := x.Int64()
		x.Sub(x, tmp.SetInt64(d))
		x.Mul(x, ext10)
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

// extPrec is the mantissa of the x87 extended type, C's long double.
const extPrec = 64

// newExt returns f as an extended float; its operations round to extPrec
// bits, as the x87 does.
func newExt(f float64) *big.Float { return new(big.Float).SetPrec(extPrec).SetFloat64(f) }

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
var rounders = func() []*big.Float {
	var r []*big.Float
	for p := range 32 {
		x := newExt([]float64{5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10}[p%10])
		for idx := p; idx >= 10; idx -= 10 {
			x.Mul(x, newExt(1.0e-10))
		}
		r = append(r, x)
	}
	return r
}()

func rounder(p int) *big.Float {
	if p < len(rounders) {
		return rounders[p]
	}
	return rounders[len(rounders)-1]
}
