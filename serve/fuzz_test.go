package serve

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzQueryString sends arbitrary query strings to the query endpoints:
// every answer must be a status the API documents with a well-formed body,
// and the database must stay as it was.
func FuzzQueryString(f *testing.F) {
	for _, seed := range []string{
		"sql=SELECT+1",
		"sql=SELECT+*+FROM+t&_shape=arrays",
		"sql=SELECT+name+FROM+t+WHERE+id%3D:id&id=2&_shape=array&_nl=on",
		"sql=SELECT+id+FROM+t&_shape=arrayfirst&_timelimit=5",
		"sql=DELETE+FROM+t",
		"sql=ATTACH+%27x%27+AS+x",
		"sql=PRAGMA+query_only%3D0",
		"sql=SELECT+:a,:b&a=1&b=%FF",
		"sql=%zz",
		"_shape=nope&sql=SELECT+1",
		"sql=SELECT+x%270%27&_timelimit=-1",
		"sql=&&&=&_nl=on",
		"sql=SELECT+char(0,10,8232)",
		"sql=SELECT+randomblob(1e9)",
		"sql=SELECT+zeroblob(1e9)&_shape=arrays",
	} {
		f.Add(seed)
	}
	db := newTestDB(f, 0)
	h, err := New(context.Background(), []Database{{Name: "test", DB: db}}, &Options{TimeLimit: 50 * time.Millisecond, MaxRows: 50, MaxResultBytes: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, path := range []string{"/test/-/query.json", "/test.csv"} {
			req := httptest.NewRequest("GET", "/", nil)
			req.URL.Path, req.URL.RawQuery = path, raw
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			switch rec.Code {
			case 200:
				if strings.HasSuffix(path, ".csv") || strings.Contains(raw, "_nl") {
					continue
				}
			case 400, 403:
			default:
				t.Fatalf("%s?%s: status %d: %s", path, raw, rec.Code, body)
			}
			if !json.Valid([]byte(body)) {
				t.Fatalf("%s?%s: invalid JSON %q", path, raw, body)
			}
		}
		var n int
		if err := db.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&n); err != nil || n != 3 {
			t.Fatalf("after %q: %d rows, %v", raw, n, err)
		}
	})
}
