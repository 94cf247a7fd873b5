// Command compare runs the bench workloads on every registered library,
// interleaving the libraries and repeating the whole round, and reports
// the medians with their ratio to asqlite:
//
//	go run ./cmd/compare -all -out results.json -md results.md
//
// For each workload every library is prepared once; then, round after
// round, each library's operation is measured once (short operations: in
// a loop lasting -time), in an order rotated from round to round so no
// library always runs first. A measurement records wall time, CPU time
// (user+system of the whole process, so garbage collection and the
// library's own goroutines count) and heap allocations, plus the figures
// the workload reports (commits/s, latency percentiles, errors).
//
// Ratios are taken round by round, where the libraries ran seconds apart
// under the same load, and their median is reported: above 1, asqlite (the
// workload's base: the binding, or asqlite.DB for the concurrency
// workloads) is better. On a shared machine CPU time is the steadier
// figure: wall time also counts the time other processes held the CPU.
//
// With -paired, the short (loop) workloads alternate single operations
// between the libraries and time each, so that every library meets the
// same load at nearly the same instant.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/asqlite/asqlite/bench"
	"github.com/asqlite/asqlite/sqlite"
)

func main() {
	count := flag.Int("count", 3, "rounds; each round measures every workload on every library once")
	scale := flag.Float64("scale", 1, "scale of the table sizes (1: the sizes the workloads describe)")
	minTime := flag.Duration("time", time.Second, "minimum time of one measurement of a short (loop) workload")
	writeTime := flag.Duration("writetime", time.Second, "duration of one run of a concurrency workload")
	libs := flag.String("libs", "", "regexp selecting libraries (default all)")
	work := flag.String("run", "", "regexp selecting workloads by name or group (default: the layers group; -all for everything)")
	all := flag.Bool("all", false, "run every workload")
	dir := flag.String("dir", "", "directory for database files (default the system's temporary directory)")
	out := flag.String("out", "", "write the results as JSON to this file")
	md := flag.String("md", "", "write Markdown tables to this file (- for standard output)")
	paired := flag.Bool("paired", false, "alternate single operations between the libraries (loop workloads only; wall time)")
	flag.Parse()

	bench.WriteTime = *writeTime
	if *work == "" && !*all {
		*work = "^layers$"
	}
	ls, ws := selectLibs(*libs), selectWorkloads(*work)
	tmp, err := os.MkdirTemp(*dir, "asqlite-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	size := bench.Size{Scale: *scale, Dir: tmp}

	if *paired {
		pairedRun(ls, ws, size, *count, *minTime)
		return
	}

	res := Results{
		Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), Modules: modules(),
		Go: runtime.Version(), SQLite: sqlite.Version(), Count: *count, Scale: *scale,
		Time: minTime.String(), WriteTime: writeTime.String(), LoadStart: loadavg(),
	}
	start := time.Now()
	for _, w := range ws {
		res.Results = append(res.Results, runWorkload(w, ls, size, *count, *minTime)...)
	}
	res.Took = time.Since(start).Round(time.Second).String()
	res.LoadEnd = loadavg()
	if *out != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		check(err)
		check(os.WriteFile(*out, append(b, '\n'), 0o644))
	}
	if *md != "" {
		w := os.Stdout
		if *md != "-" {
			f, err := os.Create(*md)
			check(err)
			defer f.Close()
			w = f
		}
		writeMarkdown(w, &res)
	}
	printText(os.Stdout, &res)
}

// Results is what a run writes with -out; cmd/plot reads it.
type Results struct {
	Date      string   `json:"date"`
	Machine   string   `json:"machine"`
	Go        string   `json:"go"`
	SQLite    string   `json:"sqlite"`
	Modules   []string `json:"modules"`
	Count     int      `json:"count"`
	Scale     float64  `json:"scale"`
	Time      string   `json:"time"`
	WriteTime string   `json:"write_time"`
	Took      string   `json:"took"`
	LoadStart string   `json:"load_start"`
	LoadEnd   string   `json:"load_end"`
	Results   []Result `json:"results"`
}

// Result is one workload (or one timed part of it) on every library.
type Result struct {
	Name         string      `json:"name"` // workload, or workload/part
	Group        string      `json:"group"`
	Doc          string      `json:"doc"`
	Base         string      `json:"base"`
	Score        string      `json:"score"` // "cpu", "wall" or a metric
	HigherBetter bool        `json:"higher_better,omitempty"`
	Libs         []LibResult `json:"libs"`
}

// LibResult is one library's measurements of one Result.
type LibResult struct {
	Lib     string         `json:"lib"`
	API     string         `json:"api"`
	Samples []bench.Sample `json:"samples"`
	Median  bench.Sample   `json:"median"`
	// Ratio is the median over rounds of the Score ratio to the base:
	// the library's time ÷ the base's, or for a higher-is-better score the
	// base's ÷ the library's; above 1, the base is better. RatioWall and
	// RatioCPU are the same for wall and CPU time.
	Ratio     *float64 `json:"ratio,omitempty"`
	RatioWall *float64 `json:"ratio_wall,omitempty"`
	RatioCPU  *float64 `json:"ratio_cpu,omitempty"`
	Note      string   `json:"note,omitempty"`
}

func selectLibs(re string) []bench.Lib {
	rx, err := regexp.Compile(re)
	check(err)
	var out []bench.Lib
	for _, l := range bench.Libs {
		if rx.MatchString(l.Name) {
			out = append(out, l)
		}
	}
	return out
}

func selectWorkloads(re string) []bench.Workload {
	rx, err := regexp.Compile(re)
	check(err)
	var out []bench.Workload
	for _, w := range bench.Workloads {
		if rx.MatchString(w.Name) || rx.MatchString(w.Group) {
			out = append(out, w)
		}
	}
	return out
}

// runWorkload prepares w on every library, then measures them round after
// round in rotated order.
func runWorkload(w bench.Workload, all []bench.Lib, size bench.Size, count int, minTime time.Duration) []Result {
	type prepared struct {
		lib  bench.Lib
		op   func(*bench.M) error
		done func()
	}
	var ps []prepared
	var notes []LibResult
	for _, l := range all {
		if !w.Runs(l) {
			continue
		}
		fmt.Fprintf(os.Stderr, "%-12s prepare %s\n", w.Name, l.Name)
		op, done, err := w.Prepare(l, size)
		if err != nil {
			if l.External {
				fmt.Fprintf(os.Stderr, "%s/%s: skipped: %v\n", w.Name, l.Name, err)
				notes = append(notes, LibResult{Lib: l.Name, API: l.API, Note: "skipped: " + err.Error()})
				continue
			}
			fail(w.Name, l.Name, err)
		}
		if w.Loop {
			if err := op(&bench.M{}); err != nil { // warm up
				fail(w.Name, l.Name, err)
			}
		}
		ps = append(ps, prepared{l, op, done})
	}
	defer func() {
		for _, p := range ps {
			p.done()
		}
	}()
	var parts []string
	samples := map[string]map[string][]bench.Sample{} // part → lib → samples
	for round := range count {
		for k := range ps {
			p := ps[(k+round)%len(ps)]
			t0 := time.Now()
			s, got, err := bench.Measure(w, p.op, minTime)
			if err != nil {
				fail(w.Name, p.lib.Name, err)
			}
			for _, part := range got {
				if !slices.Contains(parts, part) {
					parts = append(parts, part)
					samples[part] = map[string][]bench.Sample{}
				}
				samples[part][p.lib.Name] = append(samples[part][p.lib.Name], s[part])
			}
			fmt.Fprintf(os.Stderr, "%-12s round %d/%d %-18s %s\n", w.Name, round+1, count, p.lib.Name, summary(s, got, time.Since(t0)))
		}
	}
	var out []Result
	for _, part := range parts {
		r := Result{Name: w.Name, Group: w.Group, Doc: w.Doc, Base: w.BaseLib(), Score: w.Score, HigherBetter: w.HigherBetter}
		if r.Score == "" {
			r.Score = "wall"
		}
		if part != "" {
			r.Name += "/" + part
		}
		base := samples[part][r.Base]
		for _, p := range ps {
			ss := samples[part][p.lib.Name]
			lr := LibResult{Lib: p.lib.Name, API: p.lib.API, Samples: ss, Median: medianSample(ss)}
			lr.Ratio = ratio(ss, base, scoreOf(r.Score), r.HigherBetter)
			if lr.Median.Wall > 0 {
				lr.RatioWall = ratio(ss, base, scoreOf("wall"), false)
			}
			if lr.Median.CPU > 0 {
				lr.RatioCPU = ratio(ss, base, scoreOf("cpu"), false)
			}
			r.Libs = append(r.Libs, lr)
		}
		r.Libs = append(r.Libs, notes...)
		out = append(out, r)
	}
	return out
}

func summary(s map[string]bench.Sample, parts []string, took time.Duration) string {
	var b strings.Builder
	for _, part := range parts {
		x := s[part]
		if part != "" {
			fmt.Fprintf(&b, "%s: ", part)
		}
		if x.Wall > 0 {
			fmt.Fprintf(&b, "wall %s cpu %s ", fmtNs(x.Wall), fmtNs(x.CPU))
		}
		for _, k := range sortedKeys(x.Metrics) {
			fmt.Fprintf(&b, "%s %s ", k, fmtNum(x.Metrics[k]))
		}
		b.WriteString(" ")
	}
	fmt.Fprintf(&b, "(%s)", took.Round(time.Millisecond))
	return b.String()
}

func scoreOf(name string) func(bench.Sample) float64 {
	switch name {
	case "wall":
		return func(s bench.Sample) float64 { return s.Wall }
	case "cpu":
		return func(s bench.Sample) float64 { return s.CPU }
	}
	return func(s bench.Sample) float64 { return s.Metrics[name] }
}

// ratio is the median over rounds of lib/base (base/lib when higher is
// better), or nil when it is not defined.
func ratio(lib, base []bench.Sample, f func(bench.Sample) float64, higherBetter bool) *float64 {
	n := min(len(lib), len(base))
	var rs []float64
	for i := range n {
		a, b := f(lib[i]), f(base[i])
		if higherBetter {
			a, b = b, a
		}
		if b == 0 || math.IsNaN(a/b) || math.IsInf(a/b, 0) {
			continue
		}
		rs = append(rs, a/b)
	}
	if len(rs) == 0 {
		return nil
	}
	m := bench.Median(rs)
	return &m
}

func medianSample(ss []bench.Sample) bench.Sample {
	get := func(f func(bench.Sample) float64) float64 {
		v := make([]float64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		return bench.Median(v)
	}
	m := bench.Sample{
		Wall:   get(func(s bench.Sample) float64 { return s.Wall }),
		CPU:    get(func(s bench.Sample) float64 { return s.CPU }),
		Allocs: get(func(s bench.Sample) float64 { return s.Allocs }),
		Bytes:  get(func(s bench.Sample) float64 { return s.Bytes }),
	}
	keys := map[string]bool{}
	for _, s := range ss {
		for k := range s.Metrics {
			keys[k] = true
		}
	}
	if len(keys) > 0 {
		m.Metrics = map[string]float64{}
		for k := range keys {
			m.Metrics[k] = get(func(s bench.Sample) float64 { return s.Metrics[k] })
		}
	}
	return m
}

// pairedRun alternates single operations between the libraries for the
// loop workloads, timing each, and prints per round the mean time per
// operation; then, per library, the medians over rounds of its time per
// operation, of its ratio to the first library's and of the difference.
func pairedRun(all []bench.Lib, ws []bench.Workload, size bench.Size, count int, minTime time.Duration) {
	for _, w := range ws {
		if !w.Loop {
			continue
		}
		var ls []bench.Lib
		var ops []func(*bench.M) error
		var dones []func()
		for _, l := range all {
			if !w.Runs(l) {
				continue
			}
			op, done, err := w.Prepare(l, size)
			if err != nil {
				fail(w.Name, l.Name, err)
			}
			ls, ops, dones = append(ls, l), append(ops, op), append(dones, done)
		}
		per := make([][]float64, len(ls))
		ratios := make([][]float64, len(ls))
		diffs := make([][]float64, len(ls))
		dummy := &bench.M{}
		for round := range count {
			tot := make([]time.Duration, len(ls))
			n := 0
			for t0 := time.Now(); time.Since(t0) < minTime; n++ {
				for k := range ops {
					i := (k + n) % len(ops)
					s := time.Now()
					if err := ops[i](dummy); err != nil {
						fail(w.Name, ls[i].Name, err)
					}
					tot[i] += time.Since(s)
				}
			}
			line := fmt.Sprintf("%s round %d/%d, %d ops each:", w.Name, round+1, count, n)
			for i, l := range ls {
				op := float64(tot[i]) / float64(n)
				per[i] = append(per[i], op)
				ratios[i] = append(ratios[i], float64(tot[i])/float64(tot[0]))
				diffs[i] = append(diffs[i], op-float64(tot[0])/float64(n))
				line += fmt.Sprintf(" %s %s", l.Name, fmtNs(op))
			}
			fmt.Println(line)
		}
		fmt.Printf("\n| %s (paired, %d rounds of %s) | time/op | × %s | extra per op |\n| --- | ---: | ---: | ---: |\n", w.Name, count, minTime, ls[0].Name)
		for i, l := range ls {
			fmt.Printf("| %s | %s | %.2f | %+.2f µs |\n", l.Name, fmtNs(bench.Median(per[i])), bench.Median(ratios[i]), bench.Median(diffs[i])/1e3)
		}
		fmt.Println()
		for _, done := range dones {
			done()
		}
	}
}

// printText prints the results as aligned text tables.
func printText(w io.Writer, res *Results) {
	fmt.Fprintf(w, "%s, %s, SQLite %s, %d rounds, scale %g, took %s, load %s → %s\n", res.Machine, res.Go, res.SQLite,
		res.Count, res.Scale, res.Took, res.LoadStart, res.LoadEnd)
	fmt.Fprintln(w, "modules:", strings.Join(res.Modules, ", "))
	for _, r := range res.Results {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		cols, rows := table(r)
		fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
		for _, row := range rows {
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		tw.Flush()
	}
}

// writeMarkdown writes one Markdown table per result.
func writeMarkdown(w io.Writer, res *Results) {
	fmt.Fprintf(w, "Run %s: %s; %s; SQLite %s; %d rounds; scale %g; took %s; load average %s at the start, %s at the end.\n\n",
		res.Date, res.Machine, res.Go, res.SQLite, res.Count, res.Scale, res.Took, res.LoadStart, res.LoadEnd)
	fmt.Fprintf(w, "Modules: %s.\n", strings.Join(res.Modules, ", "))
	for _, r := range res.Results {
		fmt.Fprintf(w, "\n#### %s\n\n", r.Name)
		cols, rows := table(r)
		fmt.Fprintln(w, "| "+strings.Join(cols, " | ")+" |")
		align := make([]string, len(cols))
		for i := range align {
			align[i] = "---:"
		}
		align[0] = "---"
		fmt.Fprintln(w, "| "+strings.Join(align, " | ")+" |")
		for _, row := range rows {
			fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
		}
	}
}

// table lays one result out: a column per figure it has.
func table(r Result) ([]string, [][]string) {
	hasTime := slices.ContainsFunc(r.Libs, func(l LibResult) bool { return l.Median.Wall > 0 })
	hasAllocs := slices.ContainsFunc(r.Libs, func(l LibResult) bool { return l.Median.Allocs > 0 })
	metricSet := map[string]bool{}
	for _, l := range r.Libs {
		for k := range l.Median.Metrics {
			metricSet[k] = true
		}
	}
	metrics := sortedKeys(metricSet)
	cols := []string{r.Name, "library"}
	if hasTime {
		cols = append(cols, "cpu/op", "× "+r.Base, "wall/op", "× "+r.Base)
		if hasAllocs {
			cols = append(cols, "allocs/op", "B/op")
		}
	}
	for _, k := range metrics {
		cols = append(cols, k)
		if k == r.Score {
			cols = append(cols, "× "+r.Base)
		}
	}
	var rows [][]string
	for _, l := range r.Libs {
		row := []string{"", l.Lib}
		if l.Note != "" {
			row = append(row, l.Note)
			for len(row) < len(cols) {
				row = append(row, "")
			}
			rows = append(rows, row)
			continue
		}
		if hasTime {
			cpu := "-" // measured in another process
			if l.Median.CPU > 0 {
				cpu = fmtNs(l.Median.CPU)
			}
			row = append(row, cpu, fmtRatio(l.RatioCPU), fmtNs(l.Median.Wall), fmtRatio(l.RatioWall))
			if hasAllocs {
				row = append(row, fmt.Sprintf("%.0f", l.Median.Allocs), fmt.Sprintf("%.0f", l.Median.Bytes))
			}
		}
		for _, k := range metrics {
			row = append(row, fmtNum(l.Median.Metrics[k]))
			if k == r.Score {
				row = append(row, fmtRatio(l.Ratio))
			}
		}
		rows = append(rows, row)
	}
	return cols, rows
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func fmtRatio(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *r)
}

func fmtNum(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
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

// reported are the modules that decide the engines and the peers.
var reported = []string{
	"modernc.org/sqlite", "modernc.org/libc", "zombiezen.com/go/sqlite",
	"github.com/ncruces/go-sqlite3", "github.com/tetratelabs/wazero", "github.com/mattn/go-sqlite3",
}

// modules lists the versions of the reported modules built into this
// binary: one build has one version of each, so every library that uses
// modernc runs on the same engine.
func modules() []string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	var out []string
	for _, m := range bi.Deps {
		if slices.Contains(reported, m.Path) {
			out = append(out, m.Path+" "+m.Version)
		}
	}
	return out
}

// machine describes the processor, memory and OS.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = " " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%d × %s%s, %s%s/%s", runtime.NumCPU(), cpu, mem, runtime.GOOS, kernel, runtime.GOARCH)
}

// loadavg is the one-minute load average.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

func fail(w, l string, err error) {
	fmt.Fprintf(os.Stderr, "%s/%s: %v\n", w, l, err)
	os.Exit(1)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
