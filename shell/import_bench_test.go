package shell

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

// writeImportCSV writes a CSV of n rows like the ones of
// docs/BENCHMARKS.md's import figures: four columns, one quoted.
func writeImportCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "id,name,price,note")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, "%d,item %d,%d.%02d,\"note, with comma %d\"\n", i, i, i%1000, i%100, i)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkImport imports a 100,000-row CSV into a new table of a file
// database; bench/import.sh compares a 1,000,000-row import with sqlite3.
func BenchmarkImport(b *testing.B) {
	dir := b.TempDir()
	csv := filepath.Join(dir, "rows.csv")
	const rows = 100_000
	writeImportCSV(b, csv, rows)
	b.ResetTimer()
	for i := range b.N {
		conn, err := sqlite.Open(filepath.Join(dir, fmt.Sprintf("b%d.db", i)), 0)
		if err != nil {
			b.Fatal(err)
		}
		sh := New(conn, io.Discard, io.Discard)
		if err := sh.Exec(context.Background(), ".import --csv "+csv+" t"); err != nil {
			b.Fatal(err)
		}
		sh.Close()
		conn.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
