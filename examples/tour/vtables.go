package tour

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/ext/vtfunc"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{
		Name:  "vtables",
		Title: "Virtual tables",
		Order: 60,
		Run:   virtualTables,
	})
}

// tourBook is one row of the books table.
type tourBook struct {
	Title  string
	Year   int
	Review float64
}

// virtualTables turns a Go function into a table: its parameters are
// hidden columns set by the query, and SQLite does the filtering and
// sorting on the rest. The table is registered on an asqlite.Conn, so the
// function runs on the Conn's worker and receives the context of the query
// that reads it.
func virtualTables(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer conn.Close()

	// One required parameter and one with a default. You cannot change the
	// columns with the arguments, but you can change which rows come back
	// and what they hold.
	dataTable := func(ctx context.Context, args vtfunc.Args) (iter.Seq[tourBook], error) {
		t.Printf("data_table called with flags=%d and server='%s'\n", args.Int("flags"), args.Text("server"))
		// You would do real work here (with ctx) - we just provide some books.
		return slices.Values([]tourBook{
			{"The Great Gatsby", 1925, 9.2},
			{"To Kill a Mockingbird", 1960, 9.5},
			{"1984", 1949, 9.8},
			{"The Catcher in the Rye", 1951, 8.4},
			{"The Hobbit", 1937, 9.6},
		}), nil
	}
	// Tell vtfunc about the columns (read from the fields of each row) and
	// the parameters. Registration happens on the worker, through Run.
	err = conn.Run(ctx, func(sc *sqlite.Conn) error {
		return vtfunc.Register(sc, "books", vtfunc.Table{
			Columns: []string{"title", "year", "review"},
			Params:  []vtfunc.Param{{Name: "flags", Required: true}, {Name: "server", Default: "example.com"}},
		}, dataTable)
	})
	if err != nil {
		return err
	}

	// A regular query: the parameters are given in the WHERE clause (or
	// positionally, as books(94, 'example2.com')).
	if err := printTuples(ctx, t, conn, "SELECT * FROM books WHERE flags=94 AND server=?", "example2.com"); err != nil {
		return err
	}
	// SQLite will figure out the review and order work.
	return printTuples(ctx, t, conn, "SELECT * FROM books WHERE server=? AND flags=? AND review > 9.55 ORDER BY year DESC",
		"orange", -2)
}

// printTuples prints each row of a query as a tuple: ('text', 12, 3.4).
func printTuples(ctx context.Context, t *T, conn *asqlite.Conn, sql string, args ...any) error {
	for row, err := range conn.Query(ctx, sql, args...) {
		if err != nil {
			return err
		}
		cols := make([]string, row.Len())
		for i := range cols {
			switch v := row.Value(i).(type) {
			case nil:
				cols[i] = "None"
			case string:
				cols[i] = "'" + strings.ReplaceAll(v, "'", `\'`) + "'"
			case float64:
				cols[i] = strconv.FormatFloat(v, 'g', -1, 64)
			default:
				cols[i] = fmt.Sprint(v)
			}
		}
		t.Printf("(%s)\n", strings.Join(cols, ", "))
	}
	return nil
}
