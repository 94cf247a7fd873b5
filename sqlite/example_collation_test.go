package sqlite_test

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

func ExampleConn_CreateCollation() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	// "numeric_order" order: runs of digits compare as numbers (file2 < file10).
	natural := func(a, b string) int {
		for a != "" && b != "" {
			da, db := digits(a), digits(b)
			if da > 0 && db > 0 {
				na, _ := strconv.Atoi(a[:da])
				nb, _ := strconv.Atoi(b[:db])
				if na != nb {
					return na - nb
				}
				a, b = a[da:], b[db:]
				continue
			}
			if a[0] != b[0] {
				return int(a[0]) - int(b[0])
			}
			a, b = a[1:], b[1:]
		}
		return len(a) - len(b)
	}
	if err := c.CreateCollation("numeric_order", natural); err != nil {
		panic(err)
	}
	err = c.Exec(`CREATE TABLE files(name TEXT COLLATE numeric_order);
		INSERT INTO files VALUES ('file10'), ('file2'), ('file1')`)
	if err != nil {
		panic(err)
	}
	var names []string
	for row, err := range c.Query("SELECT name FROM files ORDER BY name") {
		if err != nil {
			panic(err)
		}
		names = append(names, row.ColumnText(0))
	}
	fmt.Println(strings.Join(names, " "))
	// Output: file1 file2 file10
}

// digits returns the length of the run of ASCII digits that starts s.
func digits(s string) int {
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	return n
}
