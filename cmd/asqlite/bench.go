package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	commands = append(commands, command{
		name:    "bench",
		usage:   "[flags]",
		summary: "run asqlite's microbenchmarks (binding, Conn, DB) and print a table",
		run:     runBench,
	})
}

// The microbenchmarks of the binding (package sqlite), asqlite.Conn and
// asqlite.DB, the same as the in-module Go benchmarks (go test -bench in
// sqlite/ and the module root), built into the command so that they run
// from an installed binary. They use one row shape, the bench/ module's: an
// integer key, a short name, a float and a 16-byte blob.
const (
	mbSchema = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL, data BLOB NOT NULL)"
	mbInsert = "INSERT INTO t(id, name, score, data) VALUES (?, ?, ?, ?)"
	mbScan   = "SELECT id, name, score, data FROM t"
	mbPoint  = "SELECT id, name, score, data FROM t WHERE id = ?"
)

// microBench is one benchmark of asqlite bench.
type microBench struct {
	name string
	doc  string
	// perRow: one operation handles cfg.rows rows; the table then shows
	// the time per row too.
	perRow bool
	fn     func(b *testing.B, cfg *benchConfig, clock *cpuClock)
}

type benchConfig struct {
	rows int
	dir  string
}

// cpuClock measures the process's CPU time over the timed part of a
// benchmark: the benchmark calls Start right after its setup.
type cpuClock struct{ start time.Duration }

func (c *cpuClock) Start(b *testing.B) {
	b.ResetTimer()
	c.start = processCPU()
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var microBenches = []microBench{
	{name: "sqlite/Insert", perRow: true, doc: "insert N rows in one transaction, one reused statement", fn: mbSqliteInsert},
	{name: "sqlite/Scan", perRow: true, doc: "read every column of N rows", fn: mbSqliteScan},
	{name: "sqlite/PointQuery", doc: "one lookup by primary key, reused statement, every column read", fn: mbSqlitePoint},
	{name: "sqlite/PrepCached", doc: "Prep + Close of a cached statement", fn: mbSqlitePrepCached},
	{name: "sqlite/ExecCachedInsert", doc: "Conn.Exec of a cached INSERT with 4 arguments", fn: mbSqliteExecInsert},
	{name: "Conn/PointQuery", doc: "Conn.QueryRow(...).Scan by primary key", fn: mbConnPoint},
	{name: "Conn/PointQueryParallel", doc: "the same from GOMAXPROCS goroutines sharing the Conn", fn: mbConnPointParallel},
	{name: "Conn/Stream", perRow: true, doc: "range over Conn.Query of N rows, every column read", fn: mbConnStream},
	{name: "Conn/ExecInsert", doc: "Conn.Exec of a single-row INSERT (autocommit, in memory)", fn: mbConnExec},
	{name: "Conn/TxInsert", doc: "Conn.Tx block with one INSERT", fn: mbConnTx},
	{name: "DB/PointQuery", doc: "DB.QueryRow(...).Scan by primary key on the reader pool", fn: mbDBPoint},
	{name: "DB/ExecInsert", doc: "DB.Exec of a single-row INSERT from one goroutine (WAL file, synchronous=NORMAL)", fn: mbDBExec},
	{name: "DB/ExecInsertParallel", doc: "the same from 64 goroutines: group commit at work", fn: mbDBExecParallel},
}

var testingInit sync.Once

func runBench(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("bench", `
Runs asqlite's microbenchmarks in this process and prints one line each:
time and CPU time per operation (and per row), allocations per operation.
Comparisons with other libraries are in the bench/ module of the source tree.`)
	run := fs.String("run", ".", "run only the benchmarks whose name matches `regexp`")
	benchtime := fs.String("benchtime", "1s", "run each benchmark for this `duration`, or Nx times")
	count := fs.Int("count", 1, "run each benchmark `n` times and report the medians")
	rows := fs.Int("rows", 100_000, "rows per operation of the per-row benchmarks, and in the tables")
	dir := fs.String("dir", "", "directory for the DB benchmarks' files (default a new temporary one)")
	list := fs.Bool("list", false, "list the benchmarks and exit")
	if err := fs.parse(args, stdout, 0, 0); err != nil {
		return err
	}
	re, err := regexp.Compile(*run)
	if err != nil {
		return fs.invalid("run", err.Error())
	}
	switch {
	case *rows < 1:
		return fs.invalid("rows", "must be at least 1")
	case *count < 1:
		return fs.invalid("count", "must be at least 1")
	}
	var selected []microBench
	for _, mb := range microBenches {
		if re.MatchString(mb.name) {
			selected = append(selected, mb)
		}
	}
	if len(selected) == 0 {
		return fs.invalid("run", "matches no benchmark (asqlite bench -list lists them)")
	}
	if *list {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, mb := range selected {
			fmt.Fprintf(tw, "%s\t%s\n", mb.name, mb.doc)
		}
		return tw.Flush()
	}

	testingInit.Do(testing.Init)
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		return fs.invalid("benchtime", "want a duration such as 1s, or a count such as 100x")
	}
	cfg := &benchConfig{rows: *rows, dir: *dir}
	if cfg.dir == "" {
		d, err := os.MkdirTemp("", "asqlite-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		cfg.dir = d
	}

	fmt.Fprintf(stdout, "asqlite bench: SQLite %s, %s %s/%s, %d CPUs, %d rows, benchtime %s, count %d\n\n",
		sqlite.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *rows, *benchtime, *count)
	// Fixed widths rather than a tabwriter, so that each line shows as
	// soon as it is measured.
	const lineFmt = "%-24s %9s %11s %11s %10s %10s %10s\n"
	fmt.Fprintf(stdout, lineFmt, "benchmark", "runs", "time/op", "cpu/op", "time/row", "allocs/op", "B/op")
	for _, mb := range selected {
		if err := ctx.Err(); err != nil {
			return err
		}
		var ns, cpu, allocs, bytes []float64
		n := 0
		for range *count {
			var clock cpuClock
			var cpuPerOp float64
			r := testing.Benchmark(func(b *testing.B) {
				b.ReportAllocs()
				mb.fn(b, cfg, &clock)
				cpuPerOp = float64(processCPU()-clock.start) / float64(b.N)
			})
			if r.N == 0 {
				return fmt.Errorf("%s failed", mb.name)
			}
			n += r.N
			ns = append(ns, float64(r.NsPerOp()))
			cpu = append(cpu, cpuPerOp)
			allocs = append(allocs, float64(r.AllocsPerOp()))
			bytes = append(bytes, float64(r.AllocedBytesPerOp()))
		}
		perRow := "-"
		if mb.perRow {
			perRow = fmtBenchNs(median(ns) / float64(cfg.rows))
		}
		fmt.Fprintf(stdout, lineFmt, mb.name, strconv.Itoa(n), fmtBenchNs(median(ns)), fmtBenchNs(median(cpu)),
			perRow, fmt.Sprintf("%.0f", median(allocs)), fmt.Sprintf("%.0f", median(bytes)))
	}
	fmt.Fprintln(stdout, "\ncpu/op is the CPU time of the whole process (all goroutines, garbage collection) per operation;")
	fmt.Fprintln(stdout, "on a busy machine it is steadier than time/op. Medians of -count runs.")
	return nil
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func fmtBenchNs(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.3f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e4:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

// mbOpen opens an in-memory database with table t holding rows rows.
func mbOpen(b *testing.B, rows int) *sqlite.Conn {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Exec(mbSchema); err != nil {
		b.Fatal(err)
	}
	if err := mbInsertRows(c, 1, rows); err != nil {
		b.Fatal(err)
	}
	return c
}

// mbInsertRows inserts rows from..to of t in one transaction.
func mbInsertRows(c *sqlite.Conn, from, to int) error {
	s, err := c.Prepare(mbInsert)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := c.Exec("BEGIN"); err != nil {
		return err
	}
	var name []byte
	data := make([]byte, 16)
	for i := from; i <= to; i++ {
		name = strconv.AppendInt(append(name[:0], "user-"...), int64(i), 10)
		data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
		s.BindInt64(1, int64(i))
		s.BindText(2, string(name))
		s.BindFloat(3, float64(i)*0.5)
		s.BindBytes(4, data)
		if _, err := s.Step(); err != nil {
			c.Exec("ROLLBACK")
			return err
		}
		s.Reset()
	}
	return c.Exec("COMMIT")
}

func mbSqliteInsert(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	clock.Start(b)
	for b.Loop() {
		c := mbOpen(b, cfg.rows)
		c.Close()
	}
}

func mbSqliteScan(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	c := mbOpen(b, cfg.rows)
	defer c.Close()
	buf := make([]byte, 0, 64)
	clock.Start(b)
	for b.Loop() {
		s, err := c.Prep(mbScan)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			row, err := s.Step()
			if err != nil {
				b.Fatal(err)
			}
			if !row {
				break
			}
			_ = s.ColumnInt64(0)
			_ = s.ColumnText(1)
			_ = s.ColumnFloat(2)
			buf = s.ColumnBytes(3, buf[:0])
			n++
		}
		s.Close()
		if n != cfg.rows {
			b.Fatalf("scanned %d rows, want %d", n, cfg.rows)
		}
	}
}

func mbSqlitePoint(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	c := mbOpen(b, cfg.rows)
	defer c.Close()
	s, err := c.Prepare(mbPoint)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	buf := make([]byte, 0, 64)
	id := int64(0)
	clock.Start(b)
	for b.Loop() {
		id = id*7919%int64(cfg.rows) + 1
		s.BindInt64(1, id)
		if row, err := s.Step(); !row || err != nil {
			b.Fatalf("row %d: %v", id, err)
		}
		_ = s.ColumnText(1)
		_ = s.ColumnFloat(2)
		buf = s.ColumnBytes(3, buf[:0])
		if s.ColumnInt64(0) != id {
			b.Fatalf("row %d: wrong id", id)
		}
		s.Reset()
	}
}

func mbSqlitePrepCached(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	c := mbOpen(b, 0)
	defer c.Close()
	clock.Start(b)
	for b.Loop() {
		s, err := c.Prep(mbPoint)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

func mbSqliteExecInsert(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	c := mbOpen(b, 0)
	defer c.Close()
	c.Exec("BEGIN")
	defer c.Exec("COMMIT")
	data := make([]byte, 16)
	i := int64(0)
	clock.Start(b)
	for b.Loop() {
		i++
		if err := c.Exec(mbInsert, i, "user-name", 1.5, data); err != nil {
			b.Fatal(err)
		}
	}
}

// mbConn opens an asqlite.Conn on a private in-memory database with table
// t holding rows rows.
func mbConn(b *testing.B, rows int) *asqlite.Conn {
	c, err := asqlite.OpenConn(context.Background(), ":memory:", nil)
	if err != nil {
		b.Fatal(err)
	}
	err = c.Run(context.Background(), func(sc *sqlite.Conn) error {
		if err := sc.Exec(mbSchema); err != nil {
			return err
		}
		return mbInsertRows(sc, 1, rows)
	})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func mbConnPoint(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	c := mbConn(b, cfg.rows)
	defer c.Close()
	ctx := context.Background()
	var id, got int64
	var name string
	var score float64
	var data []byte
	clock.Start(b)
	for b.Loop() {
		id = id*7919%int64(cfg.rows) + 1
		if err := c.QueryRow(ctx, mbPoint, id).Scan(&got, &name, &score, &data); err != nil || got != id {
			b.Fatalf("row %d: %v", id, err)
		}
	}
}

func mbConnPointParallel(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	c := mbConn(b, cfg.rows)
	defer c.Close()
	ctx := context.Background()
	clock.Start(b)
	b.RunParallel(func(pb *testing.PB) {
		var id, got int64
		for pb.Next() {
			id = id*7919%int64(cfg.rows) + 1
			if err := c.QueryRow(ctx, mbPoint, id).Scan(&got, new(string), new(float64), new([]byte)); err != nil || got != id {
				b.Errorf("row %d: %v", id, err)
				return
			}
		}
	})
}

func mbConnStream(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	c := mbConn(b, cfg.rows)
	defer c.Close()
	ctx := context.Background()
	clock.Start(b)
	for b.Loop() {
		n := 0
		for r, err := range c.Query(ctx, mbScan) {
			if err != nil {
				b.Fatal(err)
			}
			_ = r.Int64(0)
			_ = r.Text(1)
			_ = r.Float(2)
			_ = r.Bytes(3)
			n++
		}
		if n != cfg.rows {
			b.Fatalf("streamed %d rows, want %d", n, cfg.rows)
		}
	}
}

func mbConnExec(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	c := mbConn(b, 0)
	defer c.Close()
	ctx := context.Background()
	data := make([]byte, 16)
	i := int64(0)
	clock.Start(b)
	for b.Loop() {
		i++
		if _, err := c.Exec(ctx, mbInsert, i, "user-name", 1.5, data); err != nil {
			b.Fatal(err)
		}
	}
}

func mbConnTx(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	c := mbConn(b, 0)
	defer c.Close()
	ctx := context.Background()
	data := make([]byte, 16)
	i := int64(0)
	clock.Start(b)
	for b.Loop() {
		i++
		err := c.Tx(ctx, func(tx *asqlite.Tx) error {
			_, err := tx.Exec(ctx, mbInsert, i, "user-name", 1.5, data)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// mbDB opens an asqlite.DB on a new file in cfg.dir with table t holding
// rows rows.
func mbDB(b *testing.B, cfg *benchConfig, rows int) *asqlite.DB {
	dir, err := os.MkdirTemp(cfg.dir, "db-")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := asqlite.Open(ctx, filepath.Join(dir, "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.Close()
		os.RemoveAll(dir)
	})
	_, err = db.Exec(ctx, mbSchema)
	if err == nil && rows > 0 {
		err = db.Write(ctx, func(c *sqlite.Conn) error {
			s, err := c.Prepare(mbInsert)
			if err != nil {
				return err
			}
			defer s.Close()
			data := make([]byte, 16)
			for i := 1; i <= rows; i++ {
				if err := s.Exec(int64(i), "user-"+strconv.Itoa(i), float64(i)*0.5, data); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		b.Fatal(err)
	}
	return db
}

func mbDBPoint(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	db := mbDB(b, cfg, cfg.rows)
	ctx := context.Background()
	var id, got int64
	var name string
	var score float64
	var data []byte
	clock.Start(b)
	for b.Loop() {
		id = id*7919%int64(cfg.rows) + 1
		if err := db.QueryRow(ctx, mbPoint, id).Scan(&got, &name, &score, &data); err != nil || got != id {
			b.Fatalf("row %d: %v", id, err)
		}
	}
}

func mbDBExec(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	db := mbDB(b, cfg, 0)
	ctx := context.Background()
	data := make([]byte, 16)
	i := int64(0)
	clock.Start(b)
	for b.Loop() {
		i++
		if _, err := db.Exec(ctx, mbInsert, i, "user-name", 1.5, data); err != nil {
			b.Fatal(err)
		}
	}
}

func mbDBExecParallel(b *testing.B, cfg *benchConfig, clock *cpuClock) {
	db := mbDB(b, cfg, 0)
	ctx := context.Background()
	var next sync.Mutex
	i := int64(0)
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	clock.Start(b)
	b.RunParallel(func(pb *testing.PB) {
		data := make([]byte, 16)
		for pb.Next() {
			next.Lock()
			i++
			id := i
			next.Unlock()
			if _, err := db.Exec(ctx, mbInsert, id, "user-name", 1.5, data); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
