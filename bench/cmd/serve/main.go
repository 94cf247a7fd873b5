// Command serve measures asqlite's HTTP handler (package serve) against the
// usual Go handler for the same API: net/http + database/sql +
// mattn/go-sqlite3, rows scanned into []map[string]any and written with
// encoding/json. Both serve the same database file on loopback in this
// process; 64 keep-alive clients (also in this process, sharing the CPU)
// send a point query and a 1,000-row query, and the runs of the two
// handlers alternate. A third run measures asqlite's point reads while
// write posts saturate its writer.
//
//	cd bench && go run ./cmd/serve -time 5s -count 3
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/serve"
	"github.com/asqlite/asqlite/sqlite"
	_ "github.com/mattn/go-sqlite3"
)

const rows = 100_000

var (
	mixWriters int
	only       *regexp.Regexp
)

type workload struct {
	name string
	sql  string
	arg  func() string
}

func main() {
	dur := flag.Duration("time", 5*time.Second, "length of each run")
	count := flag.Int("count", 3, "runs of each handler and workload")
	clients := flag.Int("clients", 64, "concurrent clients")
	flag.IntVar(&mixWriters, "writers", 8, "clients posting writes in the mixed run")
	onlyFlag := flag.String("run", "", "run only the parts whose names match this regexp (point, 1000 rows, handler, mixed)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	only = regexp.MustCompile(*onlyFlag)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*dur, *count, *clients); err != nil {
		log.Print(err)
		defer os.Exit(1)
	}
}

func run(dur time.Duration, count, clients int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "serve-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "bench.db")
	if err := fill(ctx, file); err != nil {
		return err
	}

	adb, err := asqlite.Open(ctx, file, nil)
	if err != nil {
		return err
	}
	defer adb.Close()
	ah, err := serve.New(ctx, []serve.Database{{Name: "bench", DB: adb}},
		&serve.Options{MaxRows: 1000, Write: true, Token: "t"})
	if err != nil {
		return err
	}
	aURL, stopA, err := listen(ah)
	if err != nil {
		return err
	}
	defer stopA()

	mdb, err := sql.Open("sqlite3", "file:"+file+"?_journal_mode=WAL&_busy_timeout=5000")
	if err != nil {
		return err
	}
	defer mdb.Close()
	mdb.SetMaxOpenConns(max(4, clients))
	mdb.SetMaxIdleConns(max(4, clients))
	mURL, stopM, err := listen(usualHandler(mdb))
	if err != nil {
		return err
	}
	defer stopM()
	// The floor: a handler that answers a fixed point-query-sized JSON
	// without touching a database, to show what the HTTP stack and the
	// clients cost by themselves.
	fixed := []byte(`{"ok":true,"columns":["id","name","value","created"],"rows":[{"id":1,"name":"item number 1","value":0.25,"created":"2026-01-01T00:00:00Z"}],"truncated":false}` + "\n")
	fURL, stopF, err := listen(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(fixed)
	}))
	if err != nil {
		return err
	}
	defer stopF()

	workloads := []workload{
		{"point", "SELECT id, name, value, created FROM items WHERE id = :id",
			func() string { return fmt.Sprint(1 + rand.IntN(rows)) }},
		{"1000 rows", "SELECT id, name, value, created FROM items WHERE id >= :id LIMIT 1000",
			func() string { return fmt.Sprint(1 + rand.IntN(rows-1000)) }},
	}
	fmt.Printf("%d clients, %v per run, %d runs each; median of the runs; GOMAXPROCS=%d\n\n",
		clients, dur, count, runtime.GOMAXPROCS(0))
	fmt.Println("| workload | handler | requests/s | p50 | p99 | CPU/request | ratio req/s (runs) | ratio CPU (runs) |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|")
	for _, wl := range workloads {
		if !only.MatchString(wl.name) {
			continue
		}
		target := func(base string) func() string {
			return func() string {
				return "/bench/-/query.json?" + url.Values{"sql": {wl.sql}, "id": {wl.arg()}}.Encode()
			}
		}
		var as, ms []result
		var rr, cr []float64 // per-round ratios
		for range count {
			a, err := load(aURL, target(aURL), 0, clients, dur)
			if err != nil {
				return fmt.Errorf("asqlite %s: %w", wl.name, err)
			}
			m, err := load(mURL, target(mURL), 0, clients, dur)
			if err != nil {
				return fmt.Errorf("usual %s: %w", wl.name, err)
			}
			as, ms = append(as, a), append(ms, m)
			rr = append(rr, a.rps/m.rps)
			cr = append(cr, float64(m.cpu)/float64(a.cpu))
		}
		a, m := median(as), median(ms)
		fmt.Printf("| %s | asqlite serve | %.0f | %s | %s | %.0f µs | %s | %s |\n", wl.name, a.rps, ms3(a.p50), ms3(a.p99),
			us(a.cpu), spread(rr), spread(cr))
		fmt.Printf("| %s | net/http + database/sql + mattn | %.0f | %s | %s | %.0f µs | 1 | 1 |\n", wl.name, m.rps, ms3(m.p50), ms3(m.p99), us(m.cpu))
	}
	if only.MatchString("point") {
		rURL, stopR, err := listenRaw(fixed)
		if err != nil {
			return err
		}
		defer stopR()
		for _, floor := range []struct{ name, url string }{
			{"fixed JSON, no database", fURL},
			{"fixed JSON, no database, no net/http", rURL},
		} {
			var fs []result
			for range count {
				r, err := load(floor.url, func() string { return "/bench/-/query.json?sql=x" }, 0, clients, dur)
				if err != nil {
					return err
				}
				fs = append(fs, r)
			}
			f := median(fs)
			fmt.Printf("| floor | %s | %.0f | %s | %s | %.0f µs | | |\n", floor.name, f.rps, ms3(f.p50), ms3(f.p99), us(f.cpu))
		}
	}
	fmt.Println("\nratios: asqlite ÷ usual for requests/s, usual ÷ asqlite for CPU; median of the rounds (lowest–highest).")

	// The handlers alone, called in this process without the HTTP stack:
	// what each costs per request.
	fmt.Println()
	fmt.Println("| handler alone (ServeHTTP, no network) | handler | requests/s | CPU/request | ratio CPU (runs) |")
	fmt.Println("|---|---|---:|---:|---:|")
	mh := usualHandler(mdb)
	for _, wl := range workloads {
		if !only.MatchString("handler " + wl.name) {
			continue
		}
		reqs := make([]*http.Request, 1024)
		for i := range reqs {
			reqs[i] = httptest.NewRequest("GET", "/bench/-/query.json?"+url.Values{"sql": {wl.sql}, "id": {wl.arg()}}.Encode(), nil)
		}
		var as, ms []result
		var cr []float64
		for range count {
			a, m := handlerLoad(ah, reqs, clients, dur), handlerLoad(mh, reqs, clients, dur)
			as, ms = append(as, a), append(ms, m)
			cr = append(cr, float64(m.cpu)/float64(a.cpu))
		}
		a, m := median(as), median(ms)
		fmt.Printf("| %s | asqlite serve | %.0f | %.1f µs | %s |\n", wl.name, a.rps, us(a.cpu), spread(cr))
		fmt.Printf("| %s | database/sql + mattn + encoding/json | %.0f | %.1f µs | 1 |\n", wl.name, m.rps, us(m.cpu))
	}

	if !only.MatchString("mixed") {
		return nil
	}
	// Reads while write posts keep the writer busy: synchronous=FULL, so
	// that each commit waits for the disk and the writer is saturated
	// (writes queue up: the mean group is above 1) without the posts
	// taking all the CPU; a few paced readers measure read latency.
	wdb, err := asqlite.Open(ctx, file, &asqlite.Options{Synchronous: sqlite.SyncFull})
	if err != nil {
		return err
	}
	defer wdb.Close()
	wh, err := serve.New(ctx, []serve.Database{{Name: "bench", DB: wdb}}, &serve.Options{Write: true, Token: "t"})
	if err != nil {
		return err
	}
	wURL, stopW, err := listen(wh)
	if err != nil {
		return err
	}
	defer stopW()
	writers, readers := mixWriters, 8
	fmt.Println()
	fmt.Println("| reads while writes saturate the writer | reads/s | read p50 | read p99 | writes/s | mean group |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	type mixed struct {
		r           result
		wps, groups float64
	}
	var ms []mixed
	for range count {
		before := wdb.Stats()
		var writes atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := `{"sql": "INSERT INTO items (name, value, created) VALUES ('w', 1.5, 'now')"}`
				for {
					select {
					case <-stop:
						return
					default:
					}
					req, _ := http.NewRequest("POST", wURL+"/bench/-/execute", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer t")
					resp, err := client.Do(req)
					if err != nil {
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 {
						writes.Add(1)
					}
				}
			}()
		}
		start := time.Now()
		r, err := load(wURL, func() string {
			return "/bench/-/query.json?" + url.Values{"sql": {workloads[0].sql}, "id": {workloads[0].arg()}}.Encode()
		}, 2*time.Millisecond, readers, dur)
		close(stop)
		wg.Wait()
		if err != nil {
			return err
		}
		after := wdb.Stats()
		ms = append(ms, mixed{r: r, wps: float64(writes.Load()) / time.Since(start).Seconds(),
			groups: float64(after.BatchedWrites-before.BatchedWrites) / float64(max(1, after.Batches-before.Batches))})
	}
	slices.SortFunc(ms, func(a, b mixed) int { return int(a.r.p99 - b.r.p99) })
	m := ms[len(ms)/2]
	fmt.Printf("| asqlite serve, synchronous=FULL, %d readers at 500/s each, %d writers | %.0f | %s | %s | %.0f | %.1f |\n",
		readers, writers, m.r.rps, ms3(m.r.p50), ms3(m.r.p99), m.wps, m.groups)
	return nil
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// handlerLoad calls h from n goroutines for dur, cycling through reqs,
// and returns the requests/s and CPU time per request.
func handlerLoad(h http.Handler, reqs []*http.Request, n int, dur time.Duration) result {
	deadline := time.Now().Add(dur)
	var total atomic.Int64
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &discard{h: make(http.Header)}
			k := 0
			for j := i; time.Now().Before(deadline); j++ {
				clear(w.h)
				h.ServeHTTP(w, reqs[j%len(reqs)])
				k++
			}
			total.Add(int64(k))
		}()
	}
	wg.Wait()
	k := total.Load()
	return result{rps: float64(k) / time.Since(start).Seconds(), cpu: (cpuTime() - cpu0) / time.Duration(max(k, 1))}
}

// fill creates the items table.
func fill(ctx context.Context, file string) error {
	db, err := asqlite.Open(ctx, file, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(ctx, `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL, created TEXT);
		WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
		INSERT INTO items SELECT x, 'item number ' || x, x * 0.25, '2026-01-01T00:00:00Z' FROM c`, rows)
	return err
}

// usualHandler is the handler most Go programs would write for the API.
func usualHandler(db *sql.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var args []any
		for k, v := range q {
			if k != "sql" && !strings.HasPrefix(k, "_") {
				args = append(args, sql.Named(k, v[0]))
			}
		}
		fail := func(err error) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": err.Error()})
		}
		rows, err := db.QueryContext(r.Context(), q.Get("sql"), args...)
		if err != nil {
			fail(err)
			return
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			fail(err)
			return
		}
		out := []map[string]any{}
		truncated := false
		for rows.Next() {
			if len(out) == 1000 {
				truncated = true
				break
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				fail(err)
				return
			}
			m := make(map[string]any, len(cols))
			for i, c := range cols {
				m[c] = vals[i]
			}
			out = append(out, m)
		}
		if err := rows.Err(); err != nil {
			fail(err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "columns": cols, "rows": out, "truncated": truncated})
	})
}

func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := serve.NewServer(h)
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}}

type result struct {
	rps      float64
	p50, p99 time.Duration
	// cpu is the process's CPU time (user + system, clients included) per
	// request: unlike requests/s, it holds still when other programs take
	// the machine's cores.
	cpu time.Duration
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load sends requests to base from n clients for dur; with a pace, each client
// sends one request per pace at most.
func load(base string, target func() string, pace time.Duration, n int, dur time.Duration) (result, error) {
	deadline := time.Now().Add(dur)
	lat := make([][]time.Duration, n)
	errc := make(chan error, n)
	start, cpu0 := time.Now(), cpuTime()
	addr := strings.TrimPrefix(base, "http://")
	for i := range n {
		go func() {
			c := &rawClient{addr: addr}
			defer c.close()
			var tick <-chan time.Time
			if pace > 0 {
				t := time.NewTicker(pace)
				defer t.Stop()
				tick = t.C
			}
			for time.Now().Before(deadline) {
				if tick != nil {
					<-tick
				}
				u := target()
				t0 := time.Now()
				status, err := c.get(u)
				if err != nil || status != 200 {
					errc <- errors.Join(err, fmt.Errorf("%s: status %d", u, status))
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
			errc <- nil
		}()
	}
	var errs []error
	for range n {
		errs = append(errs, <-errc)
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		return result{}, errors.New("no request finished")
	}
	return result{
		rps: float64(len(all)) / elapsed.Seconds(),
		p50: all[len(all)/2],
		p99: all[len(all)*99/100],
		cpu: cpu / time.Duration(len(all)),
	}, nil
}

// median returns the run with the median requests/s.
func median(rs []result) result {
	slices.SortFunc(rs, func(a, b result) int {
		switch {
		case a.rps < b.rps:
			return -1
		case a.rps > b.rps:
			return 1
		}
		return 0
	})
	return rs[len(rs)/2]
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

// spread formats the median of xs and their range.
func spread(xs []float64) string {
	slices.Sort(xs)
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", xs[len(xs)/2], xs[0], xs[len(xs)-1])
}

func ms3(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
