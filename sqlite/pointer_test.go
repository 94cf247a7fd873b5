package sqlite

import (
	"testing"
)

type order struct{ ID, Qty int }

func TestPointerReachesGoFunctionButNotSQL(t *testing.T) {
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base := len(handles.m)
	var got any
	err = c.CreateFunction("qty", 1, 0, func(fc *FuncContext, args []Value) error {
		v, ok := args[0].Pointer("order")
		if !ok {
			fc.ResultNull()
			return nil
		}
		got = v
		fc.ResultInt(v.(*order).Qty)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o := &order{ID: 1, Qty: 7}
	for row, err := range c.Query("SELECT qty(?1), typeof(?1), qty(?2)", Pointer{"order", o}, Pointer{"other", o}) {
		if err != nil {
			t.Fatal(err)
		}
		if row.ColumnInt(0) != 7 || row.ColumnText(1) != "null" || row.ColumnType(2) != Null {
			t.Errorf("qty=%d typeof=%s wrong-type=%v", row.ColumnInt(0), row.ColumnText(1), row.ColumnValue(2))
		}
	}
	if got != o {
		t.Errorf("function saw %v, want the bound *order", got)
	}
	// The cached statement kept no binding: the handles are released.
	if n := len(handles.m); n != base+1 { // +1: the function's registration
		t.Errorf("handles: %d, want %d", n, base+1)
	}
	if err := (&Stmt{}).BindPointer(1, "x", 1); err == nil {
		t.Error("BindPointer on a closed statement succeeded")
	}
}

func TestPointerResultFlowsBetweenFunctions(t *testing.T) {
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.CreateFunction("mk", 1, 0, func(fc *FuncContext, args []Value) error {
		return fc.Result(Pointer{"order", &order{Qty: args[0].Int()}})
	})
	c.CreateFunction("qty", 1, 0, func(fc *FuncContext, args []Value) error {
		v, ok := args[0].Pointer("order")
		if !ok {
			return Errorf(ErrMismatch, "not an order")
		}
		fc.ResultInt(v.(*order).Qty)
		return nil
	})
	for row, err := range c.Query("SELECT qty(mk(41)) + 1, mk(1) IS NULL") {
		if err != nil {
			t.Fatal(err)
		}
		if row.ColumnInt(0) != 42 || !row.ColumnBool(1) {
			t.Errorf("got %d, %v", row.ColumnInt(0), row.ColumnBool(1))
		}
	}
	if err := c.Exec("SELECT qty(1)"); err == nil {
		t.Error("a plain integer was accepted as a pointer")
	}
}
