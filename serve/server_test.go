package serve

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

func TestServeShutdownLetsQueuedWritesFinish(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db := newTestDB(t, 0)
	h := newTestHandler(t, db, &Options{Write: true, Token: testToken})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h)
	shutdown := make(chan struct{})
	srv.RegisterOnShutdown(func() { close(shutdown) })
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, srv, ln, 10*time.Second) }()

	// Hold the writer so that the posted write waits in the queue.
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.Write(context.Background(), func(*sqlite.Conn) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	type answer struct {
		code int
		body string
		err  error
	}
	posted := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/test/-/execute",
			strings.NewReader(`{"sql": "INSERT INTO t (name) VALUES ('late')"}`))
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			posted <- answer{err: err}
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		posted <- answer{code: resp.StatusCode, body: string(body)}
	}()
	for db.Stats().QueueDepth == 0 {
		runtime.Gosched()
	}
	stop()
	<-shutdown
	close(release)
	a := <-posted
	if a.err != nil || a.code != 200 {
		t.Errorf("the queued write: %d %s %v", a.code, a.body, a.err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if err := <-held; err != nil {
		t.Error(err)
	}
	var n int
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM t WHERE name = 'late'").Scan(&n); err != nil || n != 1 {
		t.Errorf("the queued write left %d rows, %v", n, err)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestNewServerBoundsSlowClients(t *testing.T) {
	srv := NewServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Errorf("unbounded server: %+v", srv)
	}
}

func TestRequestsAreLogged(t *testing.T) {
	var buf strings.Builder
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	h := newTestHandler(t, newTestDB(t, 0), &Options{Logger: logger})
	do(t, h, "GET", "/test/-/query.json?"+q("SELECT id FROM t"), "")
	do(t, h, "GET", "/test/-/query.json?"+q("SELEC"), "")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log: %q", buf.String())
	}
	for i, want := range []string{"status=200 rows=3", "status=400 rows=0"} {
		if !strings.Contains(lines[i], "method=GET path=/test/-/query.json "+want+" ms=") {
			t.Errorf("log line %q, want %q", lines[i], want)
		}
	}
}

func TestConcurrentPostsShareACommit(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	// Groups end when the queue is empty, not after a delay that a loaded
	// machine could reach halfway through the posts.
	db := newTestDBWith(t, 0, &asqlite.Options{MaxBatchDelay: time.Hour})
	h := newTestHandler(t, db, &Options{Write: true, Token: testToken})
	// Hold the writer while the posts queue up behind it.
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.Write(context.Background(), func(*sqlite.Conn) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	const n = 10
	codes := make(chan int, n)
	for i := range n {
		go func() {
			code, _, _ := do(t, h, "POST", "/test/-/execute",
				`{"sql": "INSERT INTO t (name) VALUES (:n)", "params": {"n": "post`+strconv.Itoa(i)+`"}}`,
				"Authorization", "Bearer "+testToken)
			codes <- code
		}()
	}
	for db.Stats().QueueDepth < n {
		runtime.Gosched()
	}
	before := db.Stats()
	close(release)
	for range n {
		if code := <-codes; code != 200 {
			t.Errorf("post: %d", code)
		}
	}
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	after := db.Stats()
	if commits := after.Commits - before.Commits; commits > 2 {
		t.Errorf("%d posts took %d commits, want them grouped", n, commits)
	}
}
