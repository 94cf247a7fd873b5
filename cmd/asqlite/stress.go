package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite"
)

func init() {
	commands = append(commands, command{
		name:    "stress",
		usage:   "[flags] [FILE]",
		summary: "run the seed's stress and break tests and a mixed load on a DB; report throughput, latency, errors, lost updates",
		run:     runStress,
	})
}

// stressConfig is what the flags of asqlite stress set.
type stressConfig struct {
	tests      []string // seed, break, mixed
	inserts    int
	reads      int
	writers    int
	jitter     time.Duration
	goroutines int
	duration   time.Duration
	readPct    int
	rows       int
	sync       asqlite.SyncMode
	group      bool
	readers    int
	json       bool
	progress   bool
	path       string
}

// stressResult is the outcome of one test, and of all of them together.
type stressResult struct {
	Name        string  `json:"name,omitempty"`
	Ops         int64   `json:"ops"`
	Reads       int64   `json:"reads"`
	Writes      int64   `json:"writes"`
	Errors      int64   `json:"errors"`
	LostUpdates int64   `json:"lost_updates"`
	Seconds     float64 `json:"seconds"`
	OpsPerSec   float64 `json:"ops_per_sec"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	// ReadP99ms and WriteP99ms split P99ms by kind of operation.
	ReadP99ms  float64 `json:"read_p99_ms"`
	WriteP99ms float64 `json:"write_p99_ms"`
	// Check says what the test verified at the end, such as
	// "final value 200 (want 200)".
	Check      string `json:"check,omitempty"`
	FirstError string `json:"first_error,omitempty"`

	latencies      []time.Duration
	readLatencies  []time.Duration
	writeLatencies []time.Duration
}

// stressReport is what --json prints: the totals and each test.
type stressReport struct {
	stressResult
	Database    string          `json:"database"`
	Synchronous string          `json:"synchronous"`
	GroupCommit bool            `json:"group_commit"`
	Readers     int             `json:"readers"`
	Batches     int64           `json:"batches"`
	MaxBatch    int             `json:"max_batch"`
	Checkpoints int64           `json:"checkpoints"`
	Tests       []*stressResult `json:"tests"`
}

func runStress(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseStressFlags(args, stdout, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	path := cfg.path
	if path == "" {
		dir, err := os.MkdirTemp("", "asqlite-stress-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "stress.db")
	}
	db, err := asqlite.Open(ctx, path, &asqlite.Options{
		Synchronous:        cfg.sync,
		DisableGroupCommit: !cfg.group,
		Readers:            cfg.readers,
		// A stress test queues more writes than usual at once.
		QueueSize: max(1024, cfg.writers, cfg.inserts),
	})
	if err != nil {
		return err
	}
	defer db.Close()

	cfg.readers = db.Stats().Readers
	rep := &stressReport{
		Database:    path,
		Synchronous: cfg.sync.String(),
		GroupCommit: cfg.group,
		Readers:     cfg.readers,
	}
	if !cfg.json {
		group := "on"
		if !cfg.group {
			group = "off"
		}
		fmt.Fprintf(stdout, "asqlite stress: %s (WAL, synchronous=%s, group commit %s, %d readers)\n",
			path, cfg.sync, group, cfg.readers)
	}
	for _, name := range cfg.tests {
		if ctx.Err() != nil {
			break
		}
		var r *stressResult
		switch name {
		case "seed":
			if !cfg.json {
				fmt.Fprintf(stdout, "\nseed stress test: %d inserts and %d reads, all at once\n", cfg.inserts, cfg.reads)
			}
			r, err = stressSeed(ctx, db, cfg)
		case "break":
			if !cfg.json {
				fmt.Fprintf(stdout, "\nbreak test: %d concurrent increments of one row\n", cfg.writers)
			}
			r, err = stressBreak(ctx, db, cfg)
		case "mixed":
			if !cfg.json {
				fmt.Fprintf(stdout, "\nmixed load: %d goroutines for %v, %d%% reads, %d rows\n",
					cfg.goroutines, cfg.duration, cfg.readPct, cfg.rows)
			}
			r, err = stressMixed(ctx, db, cfg, stdout)
		}
		if err != nil {
			return fmt.Errorf("%s test: %w", name, err)
		}
		r.summarize()
		rep.Tests = append(rep.Tests, r)
		if !cfg.json {
			printStressResult(stdout, r)
		}
	}
	rep.total()
	st := db.Stats()
	rep.Batches, rep.MaxBatch, rep.Checkpoints = st.Batches, st.MaxBatch, st.Checkpoints
	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "\ntotal: %d ops, %d errors, %d lost updates, %.0f ops/s, p50 %.3fms, p99 %.3fms\n",
			rep.Ops, rep.Errors, rep.LostUpdates, rep.OpsPerSec, rep.P50ms, rep.P99ms)
		mean := 0.0
		if st.Batches > 0 {
			mean = float64(st.BatchedWrites) / float64(st.Batches)
		}
		fmt.Fprintf(stdout, "writer: %d commits, mean batch %.1f writes, largest %d; %d checkpoints\n",
			st.Commits, mean, st.MaxBatch, st.Checkpoints)
	}
	if err := db.Close(); err != nil {
		return err
	}
	if rep.Errors > 0 || rep.LostUpdates > 0 {
		return fmt.Errorf("%d errors, %d lost updates", rep.Errors, rep.LostUpdates)
	}
	return ctx.Err()
}

func parseStressFlags(args []string, stdout, stderr io.Writer) (*stressConfig, error) {
	cfg := &stressConfig{}
	fs := flag.NewFlagSet("asqlite stress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tests := fs.String("test", "seed,break,mixed", "tests to run, comma-separated: seed, break, mixed")
	fs.IntVar(&cfg.inserts, "inserts", 300, "seed test: concurrent inserts")
	fs.IntVar(&cfg.reads, "reads", 400, "seed test: concurrent reads")
	fs.IntVar(&cfg.writers, "writers", 200, "break test: concurrent increments of one row")
	fs.DurationVar(&cfg.jitter, "jitter", 0, "break test: random delay of up to this long before each increment (the seed uses 50ms)")
	fs.IntVar(&cfg.goroutines, "goroutines", 64, "mixed load: concurrent goroutines")
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "mixed load: how long it runs")
	fs.IntVar(&cfg.readPct, "read-pct", 80, "mixed load: percentage of operations that are reads")
	fs.IntVar(&cfg.rows, "rows", 10000, "mixed load: rows of the table")
	syncMode := fs.String("sync", "normal", "synchronous mode of the writer: off, normal, full, extra")
	fs.BoolVar(&cfg.group, "group", true, "group commit (-group=false commits each write alone)")
	fs.IntVar(&cfg.readers, "readers", 0, "reader connections (0: the DB's default)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object instead of the report")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: asqlite stress [flags] [FILE]")
		fmt.Fprintln(stderr, "\nRuns the seed's stress test (inserts and reads at once), its break test (concurrent")
		fmt.Fprintln(stderr, "increments of one row) and a mixed load on FILE (a temporary database by default),")
		fmt.Fprintln(stderr, "then reports throughput, latency percentiles, errors and lost updates, which must be zero.")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return nil, fmt.Errorf("one FILE at most, got %q", fs.Args())
	}
	cfg.path = fs.Arg(0)
	for t := range strings.SplitSeq(*tests, ",") {
		t = strings.TrimSpace(t)
		switch t {
		case "seed", "break", "mixed":
			cfg.tests = append(cfg.tests, t)
		case "all":
			cfg.tests = append(cfg.tests, "seed", "break", "mixed")
		case "":
		default:
			return nil, fmt.Errorf("unknown test %q (want seed, break or mixed)", t)
		}
	}
	m, ok := asqlite.ParseSyncMode(*syncMode)
	if !ok {
		return nil, fmt.Errorf("unknown synchronous mode %q (want off, normal, full or extra)", *syncMode)
	}
	cfg.sync = m
	switch {
	case cfg.inserts < 0 || cfg.reads < 0 || cfg.writers < 0:
		return nil, errors.New("-inserts, -reads and -writers cannot be negative")
	case cfg.goroutines < 1:
		return nil, errors.New("-goroutines must be at least 1")
	case cfg.readPct < 0 || cfg.readPct > 100:
		return nil, errors.New("-read-pct must be between 0 and 100")
	case cfg.rows < 1:
		return nil, errors.New("-rows must be at least 1")
	case cfg.duration <= 0:
		return nil, errors.New("-duration must be positive")
	}
	cfg.progress = !cfg.json && isTerminal(stdout)
	return cfg, nil
}

// isTerminal reports whether w is a terminal, where a progress bar makes
// sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// stressOps runs n operations, each in a goroutine of its own, all started
// together, and records their latencies and errors.
func stressOps(n int, op func(i int) (write bool, err error)) *stressResult {
	r := &stressResult{latencies: make([]time.Duration, n)}
	isWrite := make([]bool, n)
	var reads, writes, errs atomic.Int64
	var first sync.Once
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			write, err := op(i)
			r.latencies[i] = time.Since(t0)
			isWrite[i] = write
			if write {
				writes.Add(1)
			} else {
				reads.Add(1)
			}
			if err != nil {
				errs.Add(1)
				first.Do(func() { r.FirstError = err.Error() })
			}
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	r.Seconds = time.Since(t0).Seconds()
	r.Ops, r.Reads, r.Writes, r.Errors = int64(n), reads.Load(), writes.Load(), errs.Load()
	for i, d := range r.latencies {
		if isWrite[i] {
			r.writeLatencies = append(r.writeLatencies, d)
		} else {
			r.readLatencies = append(r.readLatencies, d)
		}
	}
	return r
}

// stressSeed is the seed's stress test: inserts, with a read after every
// third, and more reads, all at once; at the end every insert must be there.
func stressSeed(ctx context.Context, db *asqlite.DB, cfg *stressConfig) (*stressResult, error) {
	if err := db.ExecScript(ctx, `DROP TABLE IF EXISTS stress_table;
		CREATE TABLE stress_table (id INTEGER PRIMARY KEY, value TEXT)`); err != nil {
		return nil, err
	}
	// The seed schedules a read after every third insert, then the rest.
	type task struct {
		insert bool
		id     int
	}
	var tasks []task
	reads := 0
	for i := range cfg.inserts {
		tasks = append(tasks, task{insert: true, id: i})
		if i%3 == 0 && reads < cfg.reads {
			tasks = append(tasks, task{id: i})
			reads++
		}
	}
	for i := 0; reads < cfg.reads; i++ {
		tasks = append(tasks, task{id: cfg.inserts + i})
		reads++
	}
	r := stressOps(len(tasks), func(i int) (bool, error) {
		t := tasks[i]
		if t.insert {
			_, err := db.Exec(ctx, "INSERT INTO stress_table (value) VALUES (?)", fmt.Sprintf("value_%d", t.id))
			return true, err
		}
		var n int64
		err := db.QueryRow(ctx, "SELECT COUNT(*) FROM stress_table").Scan(&n)
		return false, err
	})
	r.Name = "seed"
	var final int64
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM stress_table").Scan(&final); err != nil {
		return nil, err
	}
	r.LostUpdates = max(int64(cfg.inserts)-final, 0)
	r.Check = fmt.Sprintf("final row count %d (want %d)", final, cfg.inserts)
	return r, nil
}

// stressBreak is the seed's "very likely to break the database" test:
// concurrent read-modify-write increments of one row.
func stressBreak(ctx context.Context, db *asqlite.DB, cfg *stressConfig) (*stressResult, error) {
	if err := db.ExecScript(ctx, `DROP TABLE IF EXISTS test;
		CREATE TABLE test (id INTEGER PRIMARY KEY, value INTEGER);
		INSERT INTO test (value) VALUES (0)`); err != nil {
		return nil, err
	}
	r := stressOps(cfg.writers, func(int) (bool, error) {
		if cfg.jitter > 0 {
			time.Sleep(rand.N(cfg.jitter))
		}
		_, err := db.Exec(ctx, "UPDATE test SET value = value + 1 WHERE id = 1")
		return true, err
	})
	r.Name = "break"
	var final int64
	if err := db.QueryRow(ctx, "SELECT value FROM test WHERE id = 1").Scan(&final); err != nil {
		return nil, err
	}
	want := r.Writes - r.Errors
	r.LostUpdates = max(want-final, 0)
	r.Check = fmt.Sprintf("final value %d (want %d)", final, want)
	return r, nil
}

// stressMixed runs a read/write mix for a while: point reads of random
// rows and increments of random rows. At the end, the sum of the rows must
// equal the number of increments that succeeded.
func stressMixed(ctx context.Context, db *asqlite.DB, cfg *stressConfig, stdout io.Writer) (*stressResult, error) {
	if err := db.ExecScript(ctx, `DROP TABLE IF EXISTS kv;
		CREATE TABLE kv (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)`); err != nil {
		return nil, err
	}
	args := make([][]any, cfg.rows)
	for i := range args {
		args[i] = []any{i + 1}
	}
	if _, err := db.ExecMany(ctx, "INSERT INTO kv (id, value) VALUES (?, 0)", args); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithTimeout(ctx, cfg.duration)
	defer stop()
	r := &stressResult{Name: "mixed"}
	var ops, reads, writes, errs atomic.Int64
	var first sync.Once
	readLats := make([][]time.Duration, cfg.goroutines)
	writeLats := make([][]time.Duration, cfg.goroutines)
	var wg sync.WaitGroup
	t0 := time.Now()
	for g := range cfg.goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 42))
			for runCtx.Err() == nil {
				id := 1 + rng.IntN(cfg.rows)
				start := time.Now()
				var err error
				if rng.IntN(100) < cfg.readPct {
					var v int64
					err = db.QueryRow(ctx, "SELECT value FROM kv WHERE id = ?", id).Scan(&v)
					reads.Add(1)
					readLats[g] = append(readLats[g], time.Since(start))
				} else {
					_, err = db.Exec(ctx, "UPDATE kv SET value = value + 1 WHERE id = ?", id)
					if err == nil {
						writes.Add(1)
					}
					writeLats[g] = append(writeLats[g], time.Since(start))
				}
				ops.Add(1)
				if err != nil {
					errs.Add(1)
					first.Do(func() { r.FirstError = err.Error() })
				}
			}
		})
	}
	if cfg.progress {
		done := make(chan struct{})
		go func() {
			wg.Wait()
			close(done)
		}()
		tick := time.NewTicker(100 * time.Millisecond)
		for running := true; running; {
			select {
			case <-done:
				running = false
			case <-tick.C:
			}
			drawProgress(stdout, time.Since(t0), cfg.duration, ops.Load())
		}
		tick.Stop()
		fmt.Fprintln(stdout)
	}
	wg.Wait()
	r.Seconds = time.Since(t0).Seconds()
	r.Ops, r.Reads, r.Writes, r.Errors = ops.Load(), reads.Load(), writes.Load(), errs.Load()
	for g := range cfg.goroutines {
		r.readLatencies = append(r.readLatencies, readLats[g]...)
		r.writeLatencies = append(r.writeLatencies, writeLats[g]...)
	}
	r.latencies = append(slices.Clone(r.readLatencies), r.writeLatencies...)
	var sum int64
	if err := db.QueryRow(ctx, "SELECT sum(value) FROM kv").Scan(&sum); err != nil {
		return nil, err
	}
	r.LostUpdates = max(r.Writes-sum, 0)
	r.Check = fmt.Sprintf("sum of the rows %d (want %d, the increments that succeeded)", sum, r.Writes)
	return r, nil
}

// drawProgress draws a progress bar over the current terminal line.
func drawProgress(w io.Writer, elapsed, total time.Duration, ops int64) {
	const width = 30
	frac := min(float64(elapsed)/float64(total), 1)
	n := int(frac * width)
	rate := float64(ops) / max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(w, "\r  [%s%s] %3.0f%%  %d ops  %.0f ops/s ", strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, ops, rate)
}

// summarize computes the rates and percentiles of r.
func (r *stressResult) summarize() {
	if r.Seconds > 0 {
		r.OpsPerSec = float64(r.Ops) / r.Seconds
	}
	slices.Sort(r.latencies)
	slices.Sort(r.readLatencies)
	slices.Sort(r.writeLatencies)
	r.P50ms = percentileMs(r.latencies, 50)
	r.P99ms = percentileMs(r.latencies, 99)
	r.ReadP99ms = percentileMs(r.readLatencies, 99)
	r.WriteP99ms = percentileMs(r.writeLatencies, 99)
	if n := len(r.latencies); n > 0 {
		r.MaxMs = ms(r.latencies[n-1])
	}
}

// total adds up the tests of rep.
func (rep *stressReport) total() {
	var all, reads, writes []time.Duration
	for _, t := range rep.Tests {
		reads = append(reads, t.readLatencies...)
		writes = append(writes, t.writeLatencies...)
		rep.Ops += t.Ops
		rep.Reads += t.Reads
		rep.Writes += t.Writes
		rep.Errors += t.Errors
		rep.LostUpdates += t.LostUpdates
		rep.Seconds += t.Seconds
		if rep.FirstError == "" {
			rep.FirstError = t.FirstError
		}
		all = append(all, t.latencies...)
	}
	rep.latencies, rep.readLatencies, rep.writeLatencies = all, reads, writes
	rep.summarize()
}

func percentileMs(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min((len(sorted)*p+99)/100, len(sorted)) - 1
	return ms(sorted[max(i, 0)])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func printStressResult(w io.Writer, r *stressResult) {
	fmt.Fprintf(w, "  %d ops (%d reads, %d writes) in %.3fs: %.0f ops/s\n", r.Ops, r.Reads, r.Writes, r.Seconds, r.OpsPerSec)
	fmt.Fprintf(w, "  latency p50 %.3fms, p99 %.3fms (reads %.3fms, writes %.3fms), max %.3fms\n",
		r.P50ms, r.P99ms, r.ReadP99ms, r.WriteP99ms, r.MaxMs)
	fmt.Fprintf(w, "  %s: %d errors, %d lost updates\n", r.Check, r.Errors, r.LostUpdates)
	if r.FirstError != "" {
		fmt.Fprintf(w, "  first error: %s\n", r.FirstError)
	}
}
