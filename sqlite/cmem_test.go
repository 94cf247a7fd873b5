package sqlite

import (
	"math"
	"testing"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

func TestCMemHelpersRoundTrip(t *testing.T) {
	tls := libc.NewTLS()
	defer tls.Close()
	p := lib.Xsqlite3_malloc64(tls, 8)
	defer lib.Xsqlite3_free(tls, p)

	writePtr(p, 0xdeadbeef)
	if readPtr(p) != 0xdeadbeef {
		t.Error("readPtr")
	}
	writeInt32(p, -7)
	if readInt32(p) != -7 {
		t.Error("readInt32")
	}
	writeInt64(p, math.MinInt64+3)
	if readInt64(p) != math.MinInt64+3 {
		t.Error("readInt64")
	}

	z := cstring(tls, "héllo")
	defer lib.Xsqlite3_free(tls, z)
	if gostring(z) != "héllo" || gostringN(z, 2) != "h\xc3" || gostring(0) != "" || gostringN(z, 0) != "" {
		t.Error("cstring/gostring")
	}
	if cbytes(0, 3) != nil || len(cbytes(z, 3)) != 3 {
		t.Error("cbytes")
	}

	var b scratch
	defer b.free(tls)
	a := b.cstr(tls, "first")
	if gostring(a) != "first" {
		t.Error("scratch.cstr")
	}
	long := string(make([]byte, 1000))
	if q := b.cstr(tls, long); q == 0 || b.n < 1001 {
		t.Error("scratch did not grow")
	}
	if gostring(b.bytes(tls, []byte("x"))) != "x" {
		t.Error("scratch.bytes")
	}
}

func TestHandlesRoundTrip(t *testing.T) {
	v := &struct{ n int }{42}
	h := newHandle(v)
	if h == 0 || handleValue(h) != v {
		t.Fatal("handleValue does not return the registered value")
	}
	h2 := newHandle("other")
	if h2 == h {
		t.Fatal("two live handles share a number")
	}
	freeHandle(h)
	freeHandle(h2)
	freeHandle(0)
	if handleValue(h) != nil {
		t.Error("freed handle still resolves")
	}
}
