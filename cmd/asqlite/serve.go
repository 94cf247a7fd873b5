package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/serve"
)

func init() {
	commands = append(commands, command{
		name:    "serve",
		usage:   "[flags] FILE... [flags]",
		summary: "serve databases over HTTP: a JSON API and a query page, read-only unless -write",
		run:     runServe,
	})
}

const serveDoc = `Serves each FILE at /NAME (its file name without extension): a query
page at / and /NAME, and Datasette's JSON API:

  GET /-/databases.json
  GET /NAME/-/query.json?sql=SELECT...&param=value   (also /NAME.json)
  GET /NAME/-/query.csv?sql=...                      (also /NAME.csv)
  GET /NAME/-/tables.json

Queries run on read-only connections that refuse anything but reading,
with a time limit and a row cap. With -write, POST /NAME/-/execute
{"sql": ..., "params": ...} and POST /NAME/TABLE/-/insert {"rows": [...]}
(with "ignore": true or "replace": true for rows whose key exists)
write through the database's write queue; they need the header
"Authorization: Bearer TOKEN", with the token of -token or the one printed
at start. Bound to 127.0.0.1 by default, where requests must name a
loopback host. SIGINT or SIGTERM stops the server once the running
requests and queued writes have finished. Flags may also follow the
files.`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", serveDoc)
	host := fs.String("host", "127.0.0.1", "address to listen on (0.0.0.0: every interface)")
	port := fs.Int("port", 8001, "port to listen on (0: any free port)")
	write := fs.Bool("write", false, "enable the write endpoints")
	token := fs.String("token", "", "bearer token of the write endpoints, which the process list shows to local users (default: a random one, printed at start)")
	cors := fs.Bool("cors", false, "add CORS headers, so that pages of any origin may call the API")
	timeLimit := fs.Duration("time-limit", time.Second, "time limit of a query")
	maxRows := fs.Int("max-rows", 1000, "row cap of a query")
	maxBody := fs.Int64("max-body", 1<<20, "size limit of a write request's body, in bytes")
	maxResult := fs.Int("max-result", 32<<20, "size limit of a query's JSON answer and of any value a query makes, in bytes")
	quiet := fs.Bool("quiet", false, "do not log requests")
	// Flags may come after the files too: parse again after each file.
	var files []string
	rest := args
	for {
		if err := fs.parse(rest, stdout, 0, -1); err != nil {
			return err
		}
		consumed := len(rest) - fs.NArg()
		if consumed > 0 && rest[consumed-1] == "--" {
			files = append(files, fs.Args()...)
			break
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	switch {
	case len(files) == 0:
		return fs.usageErrorf("missing arguments, want %s", fs.synopsis)
	case *port < 0 || *port > 65535:
		return fs.invalid("port", "must be between 0 and 65535")
	case *timeLimit <= 0:
		return fs.invalid("time-limit", "must be positive")
	case *maxRows <= 0:
		return fs.invalid("max-rows", "must be positive")
	case *maxBody <= 0:
		return fs.invalid("max-body", "must be positive")
	case *maxResult <= 0:
		return fs.invalid("max-result", "must be positive")
	case *token != "" && !*write:
		return fs.invalid("token", "only the write endpoints take a token: add -write")
	}
	names := make(map[string]string)
	for _, f := range files {
		name := dbName(f)
		if prev, dup := names[name]; dup {
			return fs.usageErrorf("%s and %s would both be served at /%s", prev, f, name)
		}
		names[name] = f
	}
	for _, f := range files {
		// Serving never creates a database: a typo fails here.
		if _, err := os.Stat(f); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	var dbs []serve.Database
	defer func() {
		for _, d := range dbs {
			d.DB.Close()
		}
	}()
	for _, f := range files {
		db, err := asqlite.Open(ctx, f, &asqlite.Options{ReadOnly: !*write})
		if err != nil {
			return err
		}
		dbs = append(dbs, serve.Database{Name: dbName(f), DB: db})
	}
	o := &serve.Options{TimeLimit: *timeLimit, MaxRows: *maxRows, MaxBodyBytes: *maxBody, MaxResultBytes: *maxResult,
		Write: *write, Token: *token, CORS: *cors}
	if *write && o.Token == "" {
		b := make([]byte, 24)
		rand.Read(b)
		o.Token = hex.EncodeToString(b)
	}
	if loopback(*host) {
		o.Hosts = []string{"localhost", "127.0.0.1", "::1", strings.Trim(*host, "[]")}
	}
	if !*quiet {
		o.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	h, err := serve.New(ctx, dbs, o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(strings.Trim(*host, "[]"), strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	for _, d := range dbs {
		mode := "read-only"
		if !d.DB.ReadOnly() {
			mode = "read-write"
		}
		fmt.Fprintf(stdout, "serving %s (%s) at %s/%s\n", d.DB.Path(), mode, url, d.Name)
	}
	if *write && *token == "" {
		fmt.Fprintf(stdout, "write token (shown once): %s\n", o.Token)
	}
	fmt.Fprintf(stdout, "listening on %s\n", url)
	if err := serve.Serve(ctx, serve.NewServer(h), ln, 30*time.Second); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}

// dbName is the name a file is served under: its base name without
// extension, with the characters URLs would trip on replaced.
func dbName(file string) string {
	base := filepath.Base(file)
	if ext := filepath.Ext(base); ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("./%?# ", r) {
			return '_'
		}
		return r
	}, base)
}

// loopback reports whether host names only this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
