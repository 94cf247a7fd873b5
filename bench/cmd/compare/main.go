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
//
// With -paired, single operations alternate between the libraries and are
// timed one by one, so every library meets the same load at nearly the same
// instant: the steadiest ratio for short operations on a busy machine.
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
	paired := flag.Bool("paired", false, "alternate single operations between the libraries instead of loops (for short operations; wall time only)")
	flag.Parse()
	if *paired {
		pairedRun(ls(*libs), ws(*work), *rows, *count, *minTime)
		return
	}

	ls, ws := ls(*libs), ws(*work)

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

// ls returns the libraries whose names match the regexp re.
func ls(re string) []bench.Lib {
	libRE, err := regexp.Compile(re)
	check(err)
	var out []bench.Lib
	for _, l := range bench.Libs {
		if libRE.MatchString(l.Name) {
			out = append(out, l)
		}
	}
	return out
}

// ws returns the workloads whose names match the regexp re.
func ws(re string) []bench.Workload {
	workRE, err := regexp.Compile(re)
	check(err)
	var out []bench.Workload
	for _, w := range bench.Workloads {
		if workRE.MatchString(w.Name) {
			out = append(out, w)
		}
	}
	return out
}

// pairedRun alternates single operations between the libraries, timing
// each, so that every library meets the same machine load at almost the
// same instant; it prints the mean wall time per operation of each round
// and its ratio to asqlite's.
func pairedRun(ls []bench.Lib, ws []bench.Workload, rows, count int, minTime time.Duration) {
	for _, w := range ws {
		ops := make([]func() error, len(ls))
		var dones []func()
		for i, l := range ls {
			op, done, err := w.Prepare(l, rows)
			check(err)
			dones = append(dones, done)
			ops[i] = op
		}
		ratios := make([][]float64, len(ls))
		for round := range count {
			tot := make([]time.Duration, len(ls))
			n := 0
			for t0 := time.Now(); time.Since(t0) < minTime; n++ {
				for k := range ops {
					i := (k + n) % len(ops)
					s := time.Now()
					check(ops[i]())
					tot[i] += time.Since(s)
				}
			}
			line := fmt.Sprintf("%s round %d/%d, %d ops each:", w.Name, round+1, count, n)
			for i, l := range ls {
				ratios[i] = append(ratios[i], float64(tot[i])/float64(tot[0]))
				line += fmt.Sprintf(" %s %s", l.Name, fmtNs(float64(tot[i])/float64(n)))
			}
			fmt.Println(line)
		}
		for i, l := range ls {
			fmt.Printf("%s %s: median ratio to %s %.3f\n", w.Name, l.Name, ls[0].Name, median(ratios[i]))
		}
		for _, done := range dones {
			done()
		}
	}
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
