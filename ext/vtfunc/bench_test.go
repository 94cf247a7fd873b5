package vtfunc_test

import (
	"context"
	"iter"
	"slices"
	"testing"

	"github.com/asqlite/asqlite/ext/vtfunc"
	"github.com/asqlite/asqlite/sqlite"
)

const benchRows = 1000

func benchData() []tagged {
	out := make([]tagged, benchRows)
	for i := range out {
		out[i] = tagged{Name: "title", Year: i, embedded: embedded{float64(i) / 2}}
	}
	return out
}

// benchScan reads every row and column of the registered table t.
func benchScan(b *testing.B, c *sqlite.Conn) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for row, err := range c.Query("SELECT title, year, score FROM t(1)") {
			if err != nil {
				b.Fatal(err)
			}
			_ = row.ColumnText(0)
			n++
		}
		if n != benchRows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}

var benchTable = vtfunc.Table{Columns: []string{"title", "year", "score"}, Params: []vtfunc.Param{{Name: "p"}}}

func BenchmarkScanSeqStruct(b *testing.B) {
	c, _ := sqlite.Open(":memory:", 0)
	defer c.Close()
	data := benchData()
	err := vtfunc.Register(c, "t", benchTable, func(context.Context, vtfunc.Args) (iter.Seq[tagged], error) {
		return slices.Values(data), nil
	})
	if err != nil {
		b.Fatal(err)
	}
	benchScan(b, c)
}

func BenchmarkScanSliceStruct(b *testing.B) {
	c, _ := sqlite.Open(":memory:", 0)
	defer c.Close()
	data := benchData()
	err := vtfunc.RegisterSlice(c, "t", benchTable, func(context.Context, vtfunc.Args) ([]tagged, error) {
		return data, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	benchScan(b, c)
}

func BenchmarkScanSeqAnySlice(b *testing.B) {
	c, _ := sqlite.Open(":memory:", 0)
	defer c.Close()
	data := make([][]any, benchRows)
	for i := range data {
		data[i] = []any{"title", i, float64(i) / 2}
	}
	err := vtfunc.Register(c, "t", benchTable, func(context.Context, vtfunc.Args) (iter.Seq[[]any], error) {
		return slices.Values(data), nil
	})
	if err != nil {
		b.Fatal(err)
	}
	benchScan(b, c)
}

// BenchmarkScanTable is the baseline: the same rows from an ordinary table.
func BenchmarkScanTable(b *testing.B) {
	c, _ := sqlite.Open(":memory:", 0)
	defer c.Close()
	if err := c.Exec("CREATE TABLE tt(title, year, score)"); err != nil {
		b.Fatal(err)
	}
	for _, r := range benchData() {
		if err := c.Exec("INSERT INTO tt VALUES (?, ?, ?)", r.Name, r.Year, r.Score); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for row, err := range c.Query("SELECT title, year, score FROM tt") {
			if err != nil {
				b.Fatal(err)
			}
			_ = row.ColumnText(0)
			n++
		}
		if n != benchRows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}
