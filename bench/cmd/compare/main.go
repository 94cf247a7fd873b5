// Command compare runs every bench workload on every registered library,
// interleaving the libraries and repeating the whole round, and prints the
// medians with their ratio to asqlite:
//
//	go run ./cmd/compare -count 7
//
// Each measurement times the workload's operation in a loop for at least
// -time, reporting wall time and CPU time (user+system of the whole
// process, so garbage collection counts) per operation, and heap
// allocations per operation. On a shared machine CPU time is the steadier
// figure: wall time also counts the time other processes held the CPU.
// Ratios are taken round by round, where the libraries ran seconds apart
// under the same load, and their median is reported.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/asqlite/asqlite/bench"
	"github.com/asqlite/asqlite/sqlite"
)

type sample struct {
	wall, cpu, allocs, bytes float64 // per op
}

func main() {
	count := flag.Int("count", 5, "rounds; each round runs every workload on every library once")
	rows := flag.Int("rows", bench.DefaultRows, "rows in the table")
	minTime := flag.Duration("time", time.Second, "minimum time of one measurement")
	libs := flag.String("libs", "", "regexp selecting libraries (default all)")
	work := flag.String("run", "", "regexp selecting workloads (default all)")
	md := flag.Bool("md", false, "print Markdown tables")
	flag.Parse()

	libRE, err := regexp.Compile(*libs)
	check(err)
	workRE, err := regexp.Compile(*work)
	check(err)
	var ls []bench.Lib
	for _, l := range bench.Libs {
		if libRE.MatchString(l.Name) {
			ls = append(ls, l)
		}
	}
	var ws []bench.Workload
	for _, w := range bench.Workloads {
		if workRE.MatchString(w.Name) {
			ws = append(ws, w)
		}
	}

	type key struct{ w, l string }
	results := map[key][]sample{}
	start := time.Now()
	for _, w := range ws {
		runWorkload(w, ls, *rows, *count, *minTime, func(l bench.Lib, s sample) {
			results[key{w.Name, l.Name}] = append(results[key{w.Name, l.Name}], s)
		})
	}

	fmt.Printf("%d rows, %d rounds, %s, %s/%s, %d CPUs, SQLite %s, took %s\n",
		*rows, *count, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), sqlite.Version(),
		time.Since(start).Round(time.Second))
	fmt.Println(modules())
	fmt.Println()
	var tw *tabwriter.Writer
	row := func(cols ...string) {
		if *md {
			fmt.Println("| " + strings.Join(cols, " | ") + " |")
		} else {
			fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
		}
	}
	if !*md {
		tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	}
	row("workload", "library", "cpu/op", "× asqlite", "wall/op", "× asqlite", "allocs/op", "B/op")
	if *md {
		row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:")
	}
	for _, w := range ws {
		base := results[key{w.Name, "asqlite"}]
		for _, l := range ls {
			rs := results[key{w.Name, l.Name}]
			get := func(rs []sample, f func(sample) float64) []float64 {
				v := make([]float64, len(rs))
				for i, r := range rs {
					v[i] = f(r)
				}
				return v
			}
			ratio := func(f func(sample) float64) string {
				if len(base) != len(rs) {
					return "-"
				}
				a, b := get(rs, f), get(base, f)
				for i := range a {
					a[i] /= b[i]
				}
				return fmt.Sprintf("%.2f", median(a))
			}
			cpu := func(s sample) float64 { return s.cpu }
			wall := func(s sample) float64 { return s.wall }
			row(w.Name, l.Name, fmtNs(median(get(rs, cpu))), ratio(cpu), fmtNs(median(get(rs, wall))), ratio(wall),
				fmt.Sprintf("%.0f", median(get(rs, func(s sample) float64 { return s.allocs }))),
				fmt.Sprintf("%.0f", median(get(rs, func(s sample) float64 { return s.bytes }))))
		}
	}
	if tw != nil {
		tw.Flush()
	}
	fmt.Println()
	for _, w := range ws {
		fmt.Printf("- %s: %s\n", w.Name, w.Doc)
	}
	fmt.Println("- × asqlite: median over rounds of the library's time divided by asqlite's in the same round (above 1: asqlite is faster).")
}

// runWorkload prepares w on every library once, then alternates between
// them round after round, so that the measurements of one round are close
// in time.
func runWorkload(w bench.Workload, ls []bench.Lib, rows, count int, minTime time.Duration, record func(bench.Lib, sample)) {
	ops := make([]func() error, len(ls))
	for i, l := range ls {
		op, done, err := w.Prepare(l, rows)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s/%s: %v\n", w.Name, l.Name, err)
			os.Exit(1)
		}
		defer done()
		if err := op(); err != nil { // warm up
			fmt.Fprintf(os.Stderr, "%s/%s: %v\n", w.Name, l.Name, err)
			os.Exit(1)
		}
		ops[i] = op
	}
	for round := range count {
		// Rotate the order each round so no library always runs first.
		for k := range ls {
			i := (k + round) % len(ls)
			l := ls[i]
			s, err := measure(ops[i], minTime)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s/%s: %v\n", w.Name, l.Name, err)
				os.Exit(1)
			}
			record(l, s)
			fmt.Fprintf(os.Stderr, "%-8s round %d/%d %-12s wall %-10s cpu %s\n", w.Name, round+1, count, l.Name,
				fmtNs(s.wall), fmtNs(s.cpu))
		}
	}
}

// measure times op in a loop lasting at least minTime.
func measure(op func() error, minTime time.Duration) (sample, error) {
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := cpuTime()
	t0 := time.Now()
	n := 0
	for n == 0 || time.Since(t0) < minTime {
		// Batches keep the clock reads negligible for short operations.
		for range 64 {
			if err := op(); err != nil {
				return sample{}, err
			}
			n++
			if time.Since(t0) >= minTime {
				break
			}
		}
	}
	wall := time.Since(t0)
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&m1)
	return sample{
		wall:   float64(wall) / float64(n),
		cpu:    float64(cpu) / float64(n),
		allocs: float64(m1.Mallocs-m0.Mallocs) / float64(n),
		bytes:  float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n),
	}, nil
}

// cpuTime is the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reported are the modules that decide the engine and the peers.
var reported = []string{
	"modernc.org/sqlite", "modernc.org/libc",
	"zombiezen.com/go/sqlite", "github.com/ncruces/go-sqlite3", "github.com/mattn/go-sqlite3",
}

// modules lists the versions of the reported modules built into this
// binary: one build has one version of each, so every library that uses
// modernc runs on the same engine.
func modules() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var out []string
	for _, m := range bi.Deps {
		if slices.Contains(reported, m.Path) {
			out = append(out, m.Path+" "+m.Version)
		}
	}
	return "modules: " + strings.Join(out, ", ")
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func fmtNs(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case d >= time.Microsecond:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
