package main

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/asqlite/asqlite/sqlite"
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
	sync       sqlite.SyncMode
	group      bool
	readers    int
	json       bool
	force      bool
	progress   bool
	path       string
	// afterOp, when set, is called after each operation that ran, from
	// the goroutine that ran it: tests interrupt a run from it.
	afterOp func()
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
	// Cancelled counts the operations an interruption cut short; Ops and
	// the rest leave them out.
	Cancelled int64 `json:"cancelled"`

	applied        int64 // writes that succeeded
	latencies      []time.Duration
	readLatencies  []time.Duration
	writeLatencies []time.Duration
}

// stressReport is what --json prints: the totals and each test.
type stressReport struct {
	stressResult
	Database    string `json:"database"`
	Synchronous string `json:"synchronous"`
	GroupCommit bool   `json:"group_commit"`
	Readers     int    `json:"readers"`
	Batches     int64  `json:"batches"`
	MaxBatch    int    `json:"max_batch"`
	Checkpoints int64  `json:"checkpoints"`
	// Interrupted says the run was stopped (Ctrl-C): Tests holds the
	// tests that ran, the last one perhaps in part.
	Interrupted bool            `json:"interrupted"`
	Tests       []*stressResult `json:"tests"`
}

// stressDoc is the help text of asqlite stress.
const stressDoc = `
Runs the seed's stress test (concurrent inserts and reads), its break test
(concurrent increments of one row) and a mixed read/write load on an
asqlite.DB, then reports throughput, latency percentiles, errors and lost
updates, which must be zero. Ctrl-C stops the run and prints the report of
what ran; a second Ctrl-C kills the process.

Without FILE the tests run on a temporary database, removed after. With FILE
(a file name or a "file:" URI), what stress does to it:
  - A FILE that does not exist is created, and removed after with its -wal
    and -shm files.
  - An existing FILE must be an empty database, unless -force is given.
    Stress never changes or drops what it did not create.
  - Stress creates the tables asqlite_stress_seed, asqlite_stress_break and
    asqlite_stress_mixed (it refuses a FILE that already has one of them,
    as a run killed before its cleanup leaves) and drops them after, also
    when interrupted.
  - The database is in WAL mode while stress runs; a database that was not
    is set back to a rollback journal (journal_mode=DELETE) after. An empty
    database is vacuumed after; in one with tables of its own, the pages
    freed by dropping stress's tables stay in the file (VACUUM reclaims
    them).`

func runStress(ctx context.Context, args []string, stdout, _ io.Writer) error {
	cfg, err := parseStressFlags(args, stdout)
	if err != nil {
		return err
	}
	cfg.progress = !cfg.json && isTerminal(stdout)
	return stress(ctx, cfg, stdout)
}

// stress runs the tests of cfg and prints the report on stdout. When ctx
// ends it stops starting operations and reports what ran.
func stress(ctx context.Context, cfg *stressConfig, stdout io.Writer) (err error) {
	target, err := openStressTarget(cfg.path, cfg.force)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, target.restore()) }()
	db, err := asqlite.Open(ctx, target.path, &asqlite.Options{
		Synchronous:        cfg.sync,
		DisableGroupCommit: !cfg.group,
		Readers:            cfg.readers,
		// A stress test queues more writes than usual at once.
		QueueSize: max(1024, cfg.writers, cfg.inserts),
		// PRAGMA optimize may write statistics (sqlite_stat1) to the file.
		DisableOptimizeOnClose: true,
	})
	if err != nil {
		return err
	}
	defer db.Close()

	rep := &stressReport{
		Database:    target.path,
		Synchronous: cfg.sync.String(),
		GroupCommit: cfg.group,
		Readers:     db.Stats().Readers,
	}
	if !cfg.json {
		group := "on"
		if !cfg.group {
			group = "off"
		}
		fmt.Fprintf(stdout, "asqlite stress: %s (WAL, synchronous=%s, group commit %s, %d readers)\n",
			target.path, cfg.sync, group, rep.Readers)
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
			if interrupted(ctx, err) {
				break // while setting the test up: nothing of it ran
			}
			return fmt.Errorf("%s test: %w", name, err)
		}
		r.summarize()
		rep.Tests = append(rep.Tests, r)
		if !cfg.json {
			printStressResult(stdout, r)
		}
	}
	rep.Interrupted = ctx.Err() != nil
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
		if rep.Interrupted {
			fmt.Fprintf(stdout, "\ninterrupted (%v): the report covers what ran until then\n", context.Cause(ctx))
		}
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
	if rep.Interrupted {
		return fmt.Errorf("interrupted: %w", context.Cause(ctx))
	}
	return nil
}

// interrupted reports whether err is the failure of an operation that
// ctx's end cut short.
func interrupted(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// The tables stress creates; the prefix keeps them apart from a user's.
const (
	seedTable  = "asqlite_stress_seed"
	breakTable = "asqlite_stress_break"
	mixedTable = "asqlite_stress_mixed"
)

// stressTarget is the database stress runs on, and what it found there
// before, so that restore can leave the file as it was.
type stressTarget struct {
	path    string // what asqlite.Open gets
	tmpDir  string // the temporary directory holding path, when no FILE was given
	file    string // the database file ("" for an in-memory database)
	created bool   // the file did not exist before
	wasWAL  bool   // the file was in WAL mode
	empty   bool   // the database had no schema
}

// openStressTarget inspects the database at path (a temporary one when
// path is empty) before stress writes anything: it refuses one that has a
// table of stress's, or any schema of its own unless force is set.
func openStressTarget(path string, force bool) (*stressTarget, error) {
	t := &stressTarget{path: path}
	if path == "" {
		dir, err := os.MkdirTemp("", "asqlite-stress-")
		if err != nil {
			return nil, err
		}
		t.tmpDir, t.path = dir, filepath.Join(dir, "stress.db")
	}
	ok := false
	defer func() {
		if !ok {
			t.removeCreated()
		}
	}()
	c, err := sqlite.Open(t.path, sqlite.OpenReadWrite)
	if errors.Is(err, sqlite.ErrCantOpen) { // no such file, as a rule
		c, err = sqlite.Open(t.path, sqlite.OpenReadWrite|sqlite.OpenCreate)
		t.created = err == nil
	}
	if err != nil {
		return nil, err
	}
	defer c.Close()
	t.file = c.Filename("main")
	if t.created {
		// restore deletes a file stress created: be sure this one is new.
		fi, err := os.Stat(t.file)
		t.created = err == nil && fi.Size() == 0
	}
	mode, err := c.JournalMode()
	if err != nil {
		return nil, err
	}
	t.wasWAL = mode == sqlite.JournalWAL
	var names []string
	for row, err := range c.Query("SELECT name FROM sqlite_schema ORDER BY name") {
		if err != nil {
			return nil, err
		}
		names = append(names, row.ColumnText(0))
	}
	t.empty = len(names) == 0
	for _, table := range []string{seedTable, breakTable, mixedTable} {
		// SQLite's names ignore case: ASQLITE_STRESS_SEED is the same
		// name, and restore would drop it.
		if i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, table) }); i >= 0 {
			return nil, fmt.Errorf("%s already has %s, the name of a table asqlite stress makes (a killed run may have left it): drop it or use another file",
				t.path, names[i])
		}
	}
	if !t.empty && !force {
		if len(names) > 5 {
			names = append(names[:5], "...")
		}
		return nil, fmt.Errorf("%s is not empty (it holds %s): stress runs only on a new or empty database, unless -force is given",
			t.path, strings.Join(names, ", "))
	}
	ok = true
	return t, nil
}

// restore leaves the database as openStressTarget found it, as far as it
// can: it removes a file stress created, and otherwise drops stress's
// tables, vacuums a database that was empty and sets back the rollback
// journal of one that was not in WAL mode. The DB must be closed.
func (t *stressTarget) restore() error {
	if t.created || t.file == "" {
		return t.removeCreated()
	}
	c, err := sqlite.Open(t.path, sqlite.OpenReadWrite)
	if err != nil {
		return fmt.Errorf("restoring %s: %w", t.path, err)
	}
	defer c.Close()
	c.SetBusyTimeout(5 * time.Second)
	sql := "DROP TABLE IF EXISTS " + seedTable + "; DROP TABLE IF EXISTS " + breakTable + "; DROP TABLE IF EXISTS " + mixedTable
	if t.empty {
		sql += "; VACUUM"
	}
	if err := c.Exec(sql); err != nil {
		return fmt.Errorf("restoring %s: %w", t.path, err)
	}
	if !t.wasWAL {
		if _, err := c.SetJournalMode(sqlite.JournalDelete); err != nil {
			return fmt.Errorf("restoring the rollback journal of %s: %w", t.path, err)
		}
	}
	return nil
}

// removeCreated removes the database file stress created, if it did.
func (t *stressTarget) removeCreated() error {
	var errs []error
	if t.created && t.file != "" {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if err := os.Remove(t.file + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if t.tmpDir != "" {
		errs = append(errs, os.RemoveAll(t.tmpDir))
	}
	return errors.Join(errs...)
}

func parseStressFlags(args []string, stdout io.Writer) (*stressConfig, error) {
	cfg := &stressConfig{}
	fs := newFlagSet("stress", stressDoc)
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
	fs.BoolVar(&cfg.force, "force", false, "run on a FILE that has tables of its own, next to them")
	if err := fs.parse(args, stdout, 0, 1); err != nil {
		return nil, err
	}
	cfg.path = fs.Arg(0)
	for t := range strings.SplitSeq(*tests, ",") {
		t = strings.TrimSpace(t)
		switch t {
		case "seed", "break", "mixed":
			if !slices.Contains(cfg.tests, t) { // each runs once: its table is its own
				cfg.tests = append(cfg.tests, t)
			}
		case "all":
			for _, t := range []string{"seed", "break", "mixed"} {
				if !slices.Contains(cfg.tests, t) {
					cfg.tests = append(cfg.tests, t)
				}
			}
		case "":
		default:
			return nil, fs.invalid("test", fmt.Sprintf("unknown test %q (want seed, break or mixed)", t))
		}
	}
	m, ok := sqlite.ParseSyncMode(*syncMode)
	if !ok {
		return nil, fs.invalid("sync", "want off, normal, full or extra")
	}
	cfg.sync = m
	for _, f := range []struct {
		name  string
		value int
		min   int
	}{{"inserts", cfg.inserts, 0}, {"reads", cfg.reads, 0}, {"writers", cfg.writers, 0},
		{"goroutines", cfg.goroutines, 1}, {"rows", cfg.rows, 1}, {"readers", cfg.readers, 0}} {
		if f.value < f.min {
			return nil, fs.invalid(f.name, fmt.Sprintf("must be at least %d", f.min))
		}
	}
	switch {
	case cfg.readPct < 0 || cfg.readPct > 100:
		return nil, fs.invalid("read-pct", "must be between 0 and 100")
	case cfg.duration <= 0:
		return nil, fs.invalid("duration", "must be positive")
	case cfg.jitter < 0:
		return nil, fs.invalid("jitter", "cannot be negative")
	}
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
func stressOps(ctx context.Context, cfg *stressConfig, n int, op func(i int) (write bool, err error)) *stressResult {
	type outcome struct {
		d     time.Duration
		write bool
		err   error
	}
	outs := make([]outcome, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			write, err := op(i)
			outs[i] = outcome{time.Since(t0), write, err}
			if cfg.afterOp != nil && !interrupted(ctx, err) {
				cfg.afterOp()
			}
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	r := &stressResult{Seconds: time.Since(t0).Seconds()}
	for _, o := range outs {
		r.record(ctx, o.d, o.write, o.err)
	}
	return r
}

// record adds one operation to r: a read or write that took d and failed
// with err, or was cut short by the end of ctx.
func (r *stressResult) record(ctx context.Context, d time.Duration, write bool, err error) {
	if err != nil && interrupted(ctx, err) {
		r.Cancelled++
		return
	}
	r.Ops++
	r.latencies = append(r.latencies, d)
	if write {
		r.Writes++
		r.writeLatencies = append(r.writeLatencies, d)
		if err == nil {
			r.applied++
		}
	} else {
		r.Reads++
		r.readLatencies = append(r.readLatencies, d)
	}
	if err != nil {
		r.Errors++
		if r.FirstError == "" {
			r.FirstError = err.Error()
		}
	}
}

// stressSeed is the seed's stress test: inserts, with a read after every
// third, and more reads, all at once; at the end every insert must be there.
func stressSeed(ctx context.Context, db *asqlite.DB, cfg *stressConfig) (*stressResult, error) {
	if err := db.ExecScript(ctx, "CREATE TABLE "+seedTable+" (id INTEGER PRIMARY KEY, value TEXT)"); err != nil {
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
	r := stressOps(ctx, cfg, len(tasks), func(i int) (bool, error) {
		t := tasks[i]
		if t.insert {
			_, err := db.Exec(ctx, "INSERT INTO "+seedTable+" (value) VALUES (?)", fmt.Sprintf("value_%d", t.id))
			return true, err
		}
		var n int64
		err := db.QueryRow(ctx, "SELECT COUNT(*) FROM "+seedTable).Scan(&n)
		return false, err
	})
	r.Name = "seed"
	// The check runs even after an interruption: it is the report's point.
	var final int64
	if err := db.QueryRow(context.WithoutCancel(ctx), "SELECT COUNT(*) FROM "+seedTable).Scan(&final); err != nil {
		return nil, err
	}
	r.LostUpdates = max(r.applied-final, 0)
	r.Check = fmt.Sprintf("final row count %d (want %d)", final, r.applied)
	return r, nil
}

// stressBreak is the seed's "very likely to break the database" test:
// concurrent read-modify-write increments of one row.
func stressBreak(ctx context.Context, db *asqlite.DB, cfg *stressConfig) (*stressResult, error) {
	if err := db.ExecScript(ctx, "CREATE TABLE "+breakTable+" (id INTEGER PRIMARY KEY, value INTEGER);"+
		"INSERT INTO "+breakTable+" (value) VALUES (0)"); err != nil {
		return nil, err
	}
	r := stressOps(ctx, cfg, cfg.writers, func(int) (bool, error) {
		if cfg.jitter > 0 {
			select {
			case <-time.After(rand.N(cfg.jitter)):
			case <-ctx.Done():
				return true, ctx.Err()
			}
		}
		_, err := db.Exec(ctx, "UPDATE "+breakTable+" SET value = value + 1 WHERE id = 1")
		return true, err
	})
	r.Name = "break"
	var final int64
	if err := db.QueryRow(context.WithoutCancel(ctx), "SELECT value FROM "+breakTable+" WHERE id = 1").Scan(&final); err != nil {
		return nil, err
	}
	r.LostUpdates = max(r.applied-final, 0)
	r.Check = fmt.Sprintf("final value %d (want %d)", final, r.applied)
	return r, nil
}

// stressMixed runs a read/write mix for a while: point reads of random
// rows and increments of random rows. At the end, the sum of the rows must
// equal the number of increments that succeeded.
func stressMixed(ctx context.Context, db *asqlite.DB, cfg *stressConfig, stdout io.Writer) (*stressResult, error) {
	if err := db.ExecScript(ctx, "CREATE TABLE "+mixedTable+" (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"); err != nil {
		return nil, err
	}
	args := make([][]any, cfg.rows)
	for i := range args {
		args[i] = []any{i + 1}
	}
	if _, err := db.ExecMany(ctx, "INSERT INTO "+mixedTable+" (id, value) VALUES (?, 0)", args); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithTimeout(ctx, cfg.duration)
	defer stop()
	// Each goroutine records its own operations; they are merged after.
	results := make([]stressResult, cfg.goroutines)
	var ops atomic.Int64 // for the progress bar
	var wg sync.WaitGroup
	t0 := time.Now()
	for g := range cfg.goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 42))
			for runCtx.Err() == nil {
				id := 1 + rng.IntN(cfg.rows)
				start := time.Now()
				write := rng.IntN(100) >= cfg.readPct
				var err error
				if write {
					_, err = db.Exec(ctx, "UPDATE "+mixedTable+" SET value = value + 1 WHERE id = ?", id)
				} else {
					var v int64
					err = db.QueryRow(ctx, "SELECT value FROM "+mixedTable+" WHERE id = ?", id).Scan(&v)
				}
				results[g].record(ctx, time.Since(start), write, err)
				ops.Add(1)
				if cfg.afterOp != nil && !interrupted(ctx, err) {
					cfg.afterOp()
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
	r := &stressResult{Name: "mixed", Seconds: time.Since(t0).Seconds()}
	for i := range results {
		r.add(&results[i])
	}
	var sum int64
	if err := db.QueryRow(context.WithoutCancel(ctx), "SELECT sum(value) FROM "+mixedTable).Scan(&sum); err != nil {
		return nil, err
	}
	r.LostUpdates = max(r.applied-sum, 0)
	r.Check = fmt.Sprintf("sum of the rows %d (want %d, the increments that succeeded)", sum, r.applied)
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
	for _, t := range rep.Tests {
		rep.add(t)
		rep.Seconds += t.Seconds
	}
	rep.summarize()
}

// add adds the operations of o to r.
func (r *stressResult) add(o *stressResult) {
	r.Ops += o.Ops
	r.Reads += o.Reads
	r.Writes += o.Writes
	r.Errors += o.Errors
	r.LostUpdates += o.LostUpdates
	r.Cancelled += o.Cancelled
	r.applied += o.applied
	if r.FirstError == "" {
		r.FirstError = o.FirstError
	}
	r.latencies = append(r.latencies, o.latencies...)
	r.readLatencies = append(r.readLatencies, o.readLatencies...)
	r.writeLatencies = append(r.writeLatencies, o.writeLatencies...)
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
	if r.Cancelled > 0 {
		fmt.Fprintf(w, "  interrupted: %d operations cut short, not counted\n", r.Cancelled)
	}
}
