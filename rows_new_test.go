package asqlite

import (
	"errors"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestNewRowHoldsEveryStorageClass(t *testing.T) {
	r, err := NewRow([]string{"n", "i", "f", "s", "b", "t"}, []any{nil, int64(7), 2.5, "x", []byte{1, 2}, true})
	if err != nil {
		t.Fatal(err)
	}
	var (
		n    *int
		i    int
		f    float64
		s    string
		b    []byte
		flag bool
	)
	if err := r.Scan(&n, &i, &f, &s, &b, &flag); err != nil {
		t.Fatal(err)
	}
	if n != nil || !r.IsNull(0) || i != 7 || f != 2.5 || s != "x" || string(b) != "\x01\x02" || !flag {
		t.Fatalf("got %v", r)
	}
	if got := r.String(); got != `(NULL, 7, 2.5, "x", x'0102', 1)` {
		t.Fatalf("String = %s", got)
	}
}

func TestNewRowRefusesOtherTypes(t *testing.T) {
	if _, err := NewRow([]string{"a"}, []any{int32(1)}); !errors.Is(err, sqlite.ErrMisuse) {
		t.Fatalf("int32: %v", err)
	}
	if _, err := NewRow([]string{"a", "b"}, []any{int64(1)}); !errors.Is(err, sqlite.ErrMisuse) {
		t.Fatalf("count: %v", err)
	}
}

func TestErrorRowReportsItsError(t *testing.T) {
	r := ErrorRow(ErrNoRows)
	var v int
	if err := r.Scan(&v); !errors.Is(err, ErrNoRows) || !errors.Is(r.Err(), ErrNoRows) {
		t.Fatalf("Scan = %v, Err = %v", err, r.Err())
	}
}
