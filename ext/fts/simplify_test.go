package fts

import "testing"

func TestSimplifierFoldsAndStrips(t *testing.T) {
	s := newSimplifier(true, true)
	for in, want := range map[string]string{
		"Hello":    "hello",
		"Café":     "cafe",
		"NAÏVE":    "naive",
		"Straße":   "strasse",
		"ﬁle":      "file",
		"ＡＢＣ":      "abc",
		"Ångström": "angstrom",
		"ΟΔΥΣΣΕΥΣ": "οδυσσευσ",
		"日本":       "日本",
	} {
		if got := string(s.apply([]byte(in))); got != want {
			t.Errorf("simplify(%q) = %q, want %q", in, got, want)
		}
	}
	keep := newSimplifier(false, false)
	if got := string(keep.apply([]byte("Café"))); got != "Café" {
		t.Errorf("no-op simplifier changed %q", got)
	}
	foldOnly := newSimplifier(true, false)
	if got := string(foldOnly.apply([]byte("Café"))); got != "café" {
		t.Errorf("fold only: %q", got)
	}
}
