package fts

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestParseAndFormatQueries(t *testing.T) {
	for in, want := range map[string]string{
		"hello":                           "hello",
		"hello world":                     "hello world",
		"a OR b AND c":                    "a OR b AND c",
		`"one two" + three*`:              `"one two" + three*`,
		"one *  +  two":                   "one* + two",
		`"AND"`:                           `"AND"`,
		"nyme:(minced OR oyl NOT peenut)": "nyme: (minced OR oyl NOT peenut)",
		"{title body}: ^start":            "{title body}: ^start",
		"{title body} : ^ start":          "{title body}: ^start",
		"-title: x":                       "-title: x",
		"- {a b}: x":                      "-{a b}: x",
		"NEAR(a b c, 5)":                  "NEAR(a b c, 5)",
		"NEAR (a  \"b c\")":               `NEAR(a "b c")`,
		"NEAR(x)":                         "NEAR(x)",
		"NEAR x":                          `"NEAR" x`,
		"a:NEAR":                          `a: "NEAR"`,
		`"quo""te"`:                       `"quo""te"`,
		"café au lait":                    "café au lait",
		"x*y":                             "x* y",
		"(x) AND (y)":                     "(x) AND (y)",
		"x NOT y NOT z":                   "x NOT y NOT z",
		"a b OR c d":                      "a b OR c d",
		"x \x00 ( garbage":                "x",
		"\x1a":                            "\x1a",
	} {
		n, err := parseQuery(in)
		if err != nil {
			t.Errorf("parse %q: %v", in, err)
			continue
		}
		if got := format(n); got != want {
			t.Errorf("format(parse(%q)) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRejectsBadQueries(t *testing.T) {
	for _, in := range []string{"", "  ", "(a", "a OR", `"open`, "NEAR(a, x)", "NEAR()", "NEAR(x y,)", "()", "a )", "-x",
		"{a b c", "{}: x", "a (b OR c)", "(a) b", "(a)(b)", "a:(b) c", "x\fy", "x\vy", "NEAR(^x y)", "NEAR(a:x)",
		"near(x)", `"NEAR"(x)`, "x**", "x + ^y", "AND a", "x OR OR y", "a:b:c", "*", "a: -b: x", "^(x)", "x,y"} {
		_, err := parseQuery(in)
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("parse %q: got %v, want a *QueryError", in, err)
		}
	}
}

// ftsAccepts reports whether FTS5 accepts q as a MATCH query on a table
// with columns a, b and "c d", and whether the answer is about syntax
// (FTS5 checks column names while parsing, so "no such column" may hide a
// syntax error after it).
func ftsAccepts(t testing.TB, c *sqlite.Conn, q string) (ok, known bool) {
	for _, err := range c.Query("SELECT count(*) FROM q WHERE q MATCH ?", q) {
		if err != nil {
			if strings.Contains(err.Error(), "no such column") {
				return false, false
			}
			if !strings.Contains(err.Error(), "syntax error") && !strings.Contains(err.Error(), "unterminated string") &&
				!strings.Contains(err.Error(), "expected integer") && !strings.Contains(err.Error(), "unknown special query") {
				t.Fatalf("query %q: unexpected error %v", q, err)
			}
			return false, true
		}
	}
	return true, true
}

func queryTestConn(t testing.TB) *sqlite.Conn {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Exec(`CREATE VIRTUAL TABLE q USING fts5(a, b, "c d"); INSERT INTO q VALUES ('x y', 'z', 'w')`); err != nil {
		t.Fatal(err)
	}
	return c
}

// compareWithFTS5 checks that parseQuery and FTS5 agree on q, and that
// what format prints is accepted too.
func compareWithFTS5(t testing.TB, c *sqlite.Conn, q string) (compared bool) {
	ftsOK, known := ftsAccepts(t, c, q)
	n, err := parseQuery(q)
	if !known {
		return false
	}
	if (err == nil) != ftsOK {
		t.Fatalf("query %q: parseQuery error %v, FTS5 accepts: %v", q, err, ftsOK)
	}
	if err == nil {
		out := format(n)
		if ok, known := ftsAccepts(t, c, out); known && !ok {
			t.Fatalf("query %q: FTS5 rejects its formatted form %q", q, out)
		}
		n2, err := parseQuery(out)
		if err != nil || format(n2) != out {
			t.Fatalf("query %q: formatted %q does not read back the same (%v)", q, out, err)
		}
	}
	return true
}

// queryPieces are what random queries are made of: column names, words,
// keywords, quoted strings, punctuation and separators.
var queryPieces = []string{"a", "b", `"c d"`, "x", "é", "12", "NEAR", "AND", "OR", "NOT", `"a"`, `"x""y"`, `""`, `"`,
	"(", ")", "{", "}", ":", ",", "+", "*", "-", "^", ".", " ", " ", " ", " ", "\t", "\f", "\n"}

// TestParserAgreesWithFTS5 generates random queries from queryPieces and
// checks that parseQuery accepts exactly those FTS5 accepts.
func TestParserAgreesWithFTS5(t *testing.T) {
	c := queryTestConn(t)
	rng := rand.New(rand.NewPCG(1, 2))
	compared, accepted := 0, 0
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(9) {
			b.WriteString(queryPieces[rng.IntN(len(queryPieces))])
		}
		q := b.String()
		if compareWithFTS5(t, c, q) {
			compared++
			if _, err := parseQuery(q); err == nil {
				accepted++
			}
		}
	}
	// The comparison must cover both answers in quantity.
	if compared < 10000 || accepted < 1000 || compared-accepted < 1000 {
		t.Fatalf("weak comparison: %d queries compared, %d accepted", compared, accepted)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"a OR b", "a:(x NOT y)", `"q""x" + z*`, "NEAR(a b, 3)", "{a b}: ^c", "a (b)", "-b: x"} {
		f.Add(s)
	}
	c := queryTestConn(f)
	f.Fuzz(func(t *testing.T, s string) {
		compareWithFTS5(t, c, s)
	})
}
