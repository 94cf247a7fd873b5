package bench

import (
	"runtime"
	"slices"
	"syscall"
	"time"
)

// Sample is one measurement of one workload (or one timed part of it) on
// one Lib.
type Sample struct {
	Wall   float64 `json:"wall_ns"` // wall time per operation, ns
	CPU    float64 `json:"cpu_ns"`  // CPU time (user+system, whole process) per operation, ns
	Allocs float64 `json:"allocs"`  // heap allocations per operation
	Bytes  float64 `json:"bytes"`   // heap bytes allocated per operation
	// Metrics are what the workload reports besides time (commits/s,
	// latency percentiles, errors...).
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// M collects the measurements of one run of a workload's operation: the
// operation times its parts with Time and reports other figures with
// Metric. An operation that calls neither is timed as a whole.
type M struct {
	parts   []string
	samples map[string]*Sample
	metrics map[string]float64
}

func newM() *M { return &M{samples: map[string]*Sample{}, metrics: map[string]float64{}} }

// Time runs f as the timed part named part ("" for the whole workload).
func (m *M) Time(part string, f func() error) error {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := CPUTime()
	t0 := time.Now()
	err := f()
	wall := time.Since(t0)
	cpu := CPUTime() - c0
	runtime.ReadMemStats(&m1)
	s := m.samples[part]
	if s == nil {
		s = &Sample{}
		m.samples[part] = s
		m.parts = append(m.parts, part)
	}
	s.Wall += float64(wall)
	s.CPU += float64(cpu)
	s.Allocs += float64(m1.Mallocs - m0.Mallocs)
	s.Bytes += float64(m1.TotalAlloc - m0.TotalAlloc)
	return err
}

// Metric records a figure of the whole workload (the last value wins).
func (m *M) Metric(name string, v float64) { m.metrics[name] = v }

// CPUTime is the user+system CPU time of the process so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Measure runs op once (or, for a Loop workload, in a loop lasting at
// least minTime) and returns a Sample per timed part, keyed by part name,
// and the parts in order. An operation that times no part reports its
// metrics under the part "".
func Measure(w Workload, op func(*M) error, minTime time.Duration) (map[string]Sample, []string, error) {
	runtime.GC()
	if !w.Loop {
		m := newM()
		if err := op(m); err != nil {
			return nil, nil, err
		}
		out := map[string]Sample{}
		for _, p := range m.parts {
			s := *m.samples[p]
			if len(m.metrics) > 0 {
				s.Metrics = m.metrics
			}
			out[p] = s
		}
		if len(m.parts) == 0 {
			out[""] = Sample{Metrics: m.metrics}
			m.parts = []string{""}
		}
		return out, m.parts, nil
	}
	// A loop: time the operation repeated for minTime.
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := CPUTime()
	t0 := time.Now()
	n := 0
	dummy := newM()
	for n == 0 || time.Since(t0) < minTime {
		// Batches keep the clock reads negligible for short operations.
		for range 64 {
			if err := op(dummy); err != nil {
				return nil, nil, err
			}
			n++
			if time.Since(t0) >= minTime {
				break
			}
		}
	}
	wall := time.Since(t0)
	cpu := CPUTime() - c0
	runtime.ReadMemStats(&m1)
	return map[string]Sample{"": {
		Wall:   float64(wall) / float64(n),
		CPU:    float64(cpu) / float64(n),
		Allocs: float64(m1.Mallocs-m0.Mallocs) / float64(n),
		Bytes:  float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n),
	}}, []string{""}, nil
}

// Latencies collects durations and reports percentiles.
type Latencies []time.Duration

// Percentile returns the p-th percentile (0 < p <= 100), nearest rank.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Median returns the median of v.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// Record adds a wall time measured elsewhere (by another process) to part.
func (m *M) Record(part string, wall time.Duration) {
	s := m.samples[part]
	if s == nil {
		s = &Sample{}
		m.samples[part] = s
		m.parts = append(m.parts, part)
	}
	s.Wall += float64(wall)
}
