package sqlite_test

import (
	"fmt"

	"github.com/asqlite/asqlite/sqlite"
)

func ExamplePointer() {
	conn, _ := sqlite.Open(":memory:", 0)
	defer conn.Close()

	type cart struct{ items []string }
	conn.CreateFunction("cart_size", 1, 0, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
		v, ok := args[0].Pointer("cart")
		if !ok {
			return fmt.Errorf("cart_size: argument is not a cart")
		}
		fc.ResultInt(len(v.(*cart).items))
		return nil
	})

	c := &cart{items: []string{"tea", "milk"}}
	for row, err := range conn.Query("SELECT cart_size(?1), typeof(?1)", sqlite.Pointer{Type: "cart", Value: c}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row.ColumnInt(0), row.ColumnText(1))
	}
	// Output: 2 null
}
