package shell

import (
	"math"
	"math/big"
	"math/rand"
	"testing"
)

// formatExtendedBig is formatExtended done with math/big, rounding each
// step to 64 bits: the reference the faster code is tested against.
func formatExtendedBig(r float64, prec int) string {
	if prec > 0 {
		prec-- // %g counts the digit before the point
	}
	x := newBigExt(r)
	tmp := newBigExt(0)
	exp := 0
	if x.Sign() > 0 {
		scale := newBigExt(1)
		for _, step := range []struct {
			c   *big.Float
			exp int
		}{{big1e100, 100}, {big1e10, 10}, {big10, 1}} {
			for exp <= 350 && x.Cmp(tmp.Mul(step.c, scale)) >= 0 {
				scale.Mul(scale, step.c)
				exp += step.exp
			}
		}
		x.Quo(x, scale)
		for x.Cmp(big1em8) < 0 {
			x.Mul(x, big1e8)
			exp -= 8
		}
		for x.Cmp(big1) < 0 {
			x.Mul(x, big10)
			exp--
		}
		if exp > 350 {
			return "Inf"
		}
	}
	x.Add(x, bigRounder(prec))
	if x.Cmp(big10) >= 0 {
		x.Mul(x, big01)
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
		x.Mul(x, big10)
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

// bigPrec is the mantissa of the x87 extended type, C's long double.
const bigPrec = 64

// newBigExt returns f as an extended float; its operations round to bigPrec
// bits, as the x87 does.
func newBigExt(f float64) *big.Float { return new(big.Float).SetPrec(bigPrec).SetFloat64(f) }

// The constants of SQLite's printf, doubles all.
var (
	big1e100 = newBigExt(1e100)
	big1e10  = newBigExt(1e10)
	big10    = newBigExt(10)
	big1     = newBigExt(1)
	big1e8   = newBigExt(1e8)
	big1em8  = newBigExt(1e-8)
	big01    = newBigExt(0.1)
)

// bigRounders[p] is what SQLite's printf adds to round to p digits after
// the first: 5e-(p+1), computed as it computes it.
var bigRounders = func() []*big.Float {
	var r []*big.Float
	for p := range 32 {
		x := newBigExt([]float64{5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10}[p%10])
		for idx := p; idx >= 10; idx -= 10 {
			x.Mul(x, newBigExt(1.0e-10))
		}
		r = append(r, x)
	}
	return r
}()

func bigRounder(p int) *big.Float {
	if p < len(bigRounders) {
		return bigRounders[p]
	}
	return bigRounders[len(bigRounders)-1]
}

func TestExtendedMatchesBigFloat(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	vals := []float64{0, 1, 10, 0.1, 1e100, 9.999999999999999e99, 1e300, 5e-324, 2.2250738585072014e-308, math.MaxFloat64, 123456789012345678}
	for range 5000 {
		vals = append(vals, math.Float64frombits(rng.Uint64()>>1), rng.Float64()*math.Pow(10, float64(rng.Intn(60)-30)))
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		for _, prec := range []int{1, 6, 15, 17, 20, 25} {
			if got, want := formatExtended(v, prec), formatExtendedBig(v, prec); got != want {
				t.Fatalf("%v %%!.%dg: %q, math/big says %q", v, prec, got, want)
			}
		}
	}
}
