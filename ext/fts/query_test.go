package fts

import (
	"errors"
	"testing"
)

func TestParseAndFormatQueries(t *testing.T) {
	for in, want := range map[string]string{
		"hello":                           "hello",
		"hello world":                     "hello world",
		"a OR b AND c":                    "a OR b AND c",
		`"one two" + three*`:              `"one two" + three*`,
		`"AND"`:                           `"AND"`,
		"nyme:(minced OR oyl NOT peenut)": "nyme: (minced OR oyl NOT peenut)",
		"{title body}: ^start":            "{title body}: ^start",
		"-title: x":                       "-title: x",
		"NEAR(a b c, 5)":                  "NEAR(a b c, 5)",
		"NEAR(a  \"b c\")":                `NEAR(a "b c")`,
		`"quo""te"`:                       `"quo""te"`,
		"café au lait":                    "café au lait",
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
	for _, in := range []string{"", "(a", "a OR", `"open`, "NEAR(a, x)", "()", "a )", "-x", "{a b c"} {
		_, err := parseQuery(in)
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("parse %q: got %v, want a *QueryError", in, err)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"a OR b", "col:(x NOT y)", `"q""x" + z*`, "NEAR(a b, 3)", "{a b}: ^c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseQuery(s)
		if err != nil {
			return
		}
		// What we print must parse back to the same thing.
		out := format(n)
		n2, err := parseQuery(out)
		if err != nil {
			t.Fatalf("formatted %q (from %q) does not parse: %v", out, s, err)
		}
		if again := format(n2); again != out {
			t.Fatalf("format not stable: %q -> %q", out, again)
		}
	})
}
