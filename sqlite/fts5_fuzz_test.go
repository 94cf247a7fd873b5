package sqlite

import (
	"errors"
	"testing"
)

// FuzzFTS5Query runs arbitrary FTS5 query strings against tables tokenized
// by Go tokenizers (one alone, one chained through porter), ranked and
// highlighted by Go auxiliary functions. Whatever the query, nothing
// panics, a failure is an *Error, and the connection keeps working.
func FuzzFTS5Query(f *testing.F) {
	for _, q := range []string{
		"a", "alpha*", `"alpha beta"`, "alpha OR gamma", "alpha NOT beta", "alpha AND (beta OR 1st)",
		"NEAR(alpha gamma, 2)", "x: alpha", "{x y}: beta", "- x: beta", "^alpha", "alpha + beta",
		"(", `"`, "*", "NEAR(", "x:", "AND", "alpha OR", "\x00", "é", `"" OR ""`, "a:b:c", "first*",
		"{x}:NEAR(alpha beta)", "1st second", "NOT", "alph* + bet*",
	} {
		f.Add(q)
	}
	c, err := Open(":memory:", 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	syn := map[string][]string{"first": {"1st"}, "second": {"2nd"}}
	must := func(err error) {
		if err != nil {
			f.Fatal(err)
		}
	}
	must(c.CreateTokenizer("syn", func([]string) (Tokenizer, error) { return fts5Words{syn: syn}, nil }))
	must(c.CreateTokenizer("stop", fts5StopConstructor(c, nil)))
	must(c.CreateFTS5Function("gohighlight", fts5Highlight))
	must(c.CreateFTS5Function("gobm25", fts5BM25))
	must(c.Exec(`CREATE VIRTUAL TABLE t USING fts5(x, y, tokenize='syn', prefix='1 2');
		CREATE VIRTUAL TABLE u USING fts5(x, y, tokenize='stop porter syn')`))
	for _, tab := range []string{"t", "u"} {
		must(c.Exec("INSERT INTO "+tab+" VALUES (?, ?), (?, ?), (?, ?)",
			"alpha beta gamma", "the first second",
			"Beta alphabet", "gamma delta alpha",
			"nothing here", "first alpha then beta"))
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, tab := range []string{"t", "u"} {
			sql := "SELECT rowid, gobm25(" + tab + "), gohighlight(" + tab + ", 1, '[', ']'), highlight(" + tab + ", 0, '<', '>') FROM " + tab + " WHERE " + tab + " MATCH ? ORDER BY rank"
			for _, err := range c.Query(sql, q) {
				if err != nil {
					var e *Error
					if !errors.As(err, &e) {
						t.Fatalf("MATCH %q: %T %v, want an *Error", q, err, err)
					}
					break
				}
			}
		}
		for _, err := range c.Query("SELECT count(*) FROM t WHERE t MATCH 'alpha'") {
			if err != nil {
				t.Fatalf("connection broken after MATCH %q: %v", q, err)
			}
		}
	})
}
