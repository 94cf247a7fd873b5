package sqlite_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

func ExampleConn_Limit() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	// Refuse strings and blobs over 1 KiB, as for untrusted input.
	old := c.Limit(sqlite.LimitLength, 1024)
	fmt.Println("previous limit:", old)
	err = c.Exec("SELECT ?", strings.Repeat("x", 2048))
	fmt.Println(errors.Is(err, sqlite.ErrTooBig))
	// Output:
	// previous limit: 1000000000
	// true
}
