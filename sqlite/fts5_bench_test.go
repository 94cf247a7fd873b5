package sqlite

import (
	"fmt"
	"strings"
	"testing"
)

// fts5BenchDoc returns a document of about 60 words.
func fts5BenchDoc(i int) string {
	words := strings.Fields("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon")
	var b strings.Builder
	for j := range 60 {
		b.WriteString(words[(i*7+j*j)%len(words)])
		b.WriteByte(' ')
	}
	return b.String()
}

// BenchmarkFTS5Insert measures indexing one document with a built-in and
// with a Go tokenizer (the same tables, the same documents).
func BenchmarkFTS5Insert(b *testing.B) {
	for _, tokenize := range []string{"ascii", "words", "stop ascii"} {
		b.Run(strings.ReplaceAll(tokenize, " ", "_"), func(b *testing.B) {
			c := fts5Open(b)
			c.CreateTokenizer("words", fts5NewWords)
			c.CreateTokenizer("stop", fts5StopConstructor(c, nil))
			fts5Exec(b, c, fmt.Sprintf("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='%s')", tokenize))
			fts5Exec(b, c, "BEGIN")
			docs := make([]string, 64)
			for i := range docs {
				docs[i] = fts5BenchDoc(i)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := c.Exec("INSERT INTO t(x) VALUES (?)", docs[i%len(docs)]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			fts5Exec(b, c, "COMMIT")
		})
	}
}

// BenchmarkFTS5Rank measures ranking every matching row of a query with
// the built-in bm25() and with the Go version (fts5BM25), per query.
func BenchmarkFTS5Rank(b *testing.B) {
	c := fts5Open(b)
	c.CreateFTS5Function("gobm25", fts5BM25)
	fts5Exec(b, c, "CREATE VIRTUAL TABLE t USING fts5(x)")
	fts5Exec(b, c, "BEGIN")
	for i := range 1000 {
		fts5Exec(b, c, "INSERT INTO t(x) VALUES (?)", fts5BenchDoc(i))
	}
	fts5Exec(b, c, "COMMIT")
	for _, fn := range []string{"bm25", "gobm25"} {
		b.Run(fn, func(b *testing.B) {
			sql := "SELECT " + fn + "(t) FROM t WHERE t MATCH 'alpha OR omicron'"
			rows := 0
			for b.Loop() {
				rows = 0
				for _, err := range c.Query(sql) {
					if err != nil {
						b.Fatal(err)
					}
					rows++
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		})
	}
}

// BenchmarkFTS5TokenizerFromGo measures tokenizing a document from Go with
// an engine tokenizer.
func BenchmarkFTS5TokenizerFromGo(b *testing.B) {
	c := fts5Open(b)
	tok, err := c.Tokenizer("unicode61", nil)
	if err != nil {
		b.Fatal(err)
	}
	doc := []byte(fts5BenchDoc(1))
	n := 0
	emit := func([]byte, int, int, bool) error { n++; return nil }
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if err := tok.Tokenize(doc, TokenizeDocument, emit); err != nil {
			b.Fatal(err)
		}
	}
}
