package sqlite_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

// describe is an SQL function reporting how a Value reads its argument.
func describe(fc *sqlite.FuncContext, args []sqlite.Value) error {
	v := args[0]
	t := v.Type() // first: a conversion may change it
	return fc.Result(fmt.Sprintf("%v|%d|%g|%q|%d|%x|%v", t, v.Int64(), v.Float(), v.Text(), v.Len(), v.RawBytes(), v.IsNull()))
}

func TestValueReadsEveryStorageClass(t *testing.T) {
	for _, enc := range []string{"UTF-8", "UTF-16le"} {
		c := openMem(t)
		mustExec(t, c, "PRAGMA encoding = '"+enc+"'")
		if err := c.CreateFunction("describe", 1, 0, describe); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			arg  any
			want string
		}{
			{int64(42), `INTEGER|42|42|"42"|2|3432|false`},
			{2.5, `FLOAT|2|2.5|"2.5"|3|322e35|false`},
			{"7.5e1x", `TEXT|7|75|"7.5e1x"|6|372e356531780000|false`},
			{[]byte("hi"), `BLOB|0|0|"hi"|2|6869|false`},
			{nil, `NULL|0|0|""|0||true`},
			{sqlite.ZeroBlob(2), `BLOB|0|0|"\x00\x00"|2|0000|false`},
		} {
			var got string
			for row, err := range c.Query("SELECT describe(?)", tt.arg) {
				if err != nil {
					t.Fatal(err)
				}
				got = row.ColumnText(0)
			}
			want := tt.want
			if _, ok := tt.arg.([]byte); ok && enc != "UTF-8" {
				// As text, a blob is read in the database's encoding.
				want = `BLOB|0|0|"楨"|3|6869|false`
			}
			if enc != "UTF-8" {
				// RawBytes of text is the text in the database's encoding;
				// only check the rest.
				got, want = cutLast(got), cutLast(want)
			} else if _, ok := tt.arg.(string); ok {
				got, want = cutLast(got), cutLast(want)
			}
			if got != want {
				t.Errorf("%s: describe(%#v) = %s, want %s", enc, tt.arg, got, want)
			}
		}
	}
}

// cutLast drops the last two fields (raw bytes, null flag).
func cutLast(s string) string {
	for range 2 {
		s = s[:bytes.LastIndexByte([]byte(s), '|')]
	}
	return s
}

func TestValueTextOfBlobArgument(t *testing.T) {
	c := openMem(t)
	var got []byte
	err := c.CreateFunction("grab", 1, 0, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
		got = args[0].Bytes()
		fc.ResultInt(args[0].Len())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, c, "SELECT grab(x'00ff10')"); n != 3 || !bytes.Equal(got, []byte{0, 0xff, 0x10}) {
		t.Errorf("grab = %d, %x", n, got)
	}
}
