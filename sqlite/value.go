package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// Value is an SQL value handed to Go code by SQLite: a function argument, a
// virtual table constraint or column, a pre-update or changeset value
// (https://sqlite.org/c3ref/value.html). It is valid only during the callback
// that received it; copy what must outlive it (Text, Bytes and Any copy).
// The zero Value reads as NULL.
type Value struct {
	tls *libc.TLS
	p   uintptr
}

// Type returns the value's storage class.
func (v Value) Type() ColumnType {
	if v.p == 0 {
		return Null
	}
	if t, ok := memType(v.mem()); ok {
		return t
	}
	return ColumnType(lib.Xsqlite3_value_type(v.tls, v.p))
}

// mem views the value: an sqlite3_value is a Mem (see memType).
func (v Value) mem() *lib.TMem { return memOf(v.p) }

// NumericType returns the storage class after applying numeric affinity.
// https://sqlite.org/c3ref/value_blob.html
func (v Value) NumericType() ColumnType {
	if v.p == 0 {
		return Null
	}
	return ColumnType(lib.Xsqlite3_value_numeric_type(v.tls, v.p))
}

// IsNull reports whether the value is NULL.
func (v Value) IsNull() bool { return v.Type() == Null }

// Int64 returns the value as an integer.
func (v Value) Int64() int64 {
	if v.p == 0 {
		return 0
	}
	if m := v.mem(); m.Fflags&(lib.MEM_Int|lib.MEM_IntReal) != 0 {
		return memInt64(m)
	}
	return lib.Xsqlite3_value_int64(v.tls, v.p)
}

// Int returns the value as an int.
func (v Value) Int() int { return int(v.Int64()) }

// Bool reports whether the value is a non-zero integer.
func (v Value) Bool() bool { return v.Int64() != 0 }

// Float returns the value as a float64.
func (v Value) Float() float64 {
	if v.p == 0 {
		return 0
	}
	if m := v.mem(); m.Fflags&lib.MEM_Real != 0 {
		return m.Fu.Fr
	} else if m.Fflags&(lib.MEM_Int|lib.MEM_IntReal) != 0 {
		return float64(memInt64(m))
	}
	return lib.Xsqlite3_value_double(v.tls, v.p)
}

// Text returns a copy of the value as text.
func (v Value) Text() string {
	if v.p == 0 {
		return ""
	}
	if m := v.mem(); memIsText(m) {
		return gostringN(m.Fz, int(m.Fn))
	}
	p := lib.Xsqlite3_value_text(v.tls, v.p)
	return gostringN(p, int(lib.Xsqlite3_value_bytes(v.tls, v.p)))
}

// Bytes returns a copy of the value as a blob.
func (v Value) Bytes() []byte {
	return append([]byte(nil), v.RawBytes()...)
}

// RawBytes returns the value's bytes without copying; valid only during the
// callback, and not to be modified.
func (v Value) RawBytes() []byte {
	if v.p == 0 {
		return nil
	}
	if m := v.mem(); memIsBytes(m) {
		return cbytes(m.Fz, int(m.Fn))
	}
	p := lib.Xsqlite3_value_blob(v.tls, v.p)
	return cbytes(p, int(lib.Xsqlite3_value_bytes(v.tls, v.p)))
}

// Len returns the size in bytes of the value as text or blob.
func (v Value) Len() int {
	if v.p == 0 {
		return 0
	}
	if m := v.mem(); memHasLen(m) {
		return int(m.Fn)
	}
	return int(lib.Xsqlite3_value_bytes(v.tls, v.p))
}

// Time reads the value as a time stored in format f (see Stmt.ColumnTime).
func (v Value) Time(f TimeFormat) (time.Time, error) {
	if v.IsNull() {
		return time.Time{}, nil
	}
	return DecodeTime(f, v.Text, v.Int64, v.Float)
}

// Any returns the value as int64, float64, string, []byte or nil.
func (v Value) Any() any {
	switch v.Type() {
	case Integer:
		return v.Int64()
	case Float:
		return v.Float()
	case Text:
		return v.Text()
	case Blob:
		return append([]byte{}, v.RawBytes()...)
	}
	return nil
}

// String formats the value for humans: text as is, blobs as x'..', NULL as "NULL".
func (v Value) String() string {
	switch v.Type() {
	case Null:
		return "NULL"
	case Text:
		return v.Text()
	case Blob:
		return fmt.Sprintf("x'%x'", v.RawBytes())
	}
	return fmt.Sprint(v.Any())
}

// NoChange reports, inside a virtual table's Update, whether the column is
// unchanged by an UPDATE. https://sqlite.org/c3ref/value_blob.html
func (v Value) NoChange() bool {
	return v.p != 0 && lib.Xsqlite3_value_nochange(v.tls, v.p) != 0
}

// FromBind reports whether the value came from a bound parameter.
func (v Value) FromBind() bool {
	return v.p != 0 && lib.Xsqlite3_value_frombind(v.tls, v.p) != 0
}

// SubType returns the value's subtype (https://sqlite.org/c3ref/value_subtype.html).
func (v Value) SubType() uint {
	if v.p == 0 {
		return 0
	}
	return uint(lib.Xsqlite3_value_subtype(v.tls, v.p))
}

// valuesAt fills dst with the n Values of the sqlite3_value* array at argv.
func valuesAt(tls *libc.TLS, dst []Value, argv uintptr, n int) []Value {
	dst = dst[:0]
	for i := range n {
		dst = append(dst, Value{tls: tls, p: readPtr(argv + uintptr(i)*8)})
	}
	return dst
}

// FuncContext is how a Go function or virtual table column hands its result
// to SQLite (https://sqlite.org/c3ref/context.html). It is valid only during
// the callback that received it. If no Result method is called, the result
// is NULL.
type FuncContext struct {
	conn *Conn
	tls  *libc.TLS
	p    uintptr
}

// Context returns the context of the call that is running the statement (the
// one installed with Conn.SetContext). Long-running functions should watch
// it: when it ends the statement is being cancelled.
func (fc *FuncContext) Context() context.Context {
	if fc.conn == nil {
		return context.Background()
	}
	return fc.conn.ctx
}

// Conn returns the connection running the statement. A function may run
// other statements on it (SQLite allows that), but not close it.
func (fc *FuncContext) Conn() *Conn { return fc.conn }

// ResultInt64 sets the result to v.
func (fc *FuncContext) ResultInt64(v int64) { lib.Xsqlite3_result_int64(fc.tls, fc.p, v) }

// ResultInt sets the result to v.
func (fc *FuncContext) ResultInt(v int) { fc.ResultInt64(int64(v)) }

// ResultBool sets the result to 1 or 0.
func (fc *FuncContext) ResultBool(v bool) {
	if v {
		fc.ResultInt64(1)
	} else {
		fc.ResultInt64(0)
	}
}

// ResultFloat sets the result to v.
func (fc *FuncContext) ResultFloat(v float64) { lib.Xsqlite3_result_double(fc.tls, fc.p, v) }

// ResultNull sets the result to NULL.
func (fc *FuncContext) ResultNull() { lib.Xsqlite3_result_null(fc.tls, fc.p) }

// ResultText sets the result to the text v.
func (fc *FuncContext) ResultText(v string) {
	z := fc.conn.buf.cstr(fc.tls, v)
	if z == 0 {
		lib.Xsqlite3_result_error_nomem(fc.tls, fc.p)
		return
	}
	lib.Xsqlite3_result_text64(fc.tls, fc.p, z, uint64(len(v)), transient, lib.SQLITE_UTF8)
}

// ResultBytes sets the result to the blob v.
func (fc *FuncContext) ResultBytes(v []byte) {
	z := fc.conn.buf.bytes(fc.tls, v)
	if z == 0 {
		lib.Xsqlite3_result_error_nomem(fc.tls, fc.p)
		return
	}
	lib.Xsqlite3_result_blob64(fc.tls, fc.p, z, uint64(len(v)), transient)
}

// ResultZeroBlob sets the result to a blob of n zero bytes.
func (fc *FuncContext) ResultZeroBlob(n int64) {
	if rc := lib.Xsqlite3_result_zeroblob64(fc.tls, fc.p, uint64(max(n, 0))); rc != lib.SQLITE_OK {
		lib.Xsqlite3_result_error_code(fc.tls, fc.p, rc)
	}
}

// ResultValue sets the result to a copy of v.
func (fc *FuncContext) ResultValue(v Value) {
	if v.p == 0 {
		fc.ResultNull()
		return
	}
	lib.Xsqlite3_result_value(fc.tls, fc.p, v.p)
}

// ResultTime sets the result to t stored in format f.
func (fc *FuncContext) ResultTime(t time.Time, f TimeFormat) {
	switch f {
	case TimeText:
		var b [40]byte
		fc.ResultText(string(t.AppendFormat(b[:0], TimeLayout)))
	case TimeUnix:
		fc.ResultInt64(t.Unix())
	case TimeUnixMilli:
		fc.ResultInt64(t.UnixMilli())
	case TimeUnixNano:
		fc.ResultInt64(t.UnixNano())
	case TimeJulianDay:
		fc.ResultFloat(JulianDay(t))
	default:
		fc.ResultError(Errorf(ErrMisuse, "unknown TimeFormat %d", f))
	}
}

// ResultSubType sets the subtype of the result.
func (fc *FuncContext) ResultSubType(t uint) { lib.Xsqlite3_result_subtype(fc.tls, fc.p, uint32(t)) }

// Result sets the result from a Go value of any type BindValue accepts
// (plus Value). A value of another type sets an error result and is
// returned as an error.
func (fc *FuncContext) Result(v any) error {
	switch v := v.(type) {
	case nil:
		fc.ResultNull()
	case int64:
		fc.ResultInt64(v)
	case int:
		fc.ResultInt64(int64(v))
	case float64:
		fc.ResultFloat(v)
	case string:
		fc.ResultText(v)
	case []byte:
		fc.ResultBytes(v)
	case bool:
		fc.ResultBool(v)
	case Value:
		fc.ResultValue(v)
	case time.Time:
		fc.ResultTime(v, TimeText)
	case ZeroBlob:
		fc.ResultZeroBlob(int64(v))
	case Pointer:
		fc.ResultPointer(v.Type, v.Value)
	case int32:
		fc.ResultInt64(int64(v))
	case uint32:
		fc.ResultInt64(int64(v))
	case float32:
		fc.ResultFloat(float64(v))
	default:
		if rv, ok := convertKind(v); ok {
			if u, isUint := rv.(uint64); isUint {
				if int64(u) < 0 {
					err := Errorf(ErrRange, "result %d overflows int64", u)
					fc.ResultError(err)
					return err
				}
				rv = int64(u)
			}
			return fc.Result(rv)
		}
		err := Errorf(ErrMismatch, "cannot use value of type %T as an SQL result", v)
		fc.ResultError(err)
		return err
	}
	return nil
}

// ResultError makes the statement fail with err. The statement's error
// wraps err (errors.Is and errors.As see it); its code is err's ErrorCode
// when it carries one, SQLITE_ERROR otherwise. A context error makes the
// statement fail with SQLITE_INTERRUPT.
func (fc *FuncContext) ResultError(err error) {
	if err == nil {
		return
	}
	fc.conn.setCallbackError(err)
	msg := err.Error()
	z := fc.conn.buf.cstr(fc.tls, msg)
	lib.Xsqlite3_result_error(fc.tls, fc.p, z, int32(len(msg)))
	var code ErrorCode
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		code = ErrInterrupt
	case errors.As(err, &code):
	default:
		var e *Error
		if errors.As(err, &e) {
			code = e.Code
		}
	}
	if code != 0 && code != ErrError {
		lib.Xsqlite3_result_error_code(fc.tls, fc.p, int32(code))
	}
}
