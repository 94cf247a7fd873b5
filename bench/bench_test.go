package bench

import (
	"flag"
	"testing"
)

var rows = flag.Int("rows", DefaultRows, "rows in the table")

// BenchmarkLibs runs every workload on every library:
// go test -bench . -benchtime 3x (see docs/BENCHMARKS.md).
func BenchmarkLibs(b *testing.B) {
	for _, w := range Workloads {
		b.Run(w.Name, func(b *testing.B) {
			for _, l := range Libs {
				b.Run(l.Name, func(b *testing.B) { w.Bench(b, l, *rows) })
			}
		})
	}
}

// TestLibsAgree runs each workload once on a small table, so that a broken
// implementation fails quickly.
func TestLibsAgree(t *testing.T) {
	for _, w := range Workloads {
		for _, l := range Libs {
			op, done, err := w.Prepare(l, 1000)
			if err != nil {
				t.Fatalf("%s/%s: %v", w.Name, l.Name, err)
			}
			for range 3 {
				if err := op(); err != nil {
					t.Errorf("%s/%s: %v", w.Name, l.Name, err)
				}
			}
			done()
		}
	}
}
