package ftstest

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/asqlite/asqlite/sqlite"
)

func digest(rs []Recipe) string {
	h := sha256.New()
	for _, r := range rs {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00", r.ID, r.Name, r.Ingredients, r.Description)
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16]
}

// TestRecipesNeverChange pins the corpus: tests elsewhere expect exact
// search results and suggestions from it. Changing the generator means
// updating them all.
func TestRecipesNeverChange(t *testing.T) {
	if got, want := digest(Recipes(1, 1000)), "c4fcf50615e6378c"; got != want {
		t.Fatalf("Recipes(1, 1000) digest %s, want %s", got, want)
	}
	if digest(Recipes(2, 1000)) == digest(Recipes(1, 1000)) {
		t.Fatal("the seed does not matter")
	}
}

func TestLongerCorpusExtendsShorter(t *testing.T) {
	if !slices.Equal(Recipes(7, 50), Recipes(7, 200)[:50]) {
		t.Fatal("Recipes(7, 50) is not the start of Recipes(7, 200)")
	}
}

func TestRecipesLookLikeRecipes(t *testing.T) {
	rs := Recipes(1, 3000)
	var accents, cjk, emoji int
	names := map[string]bool{}
	for i, r := range rs {
		if r.ID != int64(i+1) || r.Name == "" || r.Ingredients == "" || r.Description == "" {
			t.Fatalf("recipe %d incomplete: %+v", i, r)
		}
		if !utf8.ValidString(r.Name + r.Ingredients + r.Description) {
			t.Fatalf("recipe %d not UTF-8", i)
		}
		names[r.Name] = true
		all := r.Name + r.Ingredients + r.Description
		if strings.ContainsAny(all, "éèñçüöîâ") {
			accents++
		}
		if strings.Contains(all, "味噌汁") {
			cjk++
		}
		if strings.ContainsAny(all, "🔥😋") {
			emoji++
		}
	}
	if len(names) < 1000 || accents < 100 || cjk < 10 || emoji < 10 {
		t.Fatalf("too little variety: %d names, %d with accents, %d with CJK, %d with emoji", len(names), accents, cjk, emoji)
	}
}

func TestCreateRecipesFillsTable(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := CreateRecipes(c, "my recipes", 3, 25); err != nil {
		t.Fatal(err)
	}
	want := Recipes(3, 25)
	i := 0
	for row, err := range c.Query(`SELECT id, name, ingredients, description FROM "my recipes" ORDER BY id`) {
		if err != nil {
			t.Fatal(err)
		}
		got := Recipe{row.ColumnInt64(0), row.ColumnText(1), row.ColumnText(2), row.ColumnText(3)}
		if got != want[i] {
			t.Fatalf("row %d = %+v, want %+v", i, got, want[i])
		}
		i++
	}
	if i != 25 {
		t.Fatalf("%d rows", i)
	}
	if err := CreateRecipes(c, "my recipes", 3, 25); err == nil {
		t.Fatal("CreateRecipes over an existing table succeeded")
	}
}
