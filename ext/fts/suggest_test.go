package fts

import "testing"

func testSuggester() *suggester {
	vocab := newVocabulary(map[string]int{
		"minced": 40, "oil": 900, "peanut": 120, "butter": 300, "garlic": 500,
		"lemon": 200, "lemons": 10, "guava": 15, "chicken": 700, "olive": 250, "salt": 1000,
	})
	simp := newSimplifier(true, true)
	return &suggester{
		vocab:   vocab,
		columns: []string{"name", "ingredients", "description"},
		tokenize: func(s string) []string {
			var out []string
			WordSegments([]byte(s), func(start, end int, isWord bool) bool {
				if isWord {
					out = append(out, string(simp.apply([]byte(s[start:end]))))
				}
				return true
			})
			return out
		},
	}
}

func TestQuerySuggestFixes(t *testing.T) {
	for in, want := range map[string]string{
		"nyme:(minced OR oyl NOT peenut)": "name: (minced OR oil NOT peanut)",
		"peanutbutter":                    "\"peanut butter\"",
		"pea nut":                         "peanut",
		"lemmon OR guava":                 "lemon OR guava",
		"chikcen":                         "chicken",
		"ingredients: galric":             "ingredients: garlic",
		"{nane descripton}: salt":         "{name description}: salt",
		"Olive OYL":                       "Olive oil",
	} {
		got, ok, err := testSuggester().suggest(in)
		if err != nil || !ok || got != want {
			t.Errorf("suggest(%q) = %q, %v, %v; want %q", in, got, ok, err, want)
		}
	}
}

func TestQuerySuggestLeavesGoodQueriesAlone(t *testing.T) {
	for _, q := range []string{"minced OR oil", "name: peanut", "lem*", "zzzzzzzz"} {
		if got, ok, err := testSuggester().suggest(q); ok || err != nil {
			t.Errorf("suggest(%q) = %q, %v, %v; want no suggestion", q, got, ok, err)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"peenut", "peanut", 1}, {"chikcen", "chicken", 1}, {"abc", "abc", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}} {
		if got := editDistance([]rune(tc.a), []rune(tc.b), 10); got != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
	if got := editDistance([]rune("aaaaaa"), []rune("bbbbbb"), 2); got != 2 {
		t.Errorf("limit not applied: %d", got)
	}
}

// TestTablesWhoseNamesJoinAlikeHaveTheirOwnVocabularies: "a_b" in main and
// "b" in main_a each suggest from their own words.
func TestTablesWhoseNamesJoinAlikeHaveTheirOwnVocabularies(t *testing.T) {
	c := openMemory(t)
	mustExec(t, c, "ATTACH ':memory:' AS main_a")
	t1, err := Create(c, "a_b", &Options{Columns: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	t2, err := Create(c, "b", &Options{Schema: "main_a", Columns: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "INSERT INTO main.a_b VALUES ('apple'); INSERT INTO main_a.b VALUES ('banana')")
	for _, tc := range []struct {
		t           *Table
		query, want string
	}{{t1, "appel", "apple"}, {t2, "banan", "banana"}} {
		got, ok, err := tc.t.QuerySuggest(tc.query)
		if err != nil || !ok || got != tc.want {
			t.Errorf("QuerySuggest(%q) = %q, %v, %v; want %q", tc.query, got, ok, err, tc.want)
		}
	}
}
