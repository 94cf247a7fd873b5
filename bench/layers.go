package bench

// Workloads of asqlite's concurrent layers alone (asqlite.Conn, and
// asqlite.DB once it exists), for the numbers SPEC §3 sets on them:
//
//	cancel    a call queued behind a busy worker has its context
//	          cancelled: time from cancel() to the caller's return
//	deadline  CPU-bound SQL (an endless recursive query) under a 5 ms
//	          deadline: how late the caller gets its error
//	memory    peak live heap while streaming a tenth of t and all of t
//	          through Query: it must not grow with the row count
//	queue     (asqlite.DB) 100,000 goroutines each queue one insert at
//	          once: the goroutines the DB adds (none per queued write
//	          beyond the caller's own), the peak heap and queue depth

import (
	"context"
	"errors"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite"
)

// asyncLayer is what asqlite's concurrent layers offer these workloads.
type asyncLayer interface {
	// Block occupies the worker (the writer, for DB) until release is
	// closed, closing started once it runs.
	Block(started chan<- struct{}, release <-chan struct{}) error
	// Queued makes a short call with ctx that queues behind Block.
	Queued(ctx context.Context) error
	// Spin runs CPU-bound SQL that only ctx ends, and returns its error.
	Spin(ctx context.Context) error
	// Stream iterates the first n rows of t (n < 0: all), calling f
	// with each row's number.
	Stream(n int, f func(i int)) error
}

// SpinSQL never ends on its own.
const SpinSQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"

const layerRuns = 100

func init() {
	only := []string{"asqlite.Conn", "asqlite.DB"}
	addWorkloads(
		Workload{Name: "cancel", Group: "asqlite", Base: "asqlite.Conn", Only: only, Score: "p99_us",
			Doc:     "a call queued behind a busy worker is cancelled: time from cancel() to its return (100 runs)",
			Prepare: prepareCancel},
		Workload{Name: "deadline", Group: "asqlite", Base: "asqlite.Conn", Only: only, Score: "p99_us",
			Doc:     "CPU-bound SQL under a 5 ms context deadline: how late the caller gets the error (100 runs)",
			Prepare: prepareDeadline},
		Workload{Name: "memory", Group: "asqlite", Base: "asqlite.Conn", Only: only, Score: "full_MiB",
			Doc:     "peak live heap while streaming N/10 and N rows of t through Query",
			Prepare: prepareMemory},
		Workload{Name: "queue", Group: "asqlite", Base: "asqlite.DB", Only: []string{"asqlite.DB"}, Score: "extra_goroutines",
			Doc:     "100,000 goroutines each queue one insert at once (queue limit 1024): goroutines added by the DB, peak heap, peak queue depth",
			Prepare: prepareQueue},
	)
}

func layerOf(l Lib, path string, cfg Config) (Conn, asyncLayer, error) {
	c, err := l.Open(path, cfg)
	if err != nil {
		return nil, nil, err
	}
	a, ok := c.(asyncLayer)
	if !ok {
		c.Close()
		return nil, nil, errorf("%s has no async layer", l.Name)
	}
	return c, a, nil
}

func usOf(d time.Duration) float64 { return float64(d) / 1e3 }

func prepareCancel(l Lib, s Size) (func(*M) error, func(), error) {
	c, a, err := layerOf(l, ":memory:", Config{})
	if err != nil {
		return nil, nil, err
	}
	op := func(m *M) error {
		var lat Latencies
		for range layerRuns {
			started, release := make(chan struct{}), make(chan struct{})
			blocked := make(chan error, 1)
			go func() { blocked <- a.Block(started, release) }()
			<-started
			ctx, cancel := context.WithCancel(context.Background())
			returned := make(chan time.Time, 1)
			var qerr error
			go func() {
				qerr = a.Queued(ctx)
				returned <- time.Now()
			}()
			// Let the call reach the queue. (A benchmark may wait; there is
			// nothing to observe from outside that says it is queued.)
			time.Sleep(200 * time.Microsecond)
			t0 := time.Now()
			cancel()
			t1 := <-returned
			close(release)
			if err := <-blocked; err != nil {
				return err
			}
			if !errors.Is(qerr, context.Canceled) {
				return errorf("%s: the cancelled call returned %v", l.Name, qerr)
			}
			lat = append(lat, t1.Sub(t0))
		}
		m.Metric("p50_us", usOf(lat.Percentile(50)))
		m.Metric("p99_us", usOf(lat.Percentile(99)))
		m.Metric("max_us", usOf(lat.Percentile(100)))
		return nil
	}
	return op, func() { c.Close() }, nil
}

func prepareDeadline(l Lib, s Size) (func(*M) error, func(), error) {
	c, a, err := layerOf(l, ":memory:", Config{})
	if err != nil {
		return nil, nil, err
	}
	op := func(m *M) error {
		var lat Latencies
		for range layerRuns {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
			dl, _ := ctx.Deadline()
			err := a.Spin(ctx)
			late := time.Since(dl)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				return errorf("%s: the spinning query returned %v", l.Name, err)
			}
			lat = append(lat, late)
		}
		m.Metric("p50_us", usOf(lat.Percentile(50)))
		m.Metric("p99_us", usOf(lat.Percentile(99)))
		m.Metric("max_us", usOf(lat.Percentile(100)))
		return nil
	}
	return op, func() { c.Close() }, nil
}

func prepareMemory(l Lib, s Size) (func(*M) error, func(), error) {
	rows := s.N(DefaultTN)
	c, a, err := layerOf(l, ":memory:", Config{})
	if err != nil {
		return nil, nil, err
	}
	if err := c.Exec(SchemaT); err == nil {
		err = c.Write(func(w Writer) error { return w.InsertT(1, int64(rows)) })
	}
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	peak := func(n int) (float64, error) {
		every := max(1, n/20)
		var top uint64
		var ms runtime.MemStats
		seen := 0
		err := a.Stream(n, func(i int) {
			seen++
			if i%every == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				top = max(top, ms.HeapAlloc)
			}
		})
		if err == nil && seen != n {
			err = errorf("%s: streamed %d rows, want %d", l.Name, seen, n)
		}
		return float64(top) / (1 << 20), err
	}
	op := func(m *M) error {
		small, err := peak(rows / 10)
		if err != nil {
			return err
		}
		full, err := peak(rows)
		if err != nil {
			return err
		}
		m.Metric("tenth_MiB", small)
		m.Metric("full_MiB", full)
		return nil
	}
	return op, func() { c.Close() }, nil
}

// QueueWriters is the number of goroutines of the queue workload.
const QueueWriters = 100_000

func prepareQueue(l Lib, s Size) (func(*M) error, func(), error) {
	writers := s.N(QueueWriters)
	op := func(m *M) error {
		c, done, err := openConc(l, s, "queue", "NORMAL")
		if err != nil {
			return err
		}
		defer done()
		st, ok := c.(interface{ Stats() asqlite.Stats })
		if !ok {
			return errorf("%s has no Stats", l.Name)
		}
		if err := c.Exec("CREATE TABLE q (id INTEGER PRIMARY KEY, g INTEGER NOT NULL)"); err != nil {
			return err
		}
		runtime.GC()
		samples := []metrics.Sample{
			{Name: "/sched/goroutines:goroutines"},
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/heap/stacks:bytes"},
		}
		metrics.Read(samples)
		g0, heap0, stack0 := samples[0].Value.Uint64(), samples[1].Value.Uint64(), samples[2].Value.Uint64()
		var peakHeap, peakStack uint64
		var callers atomic.Int64 // caller goroutines alive
		peakExtra, peakDepth := int64(0), 0
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() { // the sampler: one goroutine, counted below
			defer close(sampled)
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				alive := callers.Load()
				metrics.Read(samples)
				// Goroutines beyond the callers alive, the sampler and those
				// there before: the DB's own (callers that start or end
				// between the two reads blur this by a few).
				peakExtra = max(peakExtra, int64(samples[0].Value.Uint64())-int64(g0)-alive-1)
				peakHeap = max(peakHeap, samples[1].Value.Uint64())
				peakStack = max(peakStack, samples[2].Value.Uint64())
				peakDepth = max(peakDepth, st.Stats().QueueDepth)
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		var errs atomic.Int64
		err = m.Time("", func() error {
			var wg sync.WaitGroup
			start := make(chan struct{})
			for g := range writers {
				wg.Add(1)
				callers.Add(1)
				go func() {
					defer wg.Done()
					defer callers.Add(-1)
					<-start
					if err := c.Exec("INSERT INTO q (g) VALUES (?)", g); err != nil {
						errs.Add(1)
					}
				}()
			}
			close(start)
			wg.Wait()
			return nil
		})
		close(stop)
		<-sampled
		if err != nil {
			return err
		}
		n, err := c.QueryInt("SELECT count(*) FROM q")
		if err != nil {
			return err
		}
		if n != int64(writers)-errs.Load() {
			return errorf("%s: %d rows for %d acknowledged writes", l.Name, n, int64(writers)-errs.Load())
		}
		stats := st.Stats()
		mib := func(b uint64) float64 { return float64(b) / (1 << 20) }
		m.Metric("extra_goroutines", float64(peakExtra))
		m.Metric("peak_heap_MiB", mib(peakHeap-min(peakHeap, heap0)))
		m.Metric("peak_stacks_MiB", mib(peakStack-min(peakStack, stack0)))
		m.Metric("peak_queue", float64(peakDepth))
		m.Metric("queue_limit", float64(stats.QueueCapacity))
		m.Metric("errors", float64(errs.Load()))
		return nil
	}
	return op, func() {}, nil
}
