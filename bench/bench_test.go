package bench

import (
	"testing"
	"time"
)

// TestWorkloadsRun runs every workload once on every library at a tiny
// scale, so that a broken implementation or a wrong result fails quickly.
func TestWorkloadsRun(t *testing.T) {
	WriteTime = 50 * time.Millisecond
	s := Size{Scale: 0.001, Dir: t.TempDir()}
	for _, w := range Workloads {
		for _, l := range Libs {
			if !w.Runs(l) {
				continue
			}
			t.Run(w.Name+"/"+l.Name, func(t *testing.T) {
				op, done, err := w.Prepare(l, s)
				if err != nil {
					if l.External {
						t.Skip(err)
					}
					t.Fatal(err)
				}
				defer done()
				if _, _, err := Measure(w, op, time.Millisecond); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
