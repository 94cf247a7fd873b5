package shell

import "testing"

// BenchmarkFormatReal measures the REAL conversion every mode but the
// columnar ones pays per value (list, csv, line: 15 digits; quote,
// insert, json: 20).
func BenchmarkFormatReal(b *testing.B) {
	for _, prec := range []int{15, 20} {
		b.Run(map[int]string{15: "g15", 20: "g20"}[prec], func(b *testing.B) {
			for i := range b.N {
				formatReal(3.14159265358979e-7+float64(i), prec)
			}
		})
	}
}
