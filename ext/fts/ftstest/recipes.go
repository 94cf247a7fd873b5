// Package ftstest generates text for testing and demonstrating full-text
// search: a corpus of recipe-like rows (name, ingredients, description)
// made from word lists by a seeded generator, so the same seed gives the
// same rows on every machine and Go version.
//
// The text has what a search engine should cope with: frequent and rare
// words, phrases, numbers and fractions, words with diacritics
// ("jalapeño", "crème fraîche"), capitals, apostrophes, a little CJK text
// and emoji.
package ftstest

import (
	"fmt"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// Recipe is one row of the corpus.
type Recipe struct {
	ID          int64
	Name        string
	Ingredients string
	Description string
}

// rng is splitmix64: tiny, fast, and fixed forever, unlike math/rand's
// helpers, so the corpus never changes under the tests.
type rng struct{ state uint64 }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// pick returns a random element, favouring the first ones: element i is
// chosen about 1/(i+1) as often as element 0 (Zipf-like), as words are in
// real text.
func pick[T any](r *rng, list []T) T {
	// Harmonic weights without floating point: draw u in [0, H) by
	// comparing against cumulative sums scaled by a large integer.
	total := uint64(0)
	for i := range list {
		total += 720720 / uint64(i+1)
	}
	u := r.next() % total
	for i := range list {
		w := 720720 / uint64(i+1)
		if u < w {
			return list[i]
		}
		u -= w
	}
	return list[len(list)-1]
}

// uniform returns a random element, all equally likely.
func uniform[T any](r *rng, list []T) T { return list[r.intn(len(list))] }

var (
	nameAdjectives = []string{"Classic", "Easy", "Spicy", "Creamy", "Roasted", "Grandma's", "Quick", "Homemade",
		"Grilled", "Smoky", "Sweet", "Tangy", "Rustic", "Crispy", "Golden", "Zesty", "Hearty", "Summer", "Winter",
		"Herbed", "Old-Fashioned", "Aunt May's", "P.L's", "Weeknight", "Slow-Cooker", "One-Pot", "Vegan", "Baked"}
	nameMains = []string{"Chicken", "Lemon", "Tomato", "Garlic", "Mushroom", "Potato", "Apple", "Peanut", "Salmon",
		"Beef", "Chickpea", "Lentil", "Coconut", "Pumpkin", "Spinach", "Ginger", "Banana", "Mango", "Shrimp", "Tofu",
		"Guava", "Eggplant", "Zucchini", "Cauliflower", "Avocado", "Orange", "Lime", "Strawberry", "Blueberry",
		"Chocolate", "Almond", "Walnut", "Honey", "Maple", "Sesame", "Miso", "Kimchi", "Paneer", "Feta", "Jalapeño",
		"Halloumi", "Rhubarb", "Fennel", "Quince", "Crème Fraîche"}
	nameDishes = []string{"Soup", "Salad", "Curry", "Stew", "Pie", "Bread", "Cake", "Pasta", "Tacos", "Risotto",
		"Stir-Fry", "Casserole", "Jelly", "Jam", "Muffins", "Chutney", "Smoothie", "Pudding", "Cookies", "Skewers",
		"Dip", "Sauce", "Tart", "Fritters", "Crumble", "Purée", "Gratin", "Omelette", "Pancakes", "Noodles",
		"Dumplings", "Sorbet", "Pickles", "Flatbread"}

	ingredients = []string{"salt", "black pepper", "olive oil", "garlic", "onion", "butter", "sugar", "flour", "water",
		"eggs", "lemon", "milk", "ginger", "tomatoes", "chicken stock", "soy sauce", "honey", "cumin", "paprika",
		"parsley", "brown sugar", "vegetable oil", "cinnamon", "heavy cream", "baking powder", "vanilla extract",
		"lime", "cilantro", "carrots", "celery", "red onion", "thyme", "basil", "coconut milk", "rice", "potatoes",
		"spinach", "mushrooms", "chickpeas", "lentils", "tomato paste", "vegetable stock", "rice vinegar",
		"sesame oil", "peanut butter", "peanuts", "peanut oil", "scallions", "shallots", "rosemary", "mint",
		"turmeric", "coriander", "nutmeg", "cardamom", "chili flakes", "smoked paprika", "jalapeño", "fish sauce",
		"maple syrup", "cider vinegar", "baking soda", "cocoa powder", "dark chocolate", "almonds", "walnuts",
		"pecans", "raisins", "dates", "apples", "bananas", "mangoes", "strawberries", "blueberries", "yogurt",
		"sour cream", "parmesan", "feta", "cheddar", "crème fraîche", "bacon", "chicken thighs", "ground beef",
		"salmon fillets", "shrimp", "tofu", "noodles", "pasta", "breadcrumbs", "panko", "mustard", "mayonnaise",
		"worcestershire sauce", "miso paste", "kimchi", "gochujang", "tahini", "harissa", "guava paste", "guavas",
		"pectin", "gelatin", "orange zest", "lemon zest", "oregano", "bay leaves", "cloves", "star anise",
		"pine nuts", "capers", "olives", "anchovies", "sweet potatoes", "pumpkin purée", "zucchini", "eggplant",
		"cauliflower", "avocado", "quince", "rhubarb", "fennel", "halloumi", "paneer", "ghee", "saffron"}
	measures = []string{"1 cup", "2 cups", "1/2 cup", "1 1/2 cups", "1/3 cup", "1 tbsp", "2 tbsp", "3 tbsp",
		"1 tsp", "1/2 tsp", "1/4 tsp", "2 tsp", "100 g", "250 g", "500 g", "200 ml", "400 ml", "1 lb", "8 oz",
		"a pinch of", "a handful of", "1 can", "2", "3", "4", "6"}
	preps = []string{"minced", "chopped", "finely chopped", "diced", "sliced", "grated", "juiced", "softened",
		"melted", "toasted", "crushed", "peeled", "at room temperature", "drained", "to taste"}

	descOpeners = []string{
		"A %s %s that is perfect for %s.",
		"This %s %s is ready in %d minutes.",
		"My family's favourite %s %s since %d.",
		"An easy %s %s for %s.",
		"The best %s %s you will ever make, great for %s.",
	}
	descAdjectives = []string{"simple", "delicious", "comforting", "bright", "rich", "light", "fragrant", "crowd-pleasing",
		"budget-friendly", "kid-friendly", "elegant", "rustic", "healthy", "decadent", "refreshing", "satisfying"}
	occasions = []string{"weeknight dinners", "a lazy Sunday", "picnics", "potlucks", "holidays", "meal prep",
		"brunch", "lunch boxes", "date night", "a crowd", "cold evenings", "summer barbecues"}
	descExtras = []string{
		"Serve with a squeeze of %s.",
		"Don't skip the %s!",
		"Inspired by a trip to %s.",
		"Use fresh %s if you can.",
		"Leftovers keep for three days in the fridge.",
		"Double the recipe and freeze half.",
		"It tastes even better the next day.",
		"Top with toasted %s for crunch.",
		"So good 🔥",
		"Kids love it 😋",
		"In Japan this is served with 味噌汁 and rice.",
		"Known in Mexico as salsa de guayaba.",
		"Naïve cooks often overcook it; watch the timer.",
	}
	places = []string{"Québec", "São Paulo", "Zürich", "Kraków", "Curaçao", "Reykjavík", "Oaxaca", "Lisbon",
		"Marrakech", "Hanoi", "Kyoto", "Naples", "Tbilisi", "Istanbul", "Lima"}
)

// Recipes returns n recipes generated from seed, with IDs 1 to n. The same
// seed and n always give the same recipes; a larger n extends a smaller
// one.
func Recipes(seed uint64, n int) []Recipe {
	r := &rng{state: seed}
	out := make([]Recipe, 0, max(n, 0))
	for i := range n {
		out = append(out, recipe(r, int64(i+1)))
	}
	return out
}

func recipe(r *rng, id int64) Recipe {
	main := pick(r, nameMains)
	dish := pick(r, nameDishes)
	name := main + " " + dish
	switch r.intn(4) {
	case 0, 1:
		name = pick(r, nameAdjectives) + " " + name
	case 2:
		name = main + " and " + pick(r, nameMains) + " " + dish
	}

	// The main ingredient of the name is usually in the list too.
	var lines []string
	count := 4 + r.intn(9)
	mainIng := strings.ToLower(main)
	for j := range count {
		ing := pick(r, ingredients)
		if j == 0 && r.intn(3) > 0 {
			ing = mainIng
		}
		line := uniform(r, measures) + " " + ing
		if r.intn(3) == 0 {
			line += ", " + uniform(r, preps)
		}
		lines = append(lines, line)
	}

	adj := uniform(r, descAdjectives)
	lowDish := strings.ToLower(dish)
	var desc string
	switch k := r.intn(len(descOpeners)); k {
	case 1:
		desc = fmt.Sprintf(descOpeners[k], adj, lowDish, 10+5*r.intn(20))
	case 2:
		desc = fmt.Sprintf(descOpeners[k], adj, lowDish, 1950+r.intn(70))
	default:
		desc = fmt.Sprintf(descOpeners[k], adj, lowDish, uniform(r, occasions))
	}
	for range r.intn(3) {
		extra := uniform(r, descExtras)
		if strings.Contains(extra, "%s") {
			arg := pick(r, ingredients)
			if strings.Contains(extra, "trip") {
				arg = uniform(r, places)
			}
			extra = fmt.Sprintf(extra, arg)
		}
		desc += " " + extra
	}
	return Recipe{ID: id, Name: name, Ingredients: strings.Join(lines, "; "), Description: desc}
}

// CreateRecipes creates the table
//
//	CREATE TABLE name(id INTEGER PRIMARY KEY, name TEXT, ingredients TEXT, description TEXT)
//
// on c and fills it with Recipes(seed, n), in one transaction.
func CreateRecipes(c *sqlite.Conn, table string, seed uint64, n int) error {
	q := `"` + strings.ReplaceAll(table, `"`, `""`) + `"`
	return c.Tx(sqlite.Immediate, func() error {
		err := c.Exec("CREATE TABLE " + q + "(id INTEGER PRIMARY KEY, name TEXT, ingredients TEXT, description TEXT)")
		if err != nil {
			return err
		}
		ins, err := c.Prepare("INSERT INTO " + q + "(id, name, ingredients, description) VALUES (?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, rc := range Recipes(seed, n) {
			if err := ins.Exec(rc.ID, rc.Name, rc.Ingredients, rc.Description); err != nil {
				return err
			}
		}
		return nil
	})
}
