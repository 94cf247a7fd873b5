// Package serve is an HTTP JSON API and a query page over one or more
// asqlite.DB, safe to expose: the handler behind "asqlite serve".
//
// Each database is served under /NAME. Read endpoints run the SQL of the
// request on the DB's read-only readers, under an authorizer that refuses
// anything but reading (ATTACH, pragmas that change settings, temporary
// tables, load_extension...), with the DB's per-read time limit and row cap
// (asqlite.ReadOptions), so a query can neither write nor run away. The
// JSON follows the shape of Datasette's JSON API (a refused statement
// answers 403, a wrong one 400):
//
//	GET /-/databases.json                  the databases served
//	GET /NAME/-/query.json?sql=...&p=...   a query, :p bound from the query string
//	GET /NAME.json?sql=...                 the same
//	GET /NAME/-/query.csv?sql=...          the same rows as CSV (also /NAME.csv)
//	GET /NAME/-/tables.json                tables and views, their columns and row counts
//	                                       (null for a table too big to count in 50ms)
//	GET / and /NAME                        the query page
//
// A query answers {"ok": true, "columns": [...], "rows": [...],
// "truncated": bool, "query_ms": n}; _shape=objects (the default), arrays,
// array or arrayfirst changes the shape, _nl=on writes the bare shapes one
// row a line, and _timelimit=MS lowers the time limit. Errors answer
// {"ok": false, "error": "...", "status": n, "title": "..."}. Blobs are
// {"$base64": true, "encoded": "..."}. CSV goes out in chunks as the rows
// come: rows cut at the row cap are told by the header X-Truncated: true,
// or, once the first chunk has gone out, by the X-Truncated trailer.
//
// Writes are off unless Options.Write is set. Then POST /NAME/-/execute
// runs SQL through the DB's write queue, so that concurrent posts share
// group commits, and POST /NAME/TABLE/-/insert inserts JSON rows ("ignore"
// or "replace": true for rows whose key exists, as in Datasette); both
// need the bearer token of Options.Token. A body field the endpoint does
// not know is refused. They change the database's content and nothing
// else: they share the writer connection with the program's own writes,
// so their SQL may not leave state on it. An authorizer refuses ATTACH,
// DETACH, load_extension, temporary tables, views, indexes and triggers
// (made, dropped or written), transaction control (each request runs in
// the write queue's transaction), and every pragma but those that only
// report and the maintenance of PRAGMA optimize and incremental_vacuum:
// no setting of the connection, the process or the file (foreign_keys,
// cache_size, journal_mode, user_version...) may be changed.
//
// JSON and CSV are appended to pooled buffers straight from the prepared
// statement, without reflection; statements come from the readers'
// statement caches.
package serve

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

// Database is one database to serve, at /Name.
type Database struct {
	Name string
	DB   *asqlite.DB
}

// Options configure a Handler. The zero value (and a nil *Options) gives
// the defaults listed with each field.
type Options struct {
	// TimeLimit bounds each query; a request's _timelimit may only lower
	// it. Default: 1s.
	TimeLimit time.Duration
	// MaxRows caps the rows of a query; the answer says "truncated" when
	// there were more. Default: 1000.
	MaxRows int
	// MaxBodyBytes bounds the body of a write request. Default: 1 MiB.
	MaxBodyBytes int64
	// MaxResultBytes bounds the JSON of a query's answer, and every
	// string or blob a read makes (SQLite's SQLITE_LIMIT_LENGTH on the
	// readers), so that a query such as SELECT randomblob(1e9) cannot
	// exhaust memory. Default: 32 MiB.
	MaxResultBytes int

	// Write enables the write endpoints, which need Token.
	Write bool
	// Token is the bearer token write requests must present
	// ("Authorization: Bearer TOKEN"). Required when Write is set.
	Token string

	// CORS adds headers that let pages of any origin call the API.
	CORS bool
	// Hosts, when not empty, are the only host names (without port) the
	// Host header may name; other requests get 403. A server bound to
	// loopback sets the loopback names, so that a web page whose domain
	// resolves to 127.0.0.1 (DNS rebinding) cannot reach it.
	Hosts []string

	// Logger, when not nil, gets one line per request: method, path,
	// status, rows, ms.
	Logger *slog.Logger
}

// Handler serves the databases; New returns one.
type Handler struct {
	o    Options
	list []*database
	dbs  map[string]*database
	page []byte
}

type database struct {
	name string
	db   *asqlite.DB
	rd   asqlite.Reader // with the handler's limits
}

//go:embed page.html
var page []byte

// New returns a Handler serving dbs. It installs authorizers on every
// connection of each DB (with DB.Register), and the length limit of
// MaxResultBytes on its readers: the DBs' other reads refuse writing SQL
// from then on too. The program's own writes are not judged, nor affected
// by what the write endpoints run, which may not leave state on the
// writer connection (see the package doc). A name must be non-empty,
// unique, and free of '/', '.' and '%'; "-" is reserved. A DB whose schema cannot
// be read (a file that is not a database) is refused.
func New(ctx context.Context, dbs []Database, o *Options) (*Handler, error) {
	h := &Handler{dbs: make(map[string]*database), page: page}
	if o != nil {
		h.o = *o
	}
	if h.o.TimeLimit <= 0 {
		h.o.TimeLimit = time.Second
	}
	if h.o.MaxRows <= 0 {
		h.o.MaxRows = 1000
	}
	if h.o.MaxBodyBytes <= 0 {
		h.o.MaxBodyBytes = 1 << 20
	}
	if h.o.MaxResultBytes <= 0 {
		h.o.MaxResultBytes = 32 << 20
	}
	if h.o.Write && h.o.Token == "" {
		return nil, errors.New("serve: Write needs a Token")
	}
	for _, d := range dbs {
		if d.Name == "" || d.Name == "-" || strings.ContainsAny(d.Name, "/.%?#") {
			return nil, fmt.Errorf("serve: invalid database name %q", d.Name)
		}
		if _, dup := h.dbs[d.Name]; dup {
			return nil, fmt.Errorf("serve: two databases named %q", d.Name)
		}
		if d.DB == nil {
			return nil, fmt.Errorf("serve: database %q is nil", d.Name)
		}
		maxLen := h.o.MaxResultBytes
		if err := d.DB.Register(ctx, func(c *sqlite.Conn) error { return installGuards(c, maxLen) }); err != nil {
			return nil, fmt.Errorf("serve: installing the authorizer on %q: %w", d.Name, err)
		}
		// A file that is not a database opens (read-only) all the same:
		// refuse it now rather than fail every request.
		if err := d.DB.Read(ctx, func(c *sqlite.Conn) error {
			for _, err := range c.Query("SELECT count(*) FROM sqlite_schema") {
				if err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("serve: reading %q: %w", d.Name, err)
		}
		db := &database{name: d.Name, db: d.DB,
			rd: d.DB.Reader(asqlite.ReadOptions{TimeLimit: h.o.TimeLimit, MaxRows: h.o.MaxRows})}
		h.dbs[d.Name] = db
		h.list = append(h.list, db)
	}
	return h, nil
}

// result is what a request did, for the log.
type result struct {
	status int
	rows   int
}

// ServeHTTP routes a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var start time.Time
	if h.o.Logger != nil {
		start = time.Now()
	}
	res := h.route(w, r)
	if h.o.Logger != nil {
		h.o.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", res.status), slog.Int("rows", res.rows),
			slog.Float64("ms", float64(time.Since(start).Microseconds())/1000))
	}
}

var (
	hdrJSON = []string{"application/json; charset=utf-8"}
	hdrCSV  = []string{"text/csv; charset=utf-8"}
	hdrHTML = []string{"text/html; charset=utf-8"}
	hdrNoSn = []string{"nosniff"}
	hdrCSP  = []string{"default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"}
	hdrAny  = []string{"*"}
	hdrGet  = []string{"GET, HEAD, OPTIONS"}
	hdrPost = []string{"POST, OPTIONS"}
	hdrAllH = []string{"Authorization, Content-Type"}
	hdrAllM = []string{"GET, HEAD, POST, OPTIONS"}
)

func (h *Handler) route(w http.ResponseWriter, r *http.Request) result {
	hdr := w.Header()
	hdr["X-Content-Type-Options"] = hdrNoSn
	if len(h.o.Hosts) > 0 && !h.hostAllowed(r.Host) {
		return writeError(w, http.StatusForbidden, "Host not allowed",
			fmt.Sprintf("the Host header %q is not one this server answers to", r.Host))
	}
	if h.o.CORS {
		hdr["Access-Control-Allow-Origin"] = hdrAny
		if r.Method == http.MethodOptions {
			hdr["Access-Control-Allow-Methods"] = hdrAllM
			hdr["Access-Control-Allow-Headers"] = hdrAllH
			hdr["Access-Control-Max-Age"] = []string{"3600"}
			w.WriteHeader(http.StatusNoContent)
			return result{status: http.StatusNoContent}
		}
	}
	p := r.URL.Path
	switch p {
	case "/":
		return h.servePage(w, r)
	case "/-/databases.json":
		if !isGet(r) {
			return notAllowed(w, hdrGet)
		}
		return h.databases(w)
	}
	seg, rest, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if rest == "" {
		if name, ok := strings.CutSuffix(seg, ".json"); ok {
			return h.withDB(w, r, name, false, h.query)
		}
		if name, ok := strings.CutSuffix(seg, ".csv"); ok {
			return h.withDB(w, r, name, false, h.queryCSV)
		}
		if _, ok := h.dbs[seg]; ok {
			return h.servePage(w, r)
		}
	}
	switch rest {
	case "-/query.json":
		return h.withDB(w, r, seg, false, h.query)
	case "-/query.csv":
		return h.withDB(w, r, seg, false, h.queryCSV)
	case "-/tables.json":
		return h.withDB(w, r, seg, false, h.tables)
	case "-/execute":
		return h.withDB(w, r, seg, true, h.execute)
	}
	if table, ok := strings.CutSuffix(rest, "/-/insert"); ok && table != "" && !strings.Contains(table, "/") {
		return h.withDB(w, r, seg, true, func(w http.ResponseWriter, r *http.Request, d *database) result {
			return h.insert(w, r, d, table)
		})
	}
	return writeError(w, http.StatusNotFound, "Not found", "no such page: "+p)
}

// withDB finds the database name and checks the method (and, for writes,
// that they are on and authorized) before calling fn.
func (h *Handler) withDB(w http.ResponseWriter, r *http.Request, name string, write bool,
	fn func(http.ResponseWriter, *http.Request, *database) result) result {
	d := h.dbs[name]
	if d == nil {
		return writeError(w, http.StatusNotFound, "Database not found", "no database named "+quoteName(name))
	}
	if !write {
		if !isGet(r) {
			return notAllowed(w, hdrGet)
		}
		return fn(w, r, d)
	}
	if r.Method != http.MethodPost {
		return notAllowed(w, hdrPost)
	}
	if !h.o.Write {
		return writeError(w, http.StatusForbidden, "Writes disabled",
			"this server does not accept writes (start it with --write)")
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="asqlite"`)
		return writeError(w, http.StatusUnauthorized, "Unauthorized",
			"writes need the header Authorization: Bearer TOKEN with the server's token")
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.o.MaxBodyBytes)
	return fn(w, r, d)
}

// authorized compares the request's bearer token with the server's in
// constant time, so that timing tells nothing about it.
func (h *Handler) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(auth) < len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(auth[len(prefix):]), []byte(h.o.Token)) == 1
}

func (h *Handler) hostAllowed(host string) bool {
	if hst, _, err := net.SplitHostPort(host); err == nil {
		host = hst
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	for _, a := range h.o.Hosts {
		if strings.EqualFold(host, a) {
			return true
		}
	}
	return false
}

func isGet(r *http.Request) bool { return r.Method == http.MethodGet || r.Method == http.MethodHead }

func notAllowed(w http.ResponseWriter, allow []string) result {
	w.Header()["Allow"] = allow
	return writeError(w, http.StatusMethodNotAllowed, "Method not allowed", "this endpoint takes "+allow[0])
}

func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) result {
	if !isGet(r) {
		return notAllowed(w, hdrGet)
	}
	hdr := w.Header()
	hdr["Content-Type"] = hdrHTML
	hdr["Content-Security-Policy"] = hdrCSP
	w.Write(h.page)
	return result{status: http.StatusOK}
}

func (h *Handler) databases(w http.ResponseWriter) result {
	b := getBuffer()
	defer putBuffer(b)
	b.b = append(b.b, `{"ok":true,"write":`...)
	b.b = appendBool(b.b, h.o.Write)
	b.b = append(b.b, `,"databases":[`...)
	for i, d := range h.list {
		if i > 0 {
			b.b = append(b.b, ',')
		}
		b.b = append(b.b, `{"name":`...)
		b.b = appendString(b.b, d.name)
		b.b = append(b.b, `,"path":`...)
		b.b = appendString(b.b, d.db.Path())
		b.b = append(b.b, `,"read_only":`...)
		b.b = appendBool(b.b, d.db.ReadOnly())
		b.b = append(b.b, '}')
	}
	b.b = append(b.b, "]}\n"...)
	return writeJSON(w, http.StatusOK, b.b, result{})
}

func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

func writeJSON(w http.ResponseWriter, status int, body []byte, res result) result {
	hdr := w.Header()
	hdr["Content-Type"] = hdrJSON
	if len(body) > 2048 {
		// net/http measures small bodies itself; a large one would go out
		// chunked.
		hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	w.Write(body)
	res.status = status
	return res
}

// writeError answers {"ok": false, "error": msg, "status": status, "title": title}.
func writeError(w http.ResponseWriter, status int, title, msg string) result {
	b := getBuffer()
	defer putBuffer(b)
	b.b = append(b.b, `{"ok":false,"error":`...)
	b.b = appendString(b.b, msg)
	b.b = append(b.b, `,"status":`...)
	b.b = strconv.AppendInt(b.b, int64(status), 10)
	b.b = append(b.b, `,"title":`...)
	b.b = appendString(b.b, title)
	b.b = append(b.b, "}\n"...)
	return writeJSON(w, status, b.b, result{})
}

// writeErr answers err with the status it deserves.
func writeErr(w http.ResponseWriter, err error) result {
	status, title := classify(err)
	return writeError(w, status, title, err.Error())
}

// ErrWrite is the error of a read request whose SQL would change the
// database.
var ErrWrite = errors.New("serve: only statements that do not change the database may run here")

// ErrTooLarge is the error of a query whose answer would be larger than
// Options.MaxResultBytes.
var ErrTooLarge = errors.New("serve: the result is larger than the server's limit (add a LIMIT, or select fewer columns)")

// classify returns the status and title of an error.
func classify(err error) (int, string) {
	var se *sqlite.Error
	var pe *ParamError
	var re *refusedError
	switch {
	case errors.Is(err, asqlite.ErrTimeLimit):
		return http.StatusBadRequest, "Query took too long"
	case errors.Is(err, ErrTooLarge), errors.Is(err, sqlite.ErrTooBig):
		return http.StatusBadRequest, "Result too large"
	case errors.Is(err, ErrWrite), errors.Is(err, sqlite.ErrAuth), errors.Is(err, sqlite.ErrReadOnly),
		errors.As(err, &re):
		return http.StatusForbidden, "Statement not allowed"
	case errors.As(err, &pe):
		return http.StatusBadRequest, "Bad parameter"
	case errors.Is(err, asqlite.ErrClosed), errors.Is(err, asqlite.ErrQueueFull),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "Unavailable"
	case errors.As(err, &se):
		return http.StatusBadRequest, "Invalid SQL"
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, "Request too large"
	}
	return http.StatusInternalServerError, "Error"
}

// ParamError is a mistake in a request's parameters.
type ParamError struct {
	Param string // the query string key, or a JSON field
	Msg   string
}

func (e *ParamError) Error() string { return "serve: parameter " + e.Param + ": " + e.Msg }

func quoteName(s string) string { return fmt.Sprintf("%q", s) }
