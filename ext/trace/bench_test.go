package trace_test

import (
	"io"
	"testing"

	"github.com/asqlite/asqlite/ext/trace"
	"github.com/asqlite/asqlite/sqlite"
)

// BenchmarkPointQuery measures what tracing adds to a cached point query:
// untraced, traced to events only, and printed (to io.Discard), with row
// changes and transactions.
func BenchmarkPointQuery(b *testing.B) {
	for _, bc := range []struct {
		name string
		w    io.Writer
		opts *trace.Options
	}{
		{"untraced", nil, nil},
		{"events", nil, &trace.Options{OnEvent: func(trace.Event) {}}},
		{"printed", io.Discard, &trace.Options{VTables: true, Changes: trace.ChangeValues, Transactions: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := sqlite.Open(":memory:", 0)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if err := c.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES (1, 'one')"); err != nil {
				b.Fatal(err)
			}
			if bc.opts != nil {
				stop, err := trace.Start(c, bc.w, bc.opts)
				if err != nil {
					b.Fatal(err)
				}
				defer stop()
			}
			b.ReportAllocs()
			for b.Loop() {
				s, err := c.Prep("SELECT v FROM t WHERE id = ?")
				if err != nil {
					b.Fatal(err)
				}
				s.BindInt64(1, 1)
				if ok, err := s.Step(); !ok || err != nil {
					b.Fatal(ok, err)
				}
				s.Close()
			}
		})
	}
}
