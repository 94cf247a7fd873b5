package bench

// Concurrency workloads, every library in its concurrent setup:
//
//	writes-full    64 goroutines commit single-row INSERT transactions as
//	               fast as they can for WriteTime, synchronous=FULL
//	writes-normal  the same with synchronous=NORMAL
//	readlat        point reads by primary key from ReadLatReaders goroutines,
//	               each paced at one read per ReadLatInterval, while 16
//	               goroutines keep the writer saturated with single-row
//	               inserts; the read latency percentiles
//
// A commit counts when the call that made it returned without error; after
// the run the table must hold exactly that many rows (nothing lost, nothing
// applied twice).

import (
	"sync"
	"sync/atomic"
	"time"
)

// WriteTime is how long each concurrency workload runs.
var WriteTime = time.Second

// ReadLatReaders is the number of reading goroutines in readlat, and
// ReadLatInterval the pace of each: paced reads leave the CPU to the
// writers, which then saturate the writer as they would without readers.
const (
	ReadLatReaders  = 2
	ReadLatInterval = 200 * time.Microsecond
)

func init() {
	addWorkloads(
		Workload{Name: "writes-full", Group: "concurrency", Base: "asqlite.DB", Only: concLibs(),
			Score: "commits/s", HigherBetter: true,
			Doc:     "64 goroutines committing single-row INSERT transactions, WAL, synchronous=FULL",
			Prepare: func(l Lib, s Size) (func(*M) error, func(), error) { return prepareWrites(l, s, "FULL") }},
		Workload{Name: "writes-normal", Group: "concurrency", Base: "asqlite.DB", Only: concLibs(),
			Score: "commits/s", HigherBetter: true,
			Doc:     "the same, synchronous=NORMAL",
			Prepare: func(l Lib, s Size) (func(*M) error, func(), error) { return prepareWrites(l, s, "NORMAL") }},
		Workload{Name: "readlat", Group: "concurrency", Base: "asqlite.DB", Only: concLibs(),
			Score:   "p99_us",
			Doc:     "point-read latency of 2 reading goroutines while 16 goroutines saturate the writer with single-row inserts (WAL, NORMAL)",
			Prepare: prepareReadLat},
	)
}

func prepareWrites(l Lib, s Size, syncMode string) (func(*M) error, func(), error) {
	op := func(m *M) error {
		c, done, err := openConc(l, s, "writes", syncMode)
		if err != nil {
			return err
		}
		defer done()
		if err := c.Exec("CREATE TABLE w (id INTEGER PRIMARY KEY, g INTEGER NOT NULL, n INTEGER NOT NULL)"); err != nil {
			return err
		}
		var commits, errs atomic.Int64
		var elapsed time.Duration
		if err := m.Time("", func() error {
			stop := time.Now().Add(WriteTime)
			var wg sync.WaitGroup
			t0 := time.Now()
			for g := range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; time.Now().Before(stop); n++ {
						if err := c.Exec("INSERT INTO w (g, n) VALUES (?, ?)", g, n); err != nil {
							errs.Add(1)
						} else {
							commits.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			elapsed = time.Since(t0)
			return nil
		}); err != nil {
			return err
		}
		rows, err := c.QueryInt("SELECT COUNT(*) FROM w")
		if err != nil {
			return err
		}
		if rows != commits.Load() {
			return errorf("%s: %d commits acknowledged, %d rows in the table", l.Name, commits.Load(), rows)
		}
		m.Metric("commits/s", float64(commits.Load())/elapsed.Seconds())
		m.Metric("errors", float64(errs.Load()))
		return nil
	}
	return op, func() {}, nil
}

func prepareReadLat(l Lib, s Size) (func(*M) error, func(), error) {
	const rows = 10_000
	op := func(m *M) error {
		c, done, err := openConc(l, s, "readlat", "NORMAL")
		if err != nil {
			return err
		}
		defer done()
		if err := c.Exec(SchemaT); err != nil {
			return err
		}
		if err := c.Exec("CREATE TABLE w (id INTEGER PRIMARY KEY, g INTEGER NOT NULL, n INTEGER NOT NULL)"); err != nil {
			return err
		}
		if err := c.Write(func(w Writer) error { return w.InsertT(1, rows) }); err != nil {
			return err
		}
		var writes, reads, errs atomic.Int64
		lat := make([]Latencies, ReadLatReaders)
		var elapsed time.Duration
		if err := m.Time("", func() error {
			stop := time.Now().Add(WriteTime)
			var wg sync.WaitGroup
			t0 := time.Now()
			for g := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; time.Now().Before(stop); n++ {
						if err := c.Exec("INSERT INTO w (g, n) VALUES (?, ?)", g, n); err != nil {
							errs.Add(1)
						} else {
							writes.Add(1)
						}
					}
				}()
			}
			for r := range ReadLatReaders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := int64(r)
					tick := time.NewTicker(ReadLatInterval)
					defer tick.Stop()
					for time.Now().Before(stop) {
						<-tick.C
						id = id*7919%rows + 1
						t := time.Now()
						v, err := c.QueryInt("SELECT id FROM t WHERE id = ?", id)
						lat[r] = append(lat[r], time.Since(t))
						if err != nil || v != id {
							errs.Add(1)
						} else {
							reads.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			elapsed = time.Since(t0)
			return nil
		}); err != nil {
			return err
		}
		var all Latencies
		for _, l := range lat {
			all = append(all, l...)
		}
		us := func(d time.Duration) float64 { return float64(d) / 1e3 }
		m.Metric("p50_us", us(all.Percentile(50)))
		m.Metric("p99_us", us(all.Percentile(99)))
		m.Metric("max_us", us(all.Percentile(100)))
		m.Metric("reads/s", float64(reads.Load())/elapsed.Seconds())
		m.Metric("writes/s", float64(writes.Load())/elapsed.Seconds())
		m.Metric("errors", float64(errs.Load()))
		return nil
	}
	return op, func() {}, nil
}
