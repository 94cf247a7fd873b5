package sqlite

import (
	"sync"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// Pointer carries a Go value through SQL to Go code — from a bound
// parameter or a function result to a Go function or virtual table —
// without SQL seeing it: to SQL it is NULL. Type names the kind of value;
// the reader must ask for the same Type, so a value meant for one consumer
// cannot be handed to another (https://sqlite.org/bindptr.html).
//
// Bind a Pointer as an argument (or with Stmt.BindPointer), return one from
// a function with FuncContext.Result (or ResultPointer), and read it with
// Value.Pointer. The Go value is kept alive while SQLite holds it and
// released when SQLite lets go (the binding is replaced or cleared, the
// statement finalized, the result consumed).
type Pointer struct {
	Type  string
	Value any
}

// pointerTypes interns the type names: SQLite keeps the type string's
// address for as long as the value lives, so each name is copied to engine
// memory once and never freed (there are as many as a program has kinds).
var pointerTypes struct {
	sync.Mutex
	m map[string]uintptr
}

func pointerType(tls *libc.TLS, typ string) uintptr {
	pointerTypes.Lock()
	defer pointerTypes.Unlock()
	if z, ok := pointerTypes.m[typ]; ok {
		return z
	}
	if pointerTypes.m == nil {
		pointerTypes.m = make(map[string]uintptr)
	}
	z := cstring(tls, typ)
	if z != 0 {
		pointerTypes.m[typ] = z
	}
	return z
}

// pointerRelease is the destructor SQLite calls when it drops a pointer.
func pointerRelease(_ *libc.TLS, h uintptr) { freeHandle(h) }

// BindPointer binds the Go value v, of kind typ, to parameter i: SQL sees
// NULL, Go code reading the parameter with Value.Pointer(typ) sees v.
// https://sqlite.org/c3ref/bind_blob.html
func (s *Stmt) BindPointer(i int, typ string, v any) error {
	if s.p == 0 {
		return closedError("statement")
	}
	if typ == "" {
		return Errorf(ErrMisuse, "parameter %d: a pointer needs a type name", i)
	}
	z := pointerType(s.c.tls, typ)
	if z == 0 {
		return Errorf(ErrNoMem, "out of memory binding a pointer")
	}
	h := newHandle(v)
	// SQLite calls the destructor even when the bind fails.
	return s.bindRC(i, lib.Xsqlite3_bind_pointer(s.c.tls, s.p, int32(i), h, z, cfunc(pointerRelease)))
}

// ResultPointer sets the result to the Go value v of kind typ (NULL to SQL).
// https://sqlite.org/c3ref/result_blob.html
func (fc *FuncContext) ResultPointer(typ string, v any) {
	if typ == "" {
		fc.ResultError(Errorf(ErrMisuse, "a pointer result needs a type name"))
		return
	}
	z := pointerType(fc.tls, typ)
	if z == 0 {
		lib.Xsqlite3_result_error_nomem(fc.tls, fc.p)
		return
	}
	lib.Xsqlite3_result_pointer(fc.tls, fc.p, newHandle(v), z, cfunc(pointerRelease))
}

// Pointer returns the Go value carried by the value if it is a Pointer of
// kind typ, and reports whether it is.
// https://sqlite.org/c3ref/value_blob.html
func (v Value) Pointer(typ string) (any, bool) {
	if v.p == 0 || typ == "" {
		return nil, false
	}
	pointerTypes.Lock()
	z, known := pointerTypes.m[typ]
	pointerTypes.Unlock()
	if !known {
		return nil, false // nothing of this kind was ever bound
	}
	h := lib.Xsqlite3_value_pointer(v.tls, v.p, z)
	if h == 0 {
		return nil, false
	}
	return handleValue(h), true
}
