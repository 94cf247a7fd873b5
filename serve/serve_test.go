package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

const testToken = "s3cret-token"

// newTestDB opens a database with a table t of 3 rows and a table big of
// n rows.
func newTestDB(t testing.TB, big int) *asqlite.DB {
	t.Helper()
	return newTestDBWith(t, big, nil)
}

// newTestDBWith is newTestDB with the DB's options.
func newTestDBWith(t testing.TB, big int, opts *asqlite.Options) *asqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := asqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.ExecScript(ctx, `
		CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, data BLOB);
		INSERT INTO t VALUES (1, 'ann', 1.5, x'00ff'), (2, 'bob "b", jr', NULL, NULL), (3, 'cé'||char(10)||'x', 2.0, NULL);
		CREATE INDEX t_name ON t (name);
		CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT);
		CREATE VIEW names AS SELECT name FROM t;`); err != nil {
		t.Fatal(err)
	}
	if big > 0 {
		if _, err := db.Exec(ctx, `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < ?)
			INSERT INTO big SELECT x, 'row ' || x FROM c`, big); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func newTestHandler(t testing.TB, db *asqlite.DB, o *Options) *Handler {
	t.Helper()
	h, err := New(context.Background(), []Database{{Name: "test", DB: db}}, o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// do runs one request and returns the status and body.
func do(t testing.TB, h http.Handler, method, target, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Header()
}

func q(sql string, extra ...string) string {
	v := url.Values{"sql": {sql}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v.Encode()
}

// decode parses a JSON body into a map, failing on invalid JSON.
func decode(t testing.TB, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("invalid JSON %q: %v", body, err)
	}
	return m
}

func TestQueryShapes(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db := newTestDB(t, 0)
	h := newTestHandler(t, db, nil)
	sql := "SELECT id, name, score, data FROM t ORDER BY id"
	for _, tc := range []struct {
		target string
		want   string // the body without query_ms
	}{
		{"/test/-/query.json?" + q(sql),
			`{"ok":true,"columns":["id","name","score","data"],"rows":[{"id":1,"name":"ann","score":1.5,"data":{"$base64":true,"encoded":"AP8="}},{"id":2,"name":"bob \"b\", jr","score":null,"data":null},{"id":3,"name":"cé\nx","score":2.0,"data":null}],"truncated":false}`},
		{"/test.json?" + q(sql, "_shape", "arrays"),
			`{"ok":true,"columns":["id","name","score","data"],"rows":[[1,"ann",1.5,{"$base64":true,"encoded":"AP8="}],[2,"bob \"b\", jr",null,null],[3,"cé\nx",2.0,null]],"truncated":false}`},
		{"/test.json?" + q("SELECT id, name FROM t ORDER BY id", "_shape", "array"),
			`[{"id":1,"name":"ann"},{"id":2,"name":"bob \"b\", jr"},{"id":3,"name":"cé\nx"}]`},
		{"/test.json?" + q("SELECT id FROM t ORDER BY id", "_shape", "array", "_nl", "on"),
			"{\"id\":1}\n{\"id\":2}\n{\"id\":3}"},
		{"/test.json?" + q("SELECT id, name FROM t ORDER BY id", "_shape", "arrayfirst"), `[1,2,3]`},
		{"/test.json?" + q("SELECT name FROM t ORDER BY id", "_shape", "arrayfirst", "_nl", "on"),
			"\"ann\"\n\"bob \\\"b\\\", jr\"\n\"cé\\nx\""},
		{"/test.json?" + q("SELECT 1 WHERE 0", "_shape", "array"), `[]`},
	} {
		code, body, hdr := do(t, h, "GET", tc.target, "")
		if code != 200 {
			t.Errorf("%s: status %d: %s", tc.target, code, body)
			continue
		}
		if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", tc.target, ct)
		}
		got := strings.TrimSuffix(body, "\n")
		if i := strings.Index(got, `,"query_ms":`); i >= 0 {
			got = got[:i] + "}"
		}
		if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.target, got, tc.want)
		}
		if !strings.Contains(tc.want, "\n") {
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Errorf("%s: invalid JSON: %v", tc.target, err)
			}
		}
	}
}

func TestQueryNamedParameters(t *testing.T) {
	h := newTestHandler(t, newTestDB(t, 0), nil)
	code, body, _ := do(t, h, "GET", "/test/-/query.json?"+q("SELECT name FROM t WHERE id = :id OR name = $n ORDER BY id", "id", "2", "n", "ann", "_shape", "arrayfirst"), "")
	if code != 200 || strings.TrimSpace(body) != `["ann","bob \"b\", jr"]` {
		t.Errorf("got %d %s", code, body)
	}
	// A missing parameter, a positional one.
	for _, tc := range []struct{ sql, want string }{
		{"SELECT :nope", "nope"},
		{"SELECT ?", "positional"},
	} {
		code, body, _ := do(t, h, "GET", "/test/-/query.json?"+q(tc.sql), "")
		m := decode(t, body)
		if code != 400 || m["ok"] != false || m["status"] != 400.0 || !strings.Contains(m["error"].(string), tc.want) {
			t.Errorf("%s: got %d %s", tc.sql, code, body)
		}
	}
}

func TestQueryTruncatedAtRowCap(t *testing.T) {
	h := newTestHandler(t, newTestDB(t, 1500), nil)
	code, body, _ := do(t, h, "GET", "/test/-/query.json?"+q("SELECT * FROM big"), "")
	m := decode(t, body)
	if code != 200 || m["truncated"] != true || len(m["rows"].([]any)) != 1000 {
		t.Fatalf("got %d, truncated %v, %d rows", code, m["truncated"], len(m["rows"].([]any)))
	}
	if _, ok := m["query_ms"].(float64); !ok {
		t.Errorf("query_ms %v", m["query_ms"])
	}
	code, body, _ = do(t, h, "GET", "/test/-/query.json?"+q("SELECT * FROM big LIMIT 1000"), "")
	if m := decode(t, body); code != 200 || m["truncated"] != false {
		t.Errorf("exactly the cap: truncated %v", m["truncated"])
	}
	h2 := newTestHandler(t, newTestDB(t, 20), &Options{MaxRows: 5})
	_, body, hdr := do(t, h2, "GET", "/test/-/query.json?"+q("SELECT id FROM big", "_shape", "arrayfirst"), "")
	if strings.TrimSpace(body) != "[1,2,3,4,5]" || hdr.Get("X-Truncated") != "true" {
		t.Errorf("arrayfirst: %s, X-Truncated %q", body, hdr.Get("X-Truncated"))
	}
}

// forever runs until interrupted.
const forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"

func TestQueryTimeLimit(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	h := newTestHandler(t, newTestDB(t, 0), &Options{TimeLimit: 100 * time.Millisecond})
	for _, tc := range []struct {
		extra []string
		limit time.Duration
	}{
		{nil, 100 * time.Millisecond},
		{[]string{"_timelimit", "20"}, 20 * time.Millisecond},
		// A request cannot raise the server's limit.
		{[]string{"_timelimit", "100000"}, 100 * time.Millisecond},
	} {
		// The bound: the answer comes within limit + 50 ms. The
		// best of three tries is checked, so that one unlucky scheduling
		// on a loaded machine does not fail the test; a limit applied late
		// fails all three.
		best := time.Hour
		for range 3 {
			start := time.Now()
			code, body, _ := do(t, h, "GET", "/test/-/query.json?"+q(forever, tc.extra...), "")
			took := time.Since(start)
			m := decode(t, body)
			if code != 400 || m["title"] != "Query took too long" || !strings.Contains(m["error"].(string), "time limit") {
				t.Errorf("%v: got %d %s", tc.extra, code, body)
			}
			if took < tc.limit {
				t.Errorf("%v: answered after %v, before the limit %v", tc.extra, took, tc.limit)
			}
			best = min(best, took)
		}
		if best > tc.limit+50*time.Millisecond {
			t.Errorf("%v: answered after %v at best, limit %v + 50ms", tc.extra, best, tc.limit)
		}
	}
	code, body, _ := do(t, h, "GET", "/test/-/query.json?"+q("SELECT 1", "_timelimit", "soon"), "")
	if code != 400 || !strings.Contains(body, "_timelimit") {
		t.Errorf("bad _timelimit: %d %s", code, body)
	}
}

func TestQueryErrors(t *testing.T) {
	h := newTestHandler(t, newTestDB(t, 0), nil)
	for _, tc := range []struct {
		method, target string
		status         int
		want           string
	}{
		{"GET", "/test/-/query.json?" + q("SELEC 1"), 400, "syntax error"},
		{"GET", "/test/-/query.json?" + q("SELECT * FROM nosuch"), 400, "no such table"},
		{"GET", "/test/-/query.json?" + q("SELECT 1; SELECT 2"), 400, "more than one statement"},
		{"GET", "/test/-/query.json", 400, "sql"},
		{"GET", "/test/-/query.json?" + q("   "), 400, "sql"},
		{"GET", "/test/-/query.json?sql=%zz", 400, "escape"},
		{"GET", "/test/-/query.json?" + q("SELECT 1", "_shape", "round"), 400, "_shape"},
		{"GET", "/nosuch/-/query.json?" + q("SELECT 1"), 404, "nosuch"},
		{"GET", "/nosuch.json?" + q("SELECT 1"), 404, "nosuch"},
		{"GET", "/test/-/nothing", 404, "no such page"},
		{"POST", "/test/-/query.json?" + q("SELECT 1"), 405, "GET"},
		{"GET", "/test/-/execute", 405, "POST"},
	} {
		code, body, _ := do(t, h, tc.method, tc.target, "")
		m := decode(t, body)
		if code != tc.status || m["ok"] != false || m["status"] != float64(tc.status) ||
			!strings.Contains(m["error"].(string), tc.want) {
			t.Errorf("%s %s: got %d %s; want %d and %q", tc.method, tc.target, code, body, tc.status, tc.want)
		}
	}
}

// hostile are statements a read endpoint must refuse.
var hostile = []string{
	"ATTACH DATABASE '/tmp/x.db' AS x",
	"ATTACH ':memory:' AS m",
	"DETACH main",
	"PRAGMA query_only = 0",
	"PRAGMA user_version = 7",
	"PRAGMA journal_mode = DELETE",
	"PRAGMA writable_schema = 1",
	"PRAGMA foreign_keys = OFF",
	"PRAGMA cache_size = 1",
	"PRAGMA temp_store_directory = '/tmp'",
	"PRAGMA wal_checkpoint(TRUNCATE)",
	"PRAGMA optimize",
	"PRAGMA incremental_vacuum",
	"SELECT * FROM pragma_user_version(3)",
	"VACUUM",
	"VACUUM INTO '/tmp/stolen.db'",
	"REINDEX",
	"ANALYZE",
	"SELECT load_extension('/tmp/evil.so')",
	"SELECT load_extension('/tmp/evil.so', 'init')",
	"INSERT INTO t (name) VALUES ('x')",
	"UPDATE t SET name = 'x'",
	"DELETE FROM t",
	"REPLACE INTO t (id, name) VALUES (1, 'x')",
	"WITH x AS (SELECT 1) INSERT INTO t (name) SELECT 'x' FROM x",
	"DROP TABLE t",
	"DROP VIEW names",
	"ALTER TABLE t ADD COLUMN z",
	"ALTER TABLE t RENAME TO u",
	"CREATE TABLE u (x)",
	"CREATE TEMP TABLE u (x)",
	"CREATE TEMP VIEW v AS SELECT 1",
	"CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
	"CREATE INDEX i ON t (name)",
	"CREATE VIRTUAL TABLE temp.v USING fts5(x)",
	"BEGIN",
	"BEGIN IMMEDIATE",
	"COMMIT",
	"SAVEPOINT s",
	"RELEASE s",
	"INSERT INTO t (name) VALUES ('x') RETURNING id",
}

func TestHostileQueriesRefused(t *testing.T) {
	db := newTestDB(t, 0)
	h := newTestHandler(t, db, nil)
	ctx := context.Background()
	for _, sql := range hostile {
		for _, target := range []string{"/test/-/query.json?" + q(sql), "/test/-/query.csv?" + q(sql)} {
			code, body, _ := do(t, h, "GET", target, "")
			if code != 403 && code != 400 {
				t.Errorf("%s: status %d: %s", target, code, body)
			}
		}
	}
	// Nothing changed: same rows, schema, user_version; the readers are
	// still read-only and attached to nothing else.
	var n, version int
	if err := db.QueryRow(ctx, "SELECT count(*), (SELECT user_version FROM pragma_user_version) FROM t").Scan(&n, &version); err != nil || n != 3 || version != 0 {
		t.Errorf("after the hostile queries: %d rows, user_version %d, %v", n, version, err)
	}
	code, body, _ := do(t, h, "GET", "/test/-/query.json?"+q("SELECT count(*) AS n FROM pragma_database_list", "_shape", "arrayfirst"), "")
	if code != 200 || strings.TrimSpace(body) != "[1]" {
		t.Errorf("database_list after the hostile queries: %d %s", code, body)
	}
	code, body, _ = do(t, h, "GET", "/test/-/query.json?"+q("SELECT type, name FROM sqlite_schema ORDER BY name", "_shape", "arrays"), "")
	if code != 200 || strings.Count(body, "],[") != 3 {
		t.Errorf("schema after the hostile queries: %d %s", code, body)
	}
	// What reads need still works, pragmas included.
	for _, sql := range []string{
		"PRAGMA table_info(t)", "SELECT * FROM pragma_table_info('t')", "PRAGMA user_version",
		"PRAGMA query_only", "SELECT sqlite_version(), json_array(1, 2), hex(randomblob(2)) IS NOT NULL",
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 3) SELECT * FROM c",
		"SELECT * FROM names", "EXPLAIN QUERY PLAN SELECT * FROM t WHERE id = 1",
	} {
		if code, body, _ := do(t, h, "GET", "/test/-/query.json?"+q(sql), ""); code != 200 {
			t.Errorf("%s: %d %s", sql, code, body)
		}
	}
}

func TestQueryCSV(t *testing.T) {
	h := newTestHandler(t, newTestDB(t, 5000), &Options{MaxRows: 5000})
	code, body, hdr := do(t, h, "GET", "/test.csv?"+q("SELECT id, name, score, data FROM t ORDER BY id"), "")
	want := "id,name,score,data\r\n1,ann,1.5,AP8=\r\n2,\"bob \"\"b\"\", jr\",,\r\n3,\"cé\nx\",2,\r\n"
	if code != 200 || body != want || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Errorf("got %d %q (%s), want %q", code, body, hdr.Get("Content-Type"), want)
	}
	// Many rows go out in chunks.
	code, body, _ = do(t, h, "GET", "/test/-/query.csv?"+q("SELECT id, v FROM big"), "")
	if code != 200 || strings.Count(body, "\r\n") != 5001 || !strings.HasSuffix(body, "5000,row 5000\r\n") {
		t.Errorf("big: %d, %d lines", code, strings.Count(body, "\r\n"))
	}
	code, body, _ = do(t, h, "GET", "/test/-/query.csv?"+q("SELEC"), "")
	if code != 400 || decode(t, body)["ok"] != false {
		t.Errorf("bad SQL: %d %s", code, body)
	}
}

// A CSV cut at MaxRows after its first chunk went out says so in the
// X-Truncated trailer; one cut before anything went out, in the header.
func TestQueryCSVTruncated(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	h := newTestHandler(t, newTestDB(t, 20), &Options{MaxRows: 10})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()
	get := func(sql string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(srv.URL + "/test/-/query.csv?" + q(sql))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body) // trailers come after the body
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(body)
	}
	// More than csvChunk goes out before the 11th row is seen.
	resp, body := get("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<11) SELECT x, printf('%.*c',5000,'y') FROM c")
	if resp.StatusCode != 200 || strings.Count(body, "\r\n") != 11 || len(body) < csvChunk {
		t.Errorf("big rows: %d, %d lines, %d bytes", resp.StatusCode, strings.Count(body, "\r\n"), len(body))
	}
	if got := resp.Trailer.Get("X-Truncated"); got != "true" {
		t.Errorf("big rows: X-Truncated trailer %q (header %q)", got, resp.Header.Get("X-Truncated"))
	}
	resp, body = get("SELECT id, v FROM big")
	if resp.StatusCode != 200 || strings.Count(body, "\r\n") != 11 || resp.Header.Get("X-Truncated") != "true" {
		t.Errorf("small rows: %d, %d lines, X-Truncated %q", resp.StatusCode, strings.Count(body, "\r\n"), resp.Header.Get("X-Truncated"))
	}
	// Streamed but not cut: no trailer value.
	resp, body = get("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<10) SELECT x, printf('%.*c',5000,'y') FROM c")
	if resp.StatusCode != 200 || strings.Count(body, "\r\n") != 11 || resp.Trailer.Get("X-Truncated") != "" || resp.Header.Get("X-Truncated") != "" {
		t.Errorf("10 big rows: %d, %d lines, trailer %v, header %q", resp.StatusCode, strings.Count(body, "\r\n"), resp.Trailer, resp.Header.Get("X-Truncated"))
	}
}

func TestDatabasesAndTables(t *testing.T) {
	db := newTestDB(t, 10)
	h := newTestHandler(t, db, nil)
	code, body, _ := do(t, h, "GET", "/-/databases.json", "")
	m := decode(t, body)
	dbs := m["databases"].([]any)
	if code != 200 || len(dbs) != 1 || dbs[0].(map[string]any)["name"] != "test" || m["write"] != false {
		t.Errorf("databases: %d %s", code, body)
	}
	code, body, _ = do(t, h, "GET", "/test/-/tables.json", "")
	m = decode(t, body)
	if code != 200 {
		t.Fatalf("tables: %d %s", code, body)
	}
	tables := m["tables"].([]any)
	var got []string
	for _, x := range tables {
		tb := x.(map[string]any)
		got = append(got, fmt.Sprint(tb["name"], " ", tb["type"], " ", len(tb["columns"].([]any)), " ", tb["count"]))
	}
	if want := []string{"big table 2 10", "names view 1 <nil>", "t table 4 3"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tables: got %v, want %v", got, want)
	}
	col := tables[2].(map[string]any)["columns"].([]any)[1].(map[string]any)
	if col["name"] != "name" || col["type"] != "TEXT" || col["notnull"] != true || col["pk"] != 0.0 {
		t.Errorf("column t.name: %v", col)
	}
}

func TestPage(t *testing.T) {
	h := newTestHandler(t, newTestDB(t, 0), nil)
	for _, target := range []string{"/", "/test", "/test?sql=SELECT+1"} {
		code, body, hdr := do(t, h, "GET", target, "")
		if code != 200 || !strings.Contains(body, "<textarea") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") ||
			hdr.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: %d %s", target, code, hdr)
		}
	}
}

func TestHostHeaderChecked(t *testing.T) {
	h := newTestHandler(t, newTestDB(t, 0), &Options{Hosts: []string{"localhost", "127.0.0.1", "::1"}})
	for host, want := range map[string]int{
		"localhost:8001": 200, "127.0.0.1:8001": 200, "[::1]:8001": 200, "LOCALHOST": 200, "localhost.:80": 200,
		"evil.example:8001": 403, "127.0.0.1.evil.example": 403, "": 403,
	} {
		req := httptest.NewRequest("GET", "/-/databases.json", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %q: %d, want %d", host, rec.Code, want)
		}
	}
}

func TestCORS(t *testing.T) {
	db := newTestDB(t, 0)
	_, _, hdr := do(t, newTestHandler(t, db, nil), "GET", "/-/databases.json", "")
	if hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS headers without CORS: %v", hdr)
	}
	h := newTestHandler(t, db, &Options{CORS: true})
	_, _, hdr = do(t, h, "GET", "/-/databases.json", "")
	if hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("no CORS header: %v", hdr)
	}
	code, _, hdr := do(t, h, "OPTIONS", "/test/-/execute", "")
	if code != 204 || !strings.Contains(hdr.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", code, hdr)
	}
}

func TestWrites(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db := newTestDB(t, 0)
	ctx := context.Background()
	auth := []string{"Authorization", "Bearer " + testToken}
	exec := `{"sql": "INSERT INTO t (name, score, data) VALUES (:name, :score, :data)", "params": {"name": "dee", "score": 4.5, "data": {"$base64": true, "encoded": "AQI="}}}`

	// Off by default.
	ro := newTestHandler(t, db, nil)
	if code, body, _ := do(t, ro, "POST", "/test/-/execute", exec, auth...); code != 403 {
		t.Errorf("writes off: %d %s", code, body)
	}
	if _, err := New(ctx, []Database{{Name: "test", DB: db}}, &Options{Write: true}); err == nil {
		t.Error("Write without a Token accepted")
	}

	h := newTestHandler(t, db, &Options{Write: true, Token: testToken, MaxBodyBytes: 4096})
	for _, bad := range [][]string{nil, {"Authorization", "Bearer wrong"}, {"Authorization", testToken},
		{"Authorization", "Bearer " + testToken + "x"}, {"Authorization", "Basic " + testToken}} {
		code, body, hdr := do(t, h, "POST", "/test/-/execute", exec, bad...)
		if code != 401 || hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%v: %d %s", bad, code, body)
		}
		code, body, _ = do(t, h, "POST", "/test/t/-/insert", `{"row": {"name": "x"}}`, bad...)
		if code != 401 {
			t.Errorf("insert %v: %d %s", bad, code, body)
		}
	}
	code, body, _ := do(t, h, "POST", "/test/-/execute", exec, auth...)
	if m := decode(t, body); code != 200 || m["changes"] != 1.0 || m["last_insert_rowid"] != 4.0 {
		t.Errorf("execute: %d %s", code, body)
	}
	code, body, _ = do(t, h, "POST", "/test/-/execute", `{"sql": "UPDATE t SET score = ? WHERE id < ?", "params": [9, 3]}`, auth...)
	if m := decode(t, body); code != 200 || m["changes"] != 2.0 {
		t.Errorf("execute positional: %d %s", code, body)
	}
	code, body, _ = do(t, h, "POST", "/test/t/-/insert", `{"rows": [{"name": "eve", "score": 1}, {"name": "fay", "data": null}]}`, auth...)
	if m := decode(t, body); code != 200 || m["inserted"] != 2.0 || m["last_insert_rowid"] != 6.0 {
		t.Errorf("insert: %d %s", code, body)
	}
	code, body, _ = do(t, h, "POST", "/test/t/-/insert", `{"row": {"name": "gus"}}`, auth...)
	if code != 200 {
		t.Errorf("insert one: %d %s", code, body)
	}
	// All or nothing: the second row breaks NOT NULL.
	code, body, _ = do(t, h, "POST", "/test/t/-/insert", `{"rows": [{"name": "hal"}, {"score": 1}]}`, auth...)
	if code != 400 || !strings.Contains(body, "NOT NULL") {
		t.Errorf("bad insert: %d %s", code, body)
	}
	for _, tc := range []struct{ target, body string }{
		{"/test/-/execute", `{"sql": "INSERT INTO nosuch VALUES (1)"}`},
		{"/test/-/execute", `{"sql": ""}`},
		{"/test/-/execute", `{"sql": "SELECT 1", "params": 3}`},
		{"/test/-/execute", `{"sql": "SELECT :x", "params": {"y": 1}}`},
		{"/test/-/execute", `not json`},
		{"/test/-/execute", `{"sql": "SELECT 1"} {}`},
		{"/test/nosuch/-/insert", `{"row": {"a": 1}}`},
		{"/test/t/-/insert", `{"rows": []}`},
		{"/test/t/-/insert", `{"row": {}}`},
		{"/test/t/-/insert", `{"row": {"name": {"$base64": true, "encoded": "!!"}}}`},
	} {
		code, body, _ := do(t, h, "POST", tc.target, tc.body, auth...)
		if code != 400 || decode(t, body)["ok"] != false {
			t.Errorf("%s %s: %d %s", tc.target, tc.body, code, body)
		}
	}
	// The write endpoints change the database's content, nothing else.
	elsewhere := t.TempDir()
	for _, sql := range []string{
		"ATTACH '" + filepath.Join(elsewhere, "x.db") + "' AS x",
		"VACUUM INTO '" + filepath.Join(elsewhere, "copy.db") + "'",
		"PRAGMA writable_schema = 1",
		"PRAGMA journal_mode = DELETE",
		"PRAGMA temp_store_directory = '/tmp'",
		"SELECT load_extension('/tmp/evil.so')",
	} {
		b, _ := json.Marshal(map[string]string{"sql": sql})
		code, body, _ := do(t, h, "POST", "/test/-/execute", string(b), auth...)
		if code != 403 && code != 400 {
			t.Errorf("execute %s: %d %s", sql, code, body)
		}
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) > 0 {
		t.Errorf("the refused writes made files: %v", entries)
	}
	// The program's own writes are not the endpoints' business.
	if err := db.ExecScript(ctx, "ATTACH ':memory:' AS side; DETACH side"); err != nil {
		t.Errorf("the program's own ATTACH: %v", err)
	}
	code, body, _ = do(t, h, "POST", "/test/-/execute", `{"sql": "`+strings.Repeat("x", 5000)+`"}`, auth...)
	if code != 413 {
		t.Errorf("oversize body: %d %s", code, body)
	}
	var n int
	var blob []byte
	if err := db.QueryRow(ctx, "SELECT count(*), (SELECT data FROM t WHERE name = 'dee') FROM t").Scan(&n, &blob); err != nil || n != 7 || !bytes.Equal(blob, []byte{1, 2}) {
		t.Errorf("%d rows, blob %v, %v", n, blob, err)
	}
}

func TestNewRefusesBadNames(t *testing.T) {
	db := newTestDB(t, 0)
	ctx := context.Background()
	for _, dbs := range [][]Database{
		{{Name: "", DB: db}}, {{Name: "-", DB: db}}, {{Name: "a/b", DB: db}}, {{Name: "a.b", DB: db}},
		{{Name: "a", DB: db}, {Name: "a", DB: db}}, {{Name: "a"}},
	} {
		if _, err := New(ctx, dbs, nil); err == nil {
			t.Errorf("%v accepted", dbs)
		}
	}
}

func TestConcurrentReadsAndWritesOverHTTP(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db := newTestDB(t, 100)
	h := newTestHandler(t, db, &Options{Write: true, Token: testToken, Logger: nil})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			errs <- func() error {
				for j := range 20 {
					var req *http.Request
					if i%2 == 0 {
						req, _ = http.NewRequest("POST", srv.URL+"/test/big/-/insert", strings.NewReader(fmt.Sprintf(`{"row": {"v": "w%d-%d"}}`, i, j)))
						req.Header.Set("Authorization", "Bearer "+testToken)
					} else {
						req, _ = http.NewRequest("GET", srv.URL+"/test/-/query.json?"+q("SELECT count(*) FROM big", "_shape", "arrayfirst"), nil)
					}
					resp, err := client.Do(req)
					if err != nil {
						return err
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						return fmt.Errorf("%s: %d %s", req.URL.Path, resp.StatusCode, body)
					}
				}
				return nil
			}()
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	var n int
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM big").Scan(&n); err != nil || n != 100+8*20 {
		t.Errorf("%d rows, want %d: %v", n, 100+8*20, err)
	}
}

func TestResultSizeBounded(t *testing.T) {
	db := newTestDB(t, 2000)
	h := newTestHandler(t, db, &Options{MaxResultBytes: 64 << 10})
	for _, sql := range []string{
		"SELECT randomblob(1000000000)", "SELECT zeroblob(1000000000)", "SELECT printf('%.*c', 2000000, 'x')",
		"SELECT group_concat(hex(randomblob(100))) FROM big",
		"SELECT v, randomblob(200) FROM big", // each row fits, not all of them
	} {
		for _, target := range []string{"/test/-/query.json?" + q(sql), "/test/-/query.csv?" + q(sql)} {
			code, body, _ := do(t, h, "GET", target, "")
			if strings.Contains(target, ".csv") && strings.Contains(sql, "FROM big") && code == 200 {
				continue // CSV streams its rows: only each value is bounded
			}
			if m := decode(t, body); code != 400 || m["title"] != "Result too large" {
				t.Errorf("%s: %d %.300s", target, code, body)
			}
		}
	}
	// The readers still work, and read what fits.
	if code, body, _ := do(t, h, "GET", "/test/-/query.json?"+q("SELECT length(randomblob(1000)) AS n", "_shape", "arrayfirst"), ""); code != 200 || strings.TrimSpace(body) != "[1000]" {
		t.Errorf("after: %d %s", code, body)
	}
}

// Datasette's insert API takes "ignore" and "replace" for rows whose key
// exists; a field the server does not know is refused rather than
// silently dropped.
func TestInsertIgnoreReplaceAndUnknownFields(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db := newTestDB(t, 0)
	h := newTestHandler(t, db, &Options{Write: true, Token: testToken})
	auth := []string{"Authorization", "Bearer " + testToken}
	code, body, _ := do(t, h, "POST", "/test/t/-/insert", `{"rows": [{"id": 1, "name": "new"}, {"id": 9, "name": "nine"}], "ignore": true}`, auth...)
	if m := decode(t, body); code != 200 || m["inserted"] != 1.0 {
		t.Errorf("ignore: %d %s", code, body)
	}
	code, body, _ = do(t, h, "POST", "/test/t/-/insert", `{"row": {"id": 2, "name": "bea"}, "replace": true}`, auth...)
	if m := decode(t, body); code != 200 || m["inserted"] != 1.0 {
		t.Errorf("replace: %d %s", code, body)
	}
	var names string
	if err := db.QueryRow(context.Background(), "SELECT group_concat(name, '|') FROM (SELECT name FROM t WHERE id IN (1, 2, 9) ORDER BY id)").Scan(&names); err != nil || names != "ann|bea|nine" {
		t.Errorf("names %q (%v), want ann|bea|nine", names, err)
	}
	for _, bad := range []string{
		`{"row": {"id": 1, "name": "x"}, "ignore": true, "replace": true}`,
		`{"row": {"name": "x"}, "return": true}`,
		`{"rows": [{"name": "x"}], "alter": true}`,
	} {
		code, body, _ := do(t, h, "POST", "/test/t/-/insert", bad, auth...)
		if code != 400 || decode(t, body)["ok"] != false {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
	code, body, _ = do(t, h, "POST", "/test/-/execute", `{"sql": "SELECT 1", "parms": {"x": 1}}`, auth...)
	if code != 400 {
		t.Errorf("execute with a misspelt field: %d %s", code, body)
	}
	var n int
	db.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&n)
	if n != 4 {
		t.Errorf("%d rows, want 4", n)
	}
}

// A table too big to count within the count's time limit answers a null
// count; the listing itself does not fail.
func TestTablesWithCountsPastTheirTimeLimit(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	h := newTestHandler(t, newTestDB(t, 10), nil)
	defer func(d time.Duration) { countTimeLimit = d }(countTimeLimit)
	countTimeLimit = time.Nanosecond // every count ends before it starts
	code, body, _ := do(t, h, "GET", "/test/-/tables.json", "")
	if code != 200 {
		t.Fatalf("tables: %d %s", code, body)
	}
	var got []string
	for _, x := range decode(t, body)["tables"].([]any) {
		tb := x.(map[string]any)
		got = append(got, fmt.Sprint(tb["name"], " ", len(tb["columns"].([]any)), " ", tb["count"]))
	}
	if want := []string{"big 2 <nil>", "names 1 <nil>", "t 4 <nil>"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tables: got %v, want %v", got, want)
	}
}

// A file that is not a database is refused when the handler is made, not
// served with every query failing.
func TestNewRefusesAFileThatIsNotADatabase(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	path := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := asqlite.Open(ctx, path, &asqlite.Options{ReadOnly: true})
	if err != nil {
		return // refused already
	}
	defer db.Close()
	if _, err := New(ctx, []Database{{Name: "junk", DB: db}}, nil); !errors.Is(err, sqlite.ErrNotADB) {
		t.Errorf("New: %v, want SQLITE_NOTADB", err)
	}
}

// TestExecuteReportsAnInsertThatReusesARowid: last_insert_rowid is the
// execute's own insert also when it got the rowid the previous write got.
func TestExecuteReportsAnInsertThatReusesARowid(t *testing.T) {
	db := newTestDB(t, 0)
	h := newTestHandler(t, db, &Options{Write: true, Token: testToken})
	auth := []string{"Authorization", "Bearer " + testToken}
	insert := `{"sql": "INSERT INTO t (name) VALUES ('x')"}`
	code, body, _ := do(t, h, "POST", "/test/-/execute", insert, auth...)
	first := decode(t, body)["last_insert_rowid"]
	if code != 200 || first == 0.0 {
		t.Fatalf("insert: %d %s", code, body)
	}
	if code, body, _ := do(t, h, "POST", "/test/-/execute", `{"sql": "DELETE FROM t WHERE id = (SELECT max(id) FROM t)"}`, auth...); code != 200 {
		t.Fatalf("delete: %d %s", code, body)
	}
	code, body, _ = do(t, h, "POST", "/test/-/execute", insert, auth...)
	if m := decode(t, body); code != 200 || m["last_insert_rowid"] != first {
		t.Fatalf("insert again: %d %s, want last_insert_rowid %v", code, body, first)
	}
}
