package serve

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// discard is a ResponseWriter that keeps nothing, so that the benchmarks
// measure the handler.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header {
	return d.h
}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func benchmarkQuery(b *testing.B, target string) {
	db := newTestDB(b, 2000)
	h := newTestHandler(b, db, nil)
	req := httptest.NewRequest("GET", target, nil)
	w := &discard{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

func BenchmarkPointQuery(b *testing.B) {
	benchmarkQuery(b, "/test/-/query.json?"+q("SELECT id, v FROM big WHERE id = :id", "id", "77"))
}

func BenchmarkQuery1000Rows(b *testing.B) {
	benchmarkQuery(b, "/test/-/query.json?"+q("SELECT id, v FROM big LIMIT 1000"))
}
