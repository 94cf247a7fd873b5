package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/internal/leakcheck"
)

func TestServeBadArguments(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "missing arguments"},
		{[]string{"serve", "-port", "70000", "a.db"}, "-port"},
		{[]string{"serve", "a.db", "-port", "-1"}, "-port"},
		{[]string{"serve", "-time-limit", "0s", "a.db"}, "-time-limit"},
		{[]string{"serve", "-max-rows", "0", "a.db"}, "-max-rows"},
		{[]string{"serve", "-max-body", "0", "a.db"}, "-max-body"},
		{[]string{"serve", "-max-result", "-5", "a.db"}, "-max-result"},
		{[]string{"serve", "-token", "x", "a.db"}, "-token"},
		{[]string{"serve", "a.db", "-nosuch"}, "-nosuch"},
		{[]string{"serve", "x/a.db", "y/a.sqlite"}, "/a"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut.String(), tc.want)
		}
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve", "missing.db"}, &out, &errOut); code != 1 {
		t.Errorf("a missing file: exit %d, %s", code, errOut.String())
	}
}

// lineWriter passes what is written to it to a pipe, for a reader to
// wait for lines.
type lineWriter struct{ w *io.PipeWriter }

func (l lineWriter) Write(p []byte) (int, error) { return l.w.Write(p) }

func TestServeCommand(t *testing.T) {
	// The command listens for SIGTERM, which starts the signal package's
	// goroutine for good: start it before counting goroutines.
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	signal.Stop(c)
	t.Cleanup(leakcheck.Check(t))
	dir := t.TempDir()
	file := filepath.Join(dir, "shop.db")
	ctx := context.Background()
	db, err := asqlite.Open(ctx, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ExecScript(ctx, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items (name) VALUES ('pen'), ('ink')"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	pr, pw := io.Pipe()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan int, 1)
	var errOut bytes.Buffer
	go func() {
		// Flags after the file, as well as before.
		done <- run(runCtx, []string{"serve", "-port", "0", file, "-write", "-token", "tok", "-quiet"}, lineWriter{pw}, &errOut)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var base string
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			base = u
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		t.Fatalf("no address printed; stderr %s", errOut.String())
	}
	client := &http.Client{}
	get := func(path, host string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/shop/-/query.json?"+url.Values{"sql": {"SELECT name FROM items ORDER BY id"}, "_shape": {"arrayfirst"}}.Encode(), "")
	if code != 200 || strings.TrimSpace(body) != `["pen","ink"]` {
		t.Errorf("query: %d %s", code, body)
	}
	// Bound to loopback: a foreign Host header is refused.
	if code, body := get("/-/databases.json", "rebind.example"); code != 403 {
		t.Errorf("foreign host: %d %s", code, body)
	}
	post := func(auth string) (int, string) {
		req, _ := http.NewRequest("POST", base+"/shop/items/-/insert", strings.NewReader(`{"row": {"name": "nib"}}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(""); code != 401 {
		t.Errorf("no token: %d %s", code, body)
	}
	code, body = post("Bearer tok")
	var m map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &m) != nil || m["inserted"] != 1.0 {
		t.Errorf("insert: %d %s", code, body)
	}
	client.CloseIdleConnections()
	stop()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
	db, err = asqlite.Open(ctx, file, &asqlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil || n != 3 {
		t.Errorf("%d items, %v", n, err)
	}
}
