package shell

import (
	"math"
	"math/big"
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
	x := newExt(r)
	if prec > 0 {
		prec-- // %g counts the digit before the point
	}
	rounder := newExt([]float64{5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10}[prec%10])
	for idx := prec; idx >= 10; idx -= 10 {
		rounder = mulExt(rounder, newExt(1.0e-10))
	}
	exp := 0
	if x.Sign() > 0 {
		scale := newExt(1)
		for x.Cmp(mulExt(newExt(1e100), scale)) >= 0 && exp <= 350 {
			scale = mulExt(scale, newExt(1e100))
			exp += 100
		}
		for x.Cmp(mulExt(newExt(1e10), scale)) >= 0 && exp <= 350 {
			scale = mulExt(scale, newExt(1e10))
			exp += 10
		}
		for x.Cmp(mulExt(newExt(10), scale)) >= 0 && exp <= 350 {
			scale = mulExt(scale, newExt(10))
			exp++
		}
		x = quoExt(x, scale)
		for x.Cmp(newExt(1e-8)) < 0 {
			x = mulExt(x, newExt(1e8))
			exp -= 8
		}
		for x.Cmp(newExt(1)) < 0 {
			x = mulExt(x, newExt(10))
			exp--
		}
		if exp > 350 {
			return prefix + "Inf"
		}
	}
	x = addExt(x, rounder)
	if x.Cmp(newExt(10)) >= 0 {
		x = mulExt(x, newExt(0.1))
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
		x = mulExt(subExt(x, newExt(float64(d))), newExt(10))
		return byte('0' + d)
	}
	buf := []byte(prefix)
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

func newExt(f float64) *big.Float { return new(big.Float).SetPrec(extPrec).SetFloat64(f) }

func mulExt(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(extPrec).Mul(a, b) }
func quoExt(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(extPrec).Quo(a, b) }
func addExt(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(extPrec).Add(a, b) }
func subExt(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(extPrec).Sub(a, b) }
