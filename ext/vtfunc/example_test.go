package vtfunc_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log"
	"maps"
	"slices"

	"github.com/asqlite/asqlite/ext/vtfunc"
	"github.com/asqlite/asqlite/sqlite"
)

type book struct {
	Title  string
	Year   int
	Review float64 `sqlite:"rating"`
}

var library = []book{
	{"The Great Gatsby", 1925, 9.2},
	{"To Kill a Mockingbird", 1960, 9.5},
	{"1984", 1949, 9.8},
	{"The Catcher in the Rye", 1951, 8.4},
	{"The Hobbit", 1937, 9.6},
}

func open() *sqlite.Conn {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

func printRows(c *sqlite.Conn, sql string, args ...any) {
	for row, err := range c.Query(sql, args...) {
		if err != nil {
			log.Fatal(err)
		}
		for i := range row.ColumnCount() {
			if i > 0 {
				fmt.Print(" | ")
			}
			fmt.Print(row.ColumnValue(i))
		}
		fmt.Println()
	}
}

// A generator with a required and a defaulted parameter. SQLite filters
// and sorts the rows; the parameters are given positionally or in WHERE.
func ExampleRegister() {
	c := open()
	defer c.Close()
	err := vtfunc.Register(c, "books", vtfunc.Table{
		Columns: []string{"title", "year", "review"},
		Params:  []vtfunc.Param{{Name: "flags", Required: true}, {Name: "server", Default: "example.com"}},
		Access:  vtfunc.ByIndex, // the fields in order, whatever their names
	}, func(ctx context.Context, args vtfunc.Args) (iter.Seq[book], error) {
		fmt.Printf("books called with flags=%d and server=%s\n", args.Int("flags"), args.Text("server"))
		return slices.Values(library), nil
	})
	if err != nil {
		log.Fatal(err)
	}
	printRows(c, "SELECT title, year FROM books(94) WHERE year < 1940")
	printRows(c, "SELECT * FROM books WHERE flags = 1 AND server = ? AND review > 9.55 ORDER BY year DESC", "orange")
	// Output:
	// books called with flags=94 and server=example.com
	// The Great Gatsby | 1925
	// The Hobbit | 1937
	// books called with flags=1 and server=orange
	// 1984 | 1949 | 9.8
	// The Hobbit | 1937 | 9.6
}

// Struct rows read by field name: the columns default to the fields' names
// or tags.
func ExampleRegisterSlice() {
	c := open()
	defer c.Close()
	err := vtfunc.RegisterSlice(c, "books", vtfunc.Table{
		Params: []vtfunc.Param{{Name: "since", Default: 0}},
	}, func(ctx context.Context, args vtfunc.Args) ([]book, error) {
		var out []book
		for _, b := range library {
			if b.Year >= args.Int("since") {
				out = append(out, b)
			}
		}
		return out, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	printRows(c, "SELECT title, rating FROM books(1950)")
	printRows(c, "SELECT count(*), max(rating) FROM books")
	// Output:
	// To Kill a Mockingbird | 9.5
	// The Catcher in the Rye | 8.4
	// 5 | 9.8
}

// A key/value table from a map, and a generator whose rows come with
// errors.
func ExampleRegister2() {
	c := open()
	defer c.Close()
	stock := map[string]int{"apple": 3, "pear": 5, "fig": 1}
	err := vtfunc.Register2(c, "stock", vtfunc.Table{Columns: []string{"fruit", "qty"}},
		func(ctx context.Context, args vtfunc.Args) (iter.Seq2[string, int], error) {
			return maps.All(stock), nil
		})
	if err != nil {
		log.Fatal(err)
	}
	printRows(c, "SELECT fruit, qty FROM stock WHERE qty > 1 ORDER BY fruit")

	// With iter.Seq2[T, error] the second value is an error, not a column.
	err = vtfunc.Register2(c, "countdown", vtfunc.Table{
		Columns: []string{"n"},
		Params:  []vtfunc.Param{{Name: "from", Required: true}},
	}, func(ctx context.Context, args vtfunc.Args) (iter.Seq2[int, error], error) {
		return func(yield func(int, error) bool) {
			for n := args.Int("from"); n >= 0; n-- {
				if n == 13 {
					yield(0, fmt.Errorf("unlucky number"))
					return
				}
				if !yield(n, nil) {
					return
				}
			}
		}, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	printRows(c, "SELECT group_concat(n) FROM countdown(3)")
	for _, err := range c.Query("SELECT n FROM countdown(20)") {
		if err != nil {
			fmt.Println("error:", errors.Unwrap(err)) // the *sqlite.Error wraps the generator's error
		}
	}
	// Output:
	// apple | 3
	// pear | 5
	// 3,2,1,0
	// error: countdown: unlucky number
}

// Rows as maps: each column is the value at its name, NULL when absent.
func ExampleAccess() {
	c := open()
	defer c.Close()
	err := vtfunc.Register(c, "events", vtfunc.Table{Columns: []string{"kind", "user", "size"}},
		func(ctx context.Context, args vtfunc.Args) (iter.Seq[map[string]any], error) {
			return slices.Values([]map[string]any{
				{"kind": "login", "user": "ann"},
				{"kind": "upload", "user": "bob", "size": 1024},
			}), nil
		})
	if err != nil {
		log.Fatal(err)
	}
	printRows(c, "SELECT kind, user, size IS NULL FROM events")
	// Output:
	// login | ann | 1
	// upload | bob | 0
}
