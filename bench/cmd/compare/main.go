// Command compare runs every bench workload on every registered library,
// interleaving the libraries and repeating the whole round, and prints the
// median of each with its ratio to asqlite:
//
//	go run ./cmd/compare -count 5
//
// Interleaving spreads the noise of a shared machine over all libraries
// alike; the median discards the outliers.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/asqlite/asqlite/bench"
	"github.com/asqlite/asqlite/sqlite"
)

func main() {
	count := flag.Int("count", 5, "rounds; each round runs every workload on every library once")
	rows := flag.Int("rows", bench.DefaultRows, "rows in the table")
	libs := flag.String("libs", "", "regexp selecting libraries (default all)")
	work := flag.String("run", "", "regexp selecting workloads (default all)")
	md := flag.Bool("md", false, "print a Markdown table")
	flag.Parse()
	testing.Init()

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
	results := map[key][]testing.BenchmarkResult{}
	start := time.Now()
	for round := range *count {
		for _, w := range ws {
			// Rotate the order each round so no library always runs first.
			for i := range ls {
				l := ls[(i+round)%len(ls)]
				runtime.GC()
				r := testing.Benchmark(func(b *testing.B) { w.Run(b, l, *rows) })
				if r.N == 0 {
					fmt.Fprintf(os.Stderr, "%s/%s failed\n", w.Name, l.Name)
					os.Exit(1)
				}
				results[key{w.Name, l.Name}] = append(results[key{w.Name, l.Name}], r)
				fmt.Fprintf(os.Stderr, "round %d/%d %-8s %-12s %s\n", round+1, *count, w.Name, l.Name, fmtNs(r.NsPerOp()))
			}
		}
	}

	fmt.Printf("%d rows, %d rounds, %s, %s/%s, %d CPUs, SQLite %s, took %s\n\n",
		*rows, *count, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), sqlite.Version(),
		time.Since(start).Round(time.Second))
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
	row("workload", "library", "median", "min", "max", "B/op", "allocs/op", "× asqlite")
	if *md {
		row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:")
	}
	for _, w := range ws {
		base := int64(0)
		for _, l := range ls {
			rs := results[key{w.Name, l.Name}]
			ns := make([]int64, len(rs))
			for i, r := range rs {
				ns[i] = r.NsPerOp()
			}
			slices.Sort(ns)
			med := ns[len(ns)/2]
			if len(ns)%2 == 0 {
				med = (ns[len(ns)/2-1] + ns[len(ns)/2]) / 2
			}
			if l.Name == "asqlite" {
				base = med
			}
			ratio := "-"
			if base > 0 {
				ratio = fmt.Sprintf("%.2f", float64(med)/float64(base))
			}
			last := rs[len(rs)-1]
			row(w.Name, l.Name, fmtNs(med), fmtNs(ns[0]), fmtNs(ns[len(ns)-1]),
				fmt.Sprint(last.AllocedBytesPerOp()), fmt.Sprint(last.AllocsPerOp()), ratio)
		}
	}
	if tw != nil {
		tw.Flush()
	}
	fmt.Println()
	for _, w := range ws {
		fmt.Printf("%s: %s\n", w.Name, w.Doc)
	}
	fmt.Println("× asqlite: the library's median time divided by asqlite's (below 1 is faster than asqlite).")
}

func fmtNs(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d >= time.Microsecond:
		return fmt.Sprintf("%.2f µs", float64(d)/1e3)
	}
	return fmt.Sprintf("%d ns", ns)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
