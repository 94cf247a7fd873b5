package sqlite

import (
	"fmt"
	"math"
	"time"

	lib "modernc.org/sqlite/lib"
)

// transient tells SQLite to copy bound text and blobs before the bind call
// returns, so the scratch buffer they came from can be reused at once.
// static tells it the memory stays valid and unchanged while bound.
const (
	transient = ^uintptr(0)
	static    = uintptr(0)
)

// NamedArg binds a value to a named parameter (:name, @name or $name) in
// Bind, Exec and Query. Name may include the prefix; without one, ":", "@"
// and "$" are tried in that order.
type NamedArg struct {
	Name  string
	Value any
}

// Named returns a NamedArg.
func Named(name string, value any) NamedArg { return NamedArg{Name: name, Value: value} }

// ZeroBlob, bound as a value, is a blob of that many zero bytes; it reserves
// space to fill later through Blob I/O. https://sqlite.org/c3ref/bind_blob.html
type ZeroBlob int64

func (s *Stmt) bindRC(i int, rc int32) error {
	if rc == lib.SQLITE_OK {
		return nil
	}
	e := s.c.errorCode(rc, s.sql).(*Error)
	if e.Code.Primary() == ErrRange {
		e.Msg = fmt.Sprintf("parameter index %d out of range (statement has %d)", i, s.ParamCount())
	}
	return e
}

// BindInt64 binds v to parameter i. https://sqlite.org/c3ref/bind_blob.html
func (s *Stmt) BindInt64(i int, v int64) error {
	if s.p == 0 {
		return closedError("statement")
	}
	return s.bindRC(i, lib.Xsqlite3_bind_int64(s.c.tls, s.p, int32(i), v))
}

// BindInt binds v to parameter i.
func (s *Stmt) BindInt(i int, v int) error { return s.BindInt64(i, int64(v)) }

// BindBool binds 1 for true and 0 for false.
func (s *Stmt) BindBool(i int, v bool) error {
	var n int64
	if v {
		n = 1
	}
	return s.BindInt64(i, n)
}

// BindFloat binds v to parameter i.
func (s *Stmt) BindFloat(i int, v float64) error {
	if s.p == 0 {
		return closedError("statement")
	}
	return s.bindRC(i, lib.Xsqlite3_bind_double(s.c.tls, s.p, int32(i), v))
}

// BindText binds v to parameter i as text.
func (s *Stmt) BindText(i int, v string) error { return s.bindText(i, stringBytes(v)) }

func (s *Stmt) bindText(i int, v []byte) error {
	if s.p == 0 {
		return closedError("statement")
	}
	if z := s.paramBuf(i, v); z != 0 {
		return s.bindRC(i, lib.Xsqlite3_bind_text64(s.c.tls, s.p, int32(i), z, uint64(len(v)), static, lib.SQLITE_UTF8))
	}
	z := s.c.buf.bytes(s.c.tls, v)
	if z == 0 {
		return Errorf(ErrNoMem, "out of memory binding %d bytes", len(v))
	}
	return s.bindRC(i, lib.Xsqlite3_bind_text64(s.c.tls, s.p, int32(i), z, uint64(len(v)), transient, lib.SQLITE_UTF8))
}

// BindBytes binds v to parameter i as a blob (a nil or empty v is a
// zero-length blob, not NULL).
func (s *Stmt) BindBytes(i int, v []byte) error {
	if s.p == 0 {
		return closedError("statement")
	}
	if z := s.paramBuf(i, v); z != 0 {
		return s.bindRC(i, lib.Xsqlite3_bind_blob64(s.c.tls, s.p, int32(i), z, uint64(len(v)), static))
	}
	z := s.c.buf.bytes(s.c.tls, v)
	if z == 0 {
		return Errorf(ErrNoMem, "out of memory binding %d bytes", len(v))
	}
	return s.bindRC(i, lib.Xsqlite3_bind_blob64(s.c.tls, s.p, int32(i), z, uint64(len(v)), transient))
}

// Small text and blob values are bound SQLITE_STATIC from a buffer that the
// statement keeps for each parameter: SQLite then neither allocates nor
// copies them on each bind, and frees nothing on the next. Larger values are
// bound SQLITE_TRANSIENT from the connection's scratch buffer (SQLite copies
// them), so that no statement holds on to large buffers.
const staticBindMax = 256

// paramBuf copies v into parameter i's own buffer and returns it, or returns
// 0 when v is to be bound transient: v is large, i is out of range (the bind
// reports it), or the statement is running (the bind then fails with
// SQLITE_MISUSE, and the running program may still read the old value from
// the buffer, so it must not change).
func (s *Stmt) paramBuf(i int, v []byte) uintptr {
	vm := vdbeOf(s.p)
	if len(v) > staticBindMax || i < 1 || i > int(vm.FnVar) || vm.FeVdbeState != lib.VDBE_READY_STATE {
		return 0
	}
	if s.params == nil {
		s.params = make([]uintptr, vm.FnVar)
	}
	p := s.params[i-1]
	if p == 0 {
		if p = lib.Xsqlite3_malloc64(s.c.tls, staticBindMax); p == 0 {
			return 0
		}
		s.params[i-1] = p
	}
	copy(cbytes(p, len(v)), v)
	return p
}

// freeParams frees the parameter buffers, once the statement is finalized.
func (s *Stmt) freeParams() {
	for _, p := range s.params {
		if p != 0 {
			lib.Xsqlite3_free(s.c.tls, p)
		}
	}
	s.params = nil
}

// BindNull binds NULL to parameter i.
func (s *Stmt) BindNull(i int) error {
	if s.p == 0 {
		return closedError("statement")
	}
	return s.bindRC(i, lib.Xsqlite3_bind_null(s.c.tls, s.p, int32(i)))
}

// BindZeroBlob binds a blob of n zero bytes to parameter i.
func (s *Stmt) BindZeroBlob(i int, n int64) error {
	if s.p == 0 {
		return closedError("statement")
	}
	if n < 0 {
		return Errorf(ErrRange, "negative zeroblob size %d", n)
	}
	return s.bindRC(i, lib.Xsqlite3_bind_zeroblob64(s.c.tls, s.p, int32(i), uint64(n)))
}

// BindTime binds t to parameter i in format f.
func (s *Stmt) BindTime(i int, t time.Time, f TimeFormat) error {
	switch f {
	case TimeText:
		var b [40]byte
		return s.bindText(i, t.AppendFormat(b[:0], TimeLayout))
	case TimeUnix:
		return s.BindInt64(i, t.Unix())
	case TimeUnixMilli:
		return s.BindInt64(i, t.UnixMilli())
	case TimeUnixNano:
		return s.BindInt64(i, t.UnixNano())
	case TimeJulianDay:
		return s.BindFloat(i, JulianDay(t))
	}
	return Errorf(ErrMisuse, "unknown TimeFormat %d", f)
}

// ColumnTime reads column i as a time stored in format f. For TimeText it
// also accepts the formats SQLite's date functions produce ("2006-01-02",
// "2006-01-02 15:04", with or without "T", fractional seconds and zone).
// NULL reads as the zero time. Text that is no time fails with ErrMismatch.
func (s *Stmt) ColumnTime(i int, f TimeFormat) (time.Time, error) {
	if s.p == 0 {
		return time.Time{}, closedError("statement")
	}
	if s.ColumnType(i) == Null {
		return time.Time{}, nil
	}
	return DecodeTime(f, func() string { return s.ColumnText(i) },
		func() int64 { return s.ColumnInt64(i) }, func() float64 { return s.ColumnFloat(i) })
}

// ParamCount returns the number of parameters; the largest index when
// ?NNN is used. https://sqlite.org/c3ref/bind_parameter_count.html
func (s *Stmt) ParamCount() int {
	if s.p == 0 {
		return 0
	}
	return int(lib.Xsqlite3_bind_parameter_count(s.c.tls, s.p))
}

// ParamName returns the name of parameter i with its prefix (":a"), or ""
// for a nameless "?". https://sqlite.org/c3ref/bind_parameter_name.html
func (s *Stmt) ParamName(i int) string {
	if s.p == 0 {
		return ""
	}
	return gostring(lib.Xsqlite3_bind_parameter_name(s.c.tls, s.p, int32(i)))
}

// ParamIndex returns the index of the parameter named name, or 0. Name may
// carry its prefix; without one, ":", "@" and "$" are tried.
// https://sqlite.org/c3ref/bind_parameter_index.html
func (s *Stmt) ParamIndex(name string) int {
	if s.p == 0 || name == "" {
		return 0
	}
	switch name[0] {
	case ':', '@', '$', '?':
		return int(lib.Xsqlite3_bind_parameter_index(s.c.tls, s.p, s.c.buf.cstr(s.c.tls, name)))
	}
	for _, prefix := range [...]string{":", "@", "$"} {
		if i := int(lib.Xsqlite3_bind_parameter_index(s.c.tls, s.p, s.c.buf.cstr(s.c.tls, prefix+name))); i > 0 {
			return i
		}
	}
	return 0
}

// ClearBindings sets every parameter to NULL.
// https://sqlite.org/c3ref/clear_bindings.html
func (s *Stmt) ClearBindings() error {
	if s.p == 0 {
		return closedError("statement")
	}
	lib.Xsqlite3_clear_bindings(s.c.tls, s.p)
	return nil
}

// BindValue binds v to parameter i according to its Go type: nil; bool;
// every integer type (a uint64 above MaxInt64 is an error); float32/64;
// string; []byte; time.Time (as TimeText); ZeroBlob; Pointer; and any type whose
// underlying type is one of those. Other types fail with ErrMismatch.
func (s *Stmt) BindValue(i int, v any) error {
	switch v := v.(type) {
	case nil:
		return s.BindNull(i)
	case int64:
		return s.BindInt64(i, v)
	case int:
		return s.BindInt64(i, int64(v))
	case string:
		return s.BindText(i, v)
	case []byte:
		return s.BindBytes(i, v)
	case float64:
		return s.BindFloat(i, v)
	case bool:
		return s.BindBool(i, v)
	case int32:
		return s.BindInt64(i, int64(v))
	case int16:
		return s.BindInt64(i, int64(v))
	case int8:
		return s.BindInt64(i, int64(v))
	case uint:
		return s.bindUint(i, uint64(v))
	case uint64:
		return s.bindUint(i, v)
	case uint32:
		return s.BindInt64(i, int64(v))
	case uint16:
		return s.BindInt64(i, int64(v))
	case uint8:
		return s.BindInt64(i, int64(v))
	case float32:
		return s.BindFloat(i, float64(v))
	case time.Time:
		return s.BindTime(i, v, TimeText)
	case ZeroBlob:
		return s.BindZeroBlob(i, int64(v))
	case Pointer:
		return s.BindPointer(i, v.Type, v.Value)
	case *string:
		if v == nil {
			return s.BindNull(i)
		}
		return s.BindText(i, *v)
	case *int64:
		if v == nil {
			return s.BindNull(i)
		}
		return s.BindInt64(i, *v)
	case *float64:
		if v == nil {
			return s.BindNull(i)
		}
		return s.BindFloat(i, *v)
	}
	if s.p == 0 {
		return closedError("statement")
	}
	if rv, ok := convertKind(v); ok {
		return s.BindValue(i, rv)
	}
	return Errorf(ErrMismatch, "parameter %d: cannot bind value of type %T", i, v).in(s.sql, -1)
}

func (s *Stmt) bindUint(i int, v uint64) error {
	if v > math.MaxInt64 {
		return Errorf(ErrRange, "parameter %d: %d overflows int64", i, v).in(s.sql, -1)
	}
	return s.BindInt64(i, int64(v))
}

// Bind binds args to the statement's parameters: NamedArg values by name,
// the others by position, in order, to the parameters not bound by name.
// The number of positional args must match the parameters they fill, and
// every named parameter needs a value unless all args are positional.
func (s *Stmt) Bind(args ...any) error {
	if err := s.check(); err != nil {
		return err
	}
	pos, named := splitArgs(args)
	n, err := s.bindFrom(pos, named, nil)
	if err != nil {
		return err
	}
	if n != len(pos) {
		return Errorf(ErrRange, "statement takes %d positional arguments, got %d", n, len(pos)).in(s.sql, -1)
	}
	for _, na := range named {
		if s.ParamIndex(na.Name) == 0 {
			return Errorf(ErrRange, "unknown named parameter %s", na.Name).in(s.sql, -1)
		}
	}
	return nil
}

// splitArgs separates positional arguments from NamedArgs.
func splitArgs(args []any) (pos []any, named []NamedArg) {
	for i, a := range args {
		if na, ok := a.(NamedArg); ok {
			if named == nil {
				pos = make([]any, 0, len(args))
				pos = append(pos, args[:i]...)
			}
			named = append(named, na)
		} else if named != nil {
			pos = append(pos, a)
		}
	}
	if named == nil {
		return args, nil
	}
	return pos, named
}

// bindFrom binds the statement's parameters: named ones from named (marking
// used[j] for each NamedArg used, if used is not nil), the rest from pos in
// order. It returns how many of pos it consumed and fails if pos runs out
// or a named parameter has no NamedArg.
func (s *Stmt) bindFrom(pos []any, named []NamedArg, used []bool) (int, error) {
	nparams := s.ParamCount()
	k := 0
	for i := 1; i <= nparams; i++ {
		if len(named) > 0 {
			if name := s.ParamName(i); name != "" && name[0] != '?' {
				j := findNamed(named, name)
				if j < 0 {
					return k, Errorf(ErrRange, "no value for named parameter %s", name).in(s.sql, -1)
				}
				if used != nil {
					used[j] = true
				}
				if err := s.BindValue(i, named[j].Value); err != nil {
					return k, err
				}
				continue
			}
		}
		if k >= len(pos) {
			return k, Errorf(ErrRange, "statement takes %d arguments, got %d", nparams, len(pos)).in(s.sql, -1)
		}
		if err := s.BindValue(i, pos[k]); err != nil {
			return k, err
		}
		k++
	}
	return k, nil
}

func findNamed(named []NamedArg, param string) int {
	for j, na := range named {
		if paramMatches(param, na.Name) {
			return j
		}
	}
	return -1
}

func paramMatches(param, name string) bool {
	if name == "" {
		return false
	}
	switch name[0] {
	case ':', '@', '$':
		return param == name
	}
	return len(param) == len(name)+1 && param[1:] == name
}
