package asqlite

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// Benchmarks of Conn against the bare binding. Run them with
//
//	go test -run '^$' -bench . -benchtime 2s .
//
// The numbers that matter are reported as metrics: extra-ns/op (Conn's cost
// over a bare sqlite.Conn for one point query), ns/row and ratio for
// streaming, p99 latencies for cancellation and deadlines.

const pointQuery = "SELECT v FROM t WHERE id = ?"

func setupPoint(b *testing.B, exec func(string) error) {
	b.Helper()
	if err := exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER);" +
		"INSERT INTO t " + "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000) SELECT i, i*2 FROM n"); err != nil {
		b.Fatal(err)
	}
}

func bareQuery(b *testing.B, sc *sqlite.Conn, id int64) int64 {
	s, err := sc.Prep(pointQuery)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.BindInt64(1, id); err != nil {
		b.Fatal(err)
	}
	if ok, err := s.Step(); !ok || err != nil {
		b.Fatal("no row", err)
	}
	v := s.ColumnInt64(0)
	s.Close()
	return v
}

// BenchmarkPointQuery measures one point query by primary key through a
// bare sqlite.Conn and through Conn.QueryRow(...).Scan, and reports the
// difference as extra-ns/op.
func BenchmarkPointQuery(b *testing.B) {
	sc, err := sqlite.Open(":memory:", 0)
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	setupPoint(b, func(q string) error { return sc.Exec(q) })
	c, err := OpenConn(context.Background(), ":memory:", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	setupPoint(b, func(q string) error { _, err := c.Exec(context.Background(), q); return err })
	ctx := context.Background()

	var bare, conn, bareCPU, connCPU time.Duration
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		start, cpu0 := time.Now(), cpuTime()
		for i := range b.N {
			if v := bareQuery(b, sc, int64(i%1000+1)); v != int64(i%1000+1)*2 {
				b.Fatal("wrong value", v)
			}
		}
		bare = time.Since(start) / time.Duration(b.N)
		bareCPU = (cpuTime() - cpu0) / time.Duration(b.N)
		b.ReportMetric(float64(bareCPU), "cpu-ns/op")
	})
	b.Run("conn", func(b *testing.B) {
		b.ReportAllocs()
		start, cpu0 := time.Now(), cpuTime()
		var v int64
		for i := range b.N {
			if err := c.QueryRow(ctx, pointQuery, i%1000+1).Scan(&v); err != nil || v != int64(i%1000+1)*2 {
				b.Fatal("wrong value", v, err)
			}
		}
		conn = time.Since(start) / time.Duration(b.N)
		connCPU = (cpuTime() - cpu0) / time.Duration(b.N)
		b.ReportMetric(float64(conn-bare), "extra-ns/op")
		b.ReportMetric(float64(connCPU), "cpu-ns/op")
		b.ReportMetric(float64(connCPU-bareCPU), "extra-cpu-ns/op")
	})
	b.Run("conn-parallel", func(b *testing.B) {
		// Many goroutines sharing the Conn: the per-call cost when calls queue.
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var v int64
			i := 0
			for pb.Next() {
				i++
				if err := c.QueryRow(ctx, pointQuery, i%1000+1).Scan(&v); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkPointQueryWAL is BenchmarkPointQuery on a database file in WAL
// mode, where each query also takes and releases a read snapshot of the
// WAL: the setting SPEC's Conn overhead refers to. bare and conn are two
// connections to the same file.
func BenchmarkPointQueryWAL(b *testing.B) {
	path := filepath.Join(b.TempDir(), "point.db")
	sc, err := sqlite.Open(path, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	if err := sc.Exec("PRAGMA journal_mode=WAL"); err != nil {
		b.Fatal(err)
	}
	setupPoint(b, func(q string) error { return sc.Exec(q) })
	c, err := OpenConn(context.Background(), path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	var bareCPU time.Duration
	b.Run("bare", func(b *testing.B) {
		cpu0 := cpuTime()
		for i := range b.N {
			if v := bareQuery(b, sc, int64(i%1000+1)); v != int64(i%1000+1)*2 {
				b.Fatal("wrong value", v)
			}
		}
		bareCPU = (cpuTime() - cpu0) / time.Duration(b.N)
		b.ReportMetric(float64(bareCPU), "cpu-ns/op")
	})
	b.Run("conn", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuTime()
		var v int64
		for i := range b.N {
			if err := c.QueryRow(ctx, pointQuery, i%1000+1).Scan(&v); err != nil || v != int64(i%1000+1)*2 {
				b.Fatal("wrong value", v, err)
			}
		}
		connCPU := (cpuTime() - cpu0) / time.Duration(b.N)
		b.ReportMetric(float64(connCPU), "cpu-ns/op")
		b.ReportMetric(float64(connCPU-bareCPU), "extra-cpu-ns/op")
	})
}

// streamRows is the size of the streaming benchmark's table.
const streamRows = 1_000_000

var streamDB struct {
	once sync.Once
	path string
	err  error
}

// streamPath returns a database file holding t(id, name, score) with
// streamRows rows, made once per test binary run.
func streamPath(b *testing.B) string {
	streamDB.once.Do(func() {
		dir, err := os.MkdirTemp("", "asqlite-bench-")
		if err != nil {
			streamDB.err = err
			return
		}
		streamDB.path = filepath.Join(dir, "stream.db")
		sc, err := sqlite.Open(streamDB.path, 0)
		if err != nil {
			streamDB.err = err
			return
		}
		defer sc.Close()
		streamDB.err = sc.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL);"+
			"INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ?) "+
			"SELECT i, 'name-' || i, i * 0.5 FROM n", streamRows)
	})
	if streamDB.err != nil {
		b.Fatal(streamDB.err)
	}
	return streamDB.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if streamDB.path != "" {
		os.RemoveAll(filepath.Dir(streamDB.path))
	}
	os.Exit(code)
}

const streamQuery = "SELECT id, name, score FROM t"

// BenchmarkStream reads every row of a 1M-row table (an integer, a short
// text and a float per row), stepping a bare statement and ranging over
// Conn.Query, and reports ns/row, the ratio of the two, and the largest
// live heap seen while streaming (it does not grow with the row count).
func BenchmarkStream(b *testing.B) {
	path := streamPath(b)
	var bareNs, bareCPU float64
	b.Run("bare", func(b *testing.B) {
		sc, err := sqlite.Open(path, sqlite.OpenReadOnly)
		if err != nil {
			b.Fatal(err)
		}
		defer sc.Close()
		b.ReportAllocs()
		b.ResetTimer()
		var heap heapWatch
		cpu0 := cpuTime()
		for range b.N {
			n := 0
			for s, err := range sc.Query(streamQuery) {
				if err != nil {
					b.Fatal(err)
				}
				consume(s.ColumnInt64(0), s.ColumnText(1), s.ColumnFloat(2))
				n++
				heap.sample(n)
			}
			if n != streamRows {
				b.Fatal("rows", n)
			}
		}
		bareNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N*streamRows)
		bareCPU = float64(cpuTime()-cpu0) / float64(b.N*streamRows)
		b.ReportMetric(bareNs, "ns/row")
		b.ReportMetric(bareCPU, "cpu-ns/row")
		b.ReportMetric(heap.maxMB(), "max-heap-MB")
	})
	for _, batch := range []int{64, 256} {
		b.Run("conn-batch"+itoa(batch), func(b *testing.B) {
			c, err := OpenConn(context.Background(), path, &ConnOptions{Flags: sqlite.OpenReadOnly, BatchSize: batch})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			var heap heapWatch
			cpu0 := cpuTime()
			for range b.N {
				n := 0
				for row, err := range c.Query(ctx, streamQuery) {
					if err != nil {
						b.Fatal(err)
					}
					consume(row.Int64(0), row.Text(1), row.Float(2))
					n++
					heap.sample(n)
				}
				if n != streamRows {
					b.Fatal("rows", n)
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N*streamRows)
			cpu := float64(cpuTime()-cpu0) / float64(b.N*streamRows)
			b.ReportMetric(ns, "ns/row")
			b.ReportMetric(cpu, "cpu-ns/row")
			if bareNs > 0 {
				b.ReportMetric(ns/bareNs, "ratio")
				b.ReportMetric(cpu/bareCPU, "cpu-ratio")
			}
			b.ReportMetric(heap.maxMB(), "max-heap-MB")
		})
	}
}

var sink struct {
	n int64
	s string
	f float64
}

func consume(n int64, s string, f float64) { sink.n, sink.s, sink.f = n, s, f }

// heapWatch samples the live heap every 100,000 rows.
type heapWatch struct{ max uint64 }

func (h *heapWatch) sample(n int) {
	if n%100_000 != 0 {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.max = max(h.max, ms.HeapInuse)
}

func (h *heapWatch) maxMB() float64 { return float64(h.max) / (1 << 20) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// BenchmarkCancelQueued measures how long a queued call takes to return
// after its context is cancelled, while the worker is busy with another
// call. It reports the median and the 99th percentile.
func BenchmarkCancelQueued(b *testing.B) {
	c, err := OpenConn(context.Background(), ":memory:", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	release := hold(b, c)
	defer release()
	queued := make(chan struct{}, 1)
	f := func() { queued <- struct{}{} }
	c.queuedHook.Store(&f)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error)
		var returned time.Time
		go func() {
			_, err := c.Exec(ctx, "SELECT 1")
			returned = time.Now()
			errc <- err
		}()
		<-queued
		start := time.Now()
		cancel()
		if err := <-errc; err == nil {
			b.Fatal("queued call was not cancelled")
		}
		lat = append(lat, returned.Sub(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds()), "p99-µs")
}

// BenchmarkDeadlineOvershoot runs CPU-bound SQL (an endless recursive
// query) 100 times with a 5 ms deadline and reports, at the 99th
// percentile, how late after the deadline the call returned
// (p99-return-ms) and how late the connection was free again, measured by
// the end of a trivial call queued behind it (p99-free-ms).
func BenchmarkDeadlineOvershoot(b *testing.B) {
	c, err := OpenConn(context.Background(), ":memory:", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	const runs = 100
	var ret, free []time.Duration
	for range b.N {
		for range runs {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
			deadline, _ := ctx.Deadline()
			_, err := c.Exec(ctx, forever+"SELECT count(*) FROM n")
			returned := time.Now()
			cancel()
			if err == nil {
				b.Fatal("endless query ended")
			}
			if _, err := c.Exec(context.Background(), "SELECT 1"); err != nil {
				b.Fatal(err)
			}
			ret = append(ret, returned.Sub(deadline))
			free = append(free, time.Since(deadline))
		}
	}
	b.ReportMetric(float64(percentile(ret, 99).Microseconds())/1000, "p99-return-ms")
	b.ReportMetric(float64(percentile(free, 99).Microseconds())/1000, "p99-free-ms")
}

// cpuTime returns the CPU time (user and system) the process has used. On
// a loaded machine it is a steadier measure of work than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}
