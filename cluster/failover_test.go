package cluster

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/canonical/go-dqlite/client"
)

// TestFailover runs 64 writers and a reader against three node processes
// and kills the leader with SIGKILL three times: no acknowledged write may
// be lost or applied twice, no read may fail or see fewer rows than the one
// before, reads must see every acknowledged write, and each killed node
// must rejoin (the last one is made leader and serves the final reads).
func TestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three node processes")
	}
	t.Cleanup(leakcheck.Check(t))
	procs, addrs := startCluster(t)
	ctx := context.Background()
	octx, ocancel := context.WithTimeout(ctx, time.Minute)
	// Reads wait out an election rather than fail at the default 1s limit.
	db, err := Open(octx, "test", &Options{Cluster: addrs, ReadTimeLimit: 30 * time.Second})
	ocancel()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE TABLE t(k INTEGER NOT NULL, g INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}

	const writers = 64
	var (
		stop     = make(chan struct{})
		progress = make(chan struct{}, 1024)
		wg       sync.WaitGroup
		mu       sync.Mutex
		acked    = map[int64]bool{}
		unknown  atomic.Int64
		failures = make(chan error, writers+1)
	)
	for g := range writers {
		wg.Go(func() {
			for i := int64(0); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := int64(g)<<32 | i
				wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				_, err := db.Exec(wctx, "INSERT INTO t(k, g) VALUES(?, ?)", k, g)
				cancel()
				switch {
				case err == nil:
					mu.Lock()
					acked[k] = true
					mu.Unlock()
					select {
					case progress <- struct{}{}:
					default:
					}
				case errors.Is(err, ErrOutcomeUnknown):
					unknown.Add(1)
				default:
					failures <- fmt.Errorf("writer %d: %w", g, err)
					return
				}
			}
		})
	}
	// A reader through the kills: its reads must not fail, nor go back in
	// time (the new leader has every write the old one acknowledged).
	wg.Go(func() {
		last := 0
		for {
			select {
			case <-stop:
				return
			default:
			}
			var n int
			if err := db.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
				failures <- fmt.Errorf("reader: %w", err)
				return
			}
			if n < last {
				failures <- fmt.Errorf("reader: %d rows after %d", n, last)
				return
			}
			last = n
		}
	})
	// waitAcks waits for n more acknowledged writes, or a failure.
	waitAcks := func(n int) {
		t.Helper()
		for range n {
			select {
			case <-progress:
			case err := <-failures:
				close(stop)
				wg.Wait()
				t.Fatal(err)
			}
		}
	}

	waitAcks(200)
	var last int
	for trial := range 3 {
		i := leaderIndex(t, db, addrs)
		procs[i].kill()
		killed := time.Now()
		// Drain what was acknowledged before the kill, then wait for new
		// acknowledgements from the new leader.
		for len(progress) > 0 {
			<-progress
		}
		waitAcks(200)
		t.Logf("trial %d: killed leader %s, writes flowing again %v later", trial, addrs[i], time.Since(killed).Round(time.Millisecond))
		procs[i] = startProc(t, procs[i].dir, addrs[i], nil)
		waitAcks(200)
		last = i
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-failures:
		t.Fatal(err)
	default:
	}

	// The last killed node rejoined: make it the leader, so that it serves
	// the reads below.
	transferTo(t, addrs, addrs[last])
	if got := leaderIndex(t, db, addrs); got != last {
		t.Fatalf("leader is %s, want the restarted %s", addrs[got], addrs[last])
	}

	counts := map[int64]int{}
	for r, err := range db.Query(ctx, "SELECT k, count(*) FROM t GROUP BY k") {
		if err != nil {
			t.Fatal(err)
		}
		counts[r.Int64(0)] = r.Int(1)
	}
	lost, twice := 0, 0
	for k := range acked {
		if counts[k] == 0 {
			lost++
		}
	}
	for _, n := range counts {
		if n > 1 {
			twice++
		}
	}
	t.Logf("%d writes acknowledged, %d with an unknown outcome, %d rows; writer: %+v", len(acked), unknown.Load(), len(counts), db.Stats())
	if lost > 0 || twice > 0 {
		t.Fatalf("%d acknowledged writes lost, %d applied twice", lost, twice)
	}
}

// transferTo makes the node at addr the leader, trying again while the
// node catches up with the log.
func transferTo(t *testing.T, addrs []string, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store := client.NewInmemNodeStore()
	infos := make([]client.NodeInfo, len(addrs))
	for i, a := range addrs {
		infos[i] = client.NodeInfo{Address: a}
	}
	store.Set(ctx, infos)
	for {
		err := transferOnce(ctx, store, addr)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("transferring leadership to %s: %v", addr, err)
		}
	}
}

func transferOnce(ctx context.Context, store client.NodeStore, addr string) error {
	cli, err := client.FindLeader(ctx, store)
	if err != nil {
		return err
	}
	defer cli.Close()
	nodes, err := cli.Cluster(ctx)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if n.Address == addr {
			return cli.Transfer(ctx, n.ID)
		}
	}
	return fmt.Errorf("%s is not a member", addr)
}

func TestWriteWithoutLeaderEndsWithItsContext(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	p := startProc(t, t.TempDir(), freeAddr(t), nil)
	defer p.kill()
	ctx := context.Background()
	db, err := Open(ctx, "test", &Options{Cluster: []string{p.addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE TABLE t(k)"); err != nil {
		t.Fatal(err)
	}
	p.kill()
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = db.Exec(wctx, "INSERT INTO t VALUES(?)", i) })
	}
	wg.Wait()
	for _, err := range errs {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Exec with no leader = %v", err)
		}
	}
}

func TestCloseContextFailsWritesWaitingForALeader(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	p := startProc(t, t.TempDir(), freeAddr(t), nil)
	defer p.kill()
	ctx := context.Background()
	db, err := Open(ctx, "test", &Options{Cluster: []string{p.addr}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, "CREATE TABLE t(k)"); err != nil {
		t.Fatal(err)
	}
	p.kill()
	done := make(chan error, 1)
	go func() {
		_, err := db.Exec(ctx, "INSERT INTO t VALUES(1)")
		done <- err
	}()
	// The writer has tried the write on the dead node and now waits for a
	// leader.
	for db.Stats().Retries == 0 {
		runtime.Gosched()
	}
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	db.CloseContext(cctx)
	if err := <-done; !errors.Is(err, asqlite.ErrClosed) {
		t.Fatalf("Exec during CloseContext = %v", err)
	}
}
