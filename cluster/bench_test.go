package cluster

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canonical/go-dqlite/client"
	"github.com/canonical/go-dqlite/driver"
)

// benchWriters is how many goroutines write at once.
const benchWriters = 64

// BenchmarkCluster starts three node processes on 127.0.0.1 and measures,
// on the same nodes, 64 writers making single-row INSERTs through cluster
// (group commit) and through dqlite's own database/sql driver (autocommit),
// reporting commits/s and the p99 latency of a write. b.N is the number of
// writes (-benchtime 3000x or so).
func BenchmarkCluster(b *testing.B) {
	_, addrs := startCluster(b)
	ctx := context.Background()
	db, err := Open(ctx, "bench", &Options{Cluster: addrs})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE TABLE t(k INTEGER, v TEXT)"); err != nil {
		b.Fatal(err)
	}

	b.Run("writers=64/cluster", func(b *testing.B) {
		benchWrites(b, func(k int64) error {
			_, err := db.Exec(ctx, "INSERT INTO t VALUES(?, 'cluster')", k)
			return err
		})
	})

	b.Run("writers=64/dqlite-driver-autocommit", func(b *testing.B) {
		store := client.NewInmemNodeStore()
		infos := make([]client.NodeInfo, len(addrs))
		for i, a := range addrs {
			infos[i] = client.NodeInfo{Address: a}
		}
		store.Set(ctx, infos)
		drv, err := driver.New(store, driver.WithLogFunc(logFunc(nil)))
		if err != nil {
			b.Fatal(err)
		}
		conn, _ := drv.OpenConnector("bench")
		sdb := sql.OpenDB(conn)
		defer sdb.Close()
		// dqlite does not queue writers: a second connection writing at
		// the same time fails with "database is locked". One connection
		// serializes the 64 writers in database/sql's pool instead.
		sdb.SetMaxOpenConns(1)
		benchWrites(b, func(k int64) error {
			_, err := sdb.ExecContext(ctx, "INSERT INTO t VALUES(?, 'driver')", k)
			return err
		})
	})

}

// BenchmarkFailover starts three node processes on 127.0.0.1, runs 64
// writers through cluster and kills the leader b.N times (run it with
// -benchtime 3x), reporting the mean time from the kill to the first
// acknowledged write that was sent after it.
func BenchmarkFailover(b *testing.B) {
	procs, addrs := startCluster(b)
	ctx := context.Background()
	db, err := Open(ctx, "bench", &Options{Cluster: addrs})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE TABLE t(k INTEGER, v TEXT)"); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	var total time.Duration
	for range b.N {
		total += benchFailover(b, db, procs, addrs)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/failover")
}

// benchWrites runs b.N writes from benchWriters goroutines and reports
// commits/s and the p99 latency of a write.
func benchWrites(b *testing.B, write func(k int64) error) {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		lats []time.Duration
	)
	b.ResetTimer()
	start := time.Now()
	for range benchWriters {
		wg.Go(func() {
			var mine []time.Duration
			for {
				k := next.Add(1)
				if k > int64(b.N) {
					break
				}
				t0 := time.Now()
				if err := write(k); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lats)
	if len(lats) > 0 {
		b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "commits/s")
		b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// benchFailover kills the leader while 64 writers run and returns the time
// until the first acknowledged write sent after the kill; the killed node
// is restarted before it returns.
func benchFailover(b *testing.B, db *DB, procs []*proc, addrs []string) time.Duration {
	ctx := context.Background()
	var (
		killedAt atomic.Int64 // unix nanoseconds, 0 before the kill
		first    = make(chan time.Time, 1)
		stop     = make(chan struct{})
		started  = make(chan struct{}, benchWriters)
		wg       sync.WaitGroup
	)
	for range benchWriters {
		wg.Go(func() {
			started <- struct{}{}
			for k := int64(0); ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				sent := time.Now()
				wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				_, err := db.Exec(wctx, "INSERT INTO t VALUES(?, 'failover')", k)
				cancel()
				if err == nil {
					if at := killedAt.Load(); at != 0 && sent.UnixNano() > at {
						select {
						case first <- time.Now():
						default:
						}
					}
				}
			}
		})
	}
	for range benchWriters {
		<-started
	}
	i := leaderIndex(b, db, addrs)
	b.StartTimer()
	killed := time.Now()
	killedAt.Store(killed.UnixNano())
	procs[i].kill()
	got := <-first
	b.StopTimer()
	close(stop)
	wg.Wait()
	procs[i] = startProc(b, procs[i].dir, addrs[i], nil)
	return got.Sub(killed)
}

// leaderIndex returns the index in addrs of the current leader.
func leaderIndex(tb testing.TB, db *DB, addrs []string) int {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		nodes, err := db.Nodes(ctx)
		if err == nil {
			for _, n := range nodes {
				if n.Leader {
					if i := slices.Index(addrs, n.Address); i >= 0 {
						return i
					}
				}
			}
		}
		if ctx.Err() != nil {
			tb.Fatalf("no leader: %v", err)
		}
	}
}
