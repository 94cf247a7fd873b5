package asqlite

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// Row is one result row, copied out of SQLite: reading it never touches the
// connection, so any goroutine may read a Row it was handed.
//
// Rows yielded by Query are valid only until the loop continues (the next
// row reuses the same *Row and its memory); take what you need with the
// accessors or Scan, which return values the caller owns. A Row returned by
// QueryRow is the caller's to keep.
//
// Columns are numbered from 0. The typed accessors convert the stored value
// as SQLite's sqlite3_column_* functions do (https://sqlite.org/c3ref/column_blob.html):
// NULL reads as 0, "" or nil, text is parsed for a leading number, numbers
// are formatted as text. An index out of range reads as NULL. Scan is
// stricter: it refuses conversions that lose information.
type Row struct {
	cols  []string
	cells []cell
	arena []byte
	err   error
}

// cell is one value of a row. Text and blob bytes live in the batch's arena.
type cell struct {
	typ sqlite.ColumnType
	n   int   // length of a text or blob
	v   int64 // integer, float64 bits, or the arena offset of a text or blob
}

// Err returns the error of a Row made by QueryRow: ErrNoRows when the query
// returned nothing, or the query's error. It is nil for rows yielded by
// Query and for a row that was found.
func (r *Row) Err() error { return r.err }

// Columns returns the names of the result columns. The slice is shared:
// do not modify it.
func (r *Row) Columns() []string { return r.cols }

// Len returns the number of columns of the row.
func (r *Row) Len() int { return len(r.cells) }

// ColumnIndex returns the index of the first column named name, or -1.
func (r *Row) ColumnIndex(name string) int {
	for i, n := range r.cols {
		if n == name {
			return i
		}
	}
	return -1
}

func (r *Row) cell(i int) cell {
	if i < 0 || i >= len(r.cells) {
		return cell{typ: sqlite.Null}
	}
	return r.cells[i]
}

func (r *Row) raw(c cell) []byte { return r.arena[c.v : c.v+int64(c.n)] }

// Type returns the storage class of column i (sqlite.Null when out of range).
func (r *Row) Type(i int) sqlite.ColumnType { return r.cell(i).typ }

// IsNull reports whether column i is NULL.
func (r *Row) IsNull(i int) bool { return r.cell(i).typ == sqlite.Null }

// Int64 returns column i as an integer, converted as
// sqlite.Stmt.ColumnInt64 would: a float truncated toward zero (saturating
// at the int64 range), text and blobs read for a leading integer
// ([sqlite.TextToInt]), NULL 0.
func (r *Row) Int64(i int) int64 {
	c := r.cell(i)
	switch c.typ {
	case sqlite.Integer:
		return c.v
	case sqlite.Float:
		return sqlite.RealToInt(math.Float64frombits(uint64(c.v)))
	case sqlite.Text, sqlite.Blob:
		return sqlite.TextToInt(r.raw(c))
	}
	return 0
}

// Int returns column i as an int (see Int64).
func (r *Row) Int(i int) int { return int(r.Int64(i)) }

// Bool reports whether column i is true as SQLite tests a value in WHERE:
// a number that is not zero, or text that reads as one ("0.5" is true,
// "abc" false). NULL is false.
func (r *Row) Bool(i int) bool {
	c := r.cell(i)
	if c.typ == sqlite.Integer {
		return c.v != 0
	}
	return r.Float(i) != 0
}

// Float returns column i as a float64, converted as
// sqlite.Stmt.ColumnFloat would: integers converted, text and blobs read
// for a leading number ([sqlite.TextToReal]), NULL 0.
func (r *Row) Float(i int) float64 {
	c := r.cell(i)
	switch c.typ {
	case sqlite.Integer:
		return float64(c.v)
	case sqlite.Float:
		return math.Float64frombits(uint64(c.v))
	case sqlite.Text, sqlite.Blob:
		return sqlite.TextToReal(r.raw(c))
	}
	return 0
}

// Text returns column i as a string, converted as sqlite.Stmt.ColumnText
// would: numbers in decimal (REALs by [sqlite.FormatReal]), blobs as they
// are, NULL "".
func (r *Row) Text(i int) string {
	c := r.cell(i)
	switch c.typ {
	case sqlite.Integer:
		return strconv.FormatInt(c.v, 10)
	case sqlite.Float:
		return sqlite.FormatReal(math.Float64frombits(uint64(c.v)))
	case sqlite.Text, sqlite.Blob:
		return string(r.raw(c))
	}
	return ""
}

// Bytes returns a copy of column i as bytes (numbers as their text form).
// NULL is nil; an empty text or blob is an empty, non-nil slice.
func (r *Row) Bytes(i int) []byte {
	c := r.cell(i)
	switch c.typ {
	case sqlite.Text, sqlite.Blob:
		return append([]byte{}, r.raw(c)...)
	case sqlite.Null:
		return nil
	}
	return []byte(r.Text(i))
}

// Value returns column i as int64, float64, string, []byte (a copy) or nil,
// following its storage class.
func (r *Row) Value(i int) any {
	c := r.cell(i)
	switch c.typ {
	case sqlite.Integer:
		return c.v
	case sqlite.Float:
		return math.Float64frombits(uint64(c.v))
	case sqlite.Text:
		return string(r.raw(c))
	case sqlite.Blob:
		return append([]byte{}, r.raw(c)...)
	}
	return nil
}

// Values returns every column as Value does.
func (r *Row) Values() []any {
	out := make([]any, len(r.cells))
	for i := range r.cells {
		out[i] = r.Value(i)
	}
	return out
}

// Time reads column i as a time stored in format f, as
// sqlite.Stmt.ColumnTime does. NULL is the zero time.
func (r *Row) Time(i int, f sqlite.TimeFormat) (time.Time, error) {
	if r.cell(i).typ == sqlite.Null {
		return time.Time{}, nil
	}
	return sqlite.DecodeTime(f, func() string { return r.Text(i) },
		func() int64 { return r.Int64(i) }, func() float64 { return r.Float(i) })
}

// Clone returns a copy of the row that stays valid after the iteration
// moves on.
func (r *Row) Clone() *Row {
	out := &Row{cols: r.cols, err: r.err, cells: make([]cell, len(r.cells))}
	size := 0
	for _, c := range r.cells {
		size += c.n
	}
	out.arena = make([]byte, 0, size)
	for i, c := range r.cells {
		if c.typ == sqlite.Text || c.typ == sqlite.Blob {
			off := len(out.arena)
			out.arena = append(out.arena, r.raw(c)...)
			c.v = int64(off)
		}
		out.cells[i] = c
	}
	return out
}

// String formats the row for humans: (1, 'one', x'00ff', NULL).
func (r *Row) String() string {
	if r.err != nil {
		return "error: " + r.err.Error()
	}
	b := []byte{'('}
	for i, c := range r.cells {
		if i > 0 {
			b = append(b, ", "...)
		}
		switch c.typ {
		case sqlite.Integer, sqlite.Float:
			b = append(b, r.Text(i)...)
		case sqlite.Text:
			b = strconv.AppendQuote(b, string(r.raw(c)))
		case sqlite.Blob:
			b = fmt.Appendf(b, "x'%x'", r.raw(c))
		default:
			b = append(b, "NULL"...)
		}
	}
	return string(append(b, ')'))
}

// Scan copies the row's columns, in order, into the values dest points at.
// There must be one destination per column. Supported destinations:
//
//   - *any: int64, float64, string, []byte (a copy) or nil, as stored;
//   - *string, *[]byte: any value; numbers in their text form; NULL is ""
//     or nil;
//   - *int, *int8 … *int64, *uint … *uint64: integers that fit, floats with
//     no fractional part, text that is exactly such a number; NULL is 0;
//   - *float64, *float32: numbers and numeric text; NULL is 0;
//   - *bool: numbers (non-zero is true) and the text forms strconv.ParseBool
//     accepts; NULL is false;
//   - *time.Time: text in the forms sqlite.ParseTime reads, an integer as
//     Unix seconds, a float as a Julian day number; NULL is the zero time;
//   - a pointer to a pointer of any of these (**string, ...): NULL sets it
//     to nil, anything else allocates the value;
//   - types whose underlying type is one of the above (type ID int64);
//   - any type with a method Scan(src any) error, such as database/sql's
//     NullString and NullInt64, which receives the Value of the column.
//
// A value that does not fit its destination fails with an *sqlite.Error of
// code sqlite.ErrMismatch naming the column; a wrong number of destinations
// with sqlite.ErrRange. For a Row from QueryRow, Scan first returns the row's
// error (ErrNoRows when there was none).
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if len(dest) != len(r.cells) {
		return sqlite.Errorf(sqlite.ErrRange, "Scan: %d destinations for %d columns", len(dest), len(r.cells))
	}
	for i, d := range dest {
		if err := r.scanOne(i, d); err != nil {
			return err
		}
	}
	return nil
}

// scanner is database/sql's Scanner interface, matched without importing it.
type scanner interface{ Scan(src any) error }

func (r *Row) scanOne(i int, dest any) error {
	c := r.cell(i)
	switch d := dest.(type) {
	case *any:
		*d = r.Value(i)
		return nil
	case *string:
		*d = r.Text(i)
		return nil
	case *[]byte:
		*d = r.Bytes(i)
		return nil
	case *int64:
		n, err := r.scanInt(i, c, 64)
		*d = n
		return err
	case *int:
		n, err := r.scanInt(i, c, strconv.IntSize)
		*d = int(n)
		return err
	case *float64:
		f, err := r.scanFloat(i, c)
		*d = f
		return err
	case *bool:
		b, err := r.scanBool(i, c)
		*d = b
		return err
	case *time.Time:
		t, err := r.scanTime(i, c)
		*d = t
		return err
	case scanner:
		return d.Scan(r.Value(i))
	case nil:
		return r.scanError(i, c, dest, "nil destination")
	}
	return r.scanReflect(i, c, dest)
}

// scanReflect handles named types, the remaining sizes of numbers and
// pointers to pointers.
func (r *Row) scanReflect(i int, c cell, dest any) error {
	p := reflect.ValueOf(dest)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return r.scanError(i, c, dest, "destination is not a non-nil pointer")
	}
	v := p.Elem()
	switch v.Kind() {
	case reflect.Pointer:
		if c.typ == sqlite.Null {
			v.SetZero()
			return nil
		}
		nv := reflect.New(v.Type().Elem())
		if err := r.scanOne(i, nv.Interface()); err != nil {
			return err
		}
		v.Set(nv)
		return nil
	case reflect.String:
		v.SetString(r.Text(i))
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := r.Bytes(i)
			if b == nil {
				v.SetZero()
			} else {
				v.SetBytes(b)
			}
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := r.scanInt(i, c, v.Type().Bits())
		if err == nil {
			v.SetInt(n)
		}
		return err
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := r.scanInt(i, c, 64)
		if err == nil && (n < 0 || v.OverflowUint(uint64(n))) {
			err = r.scanError(i, c, dest, "value out of range")
		}
		if err == nil {
			v.SetUint(uint64(n))
		}
		return err
	case reflect.Float32, reflect.Float64:
		f, err := r.scanFloat(i, c)
		if err == nil && v.Kind() == reflect.Float32 && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
			err = r.scanError(i, c, dest, "value out of range")
		}
		if err == nil {
			v.SetFloat(f)
		}
		return err
	case reflect.Bool:
		b, err := r.scanBool(i, c)
		if err == nil {
			v.SetBool(b)
		}
		return err
	case reflect.Interface:
		if v.NumMethod() == 0 {
			val := r.Value(i)
			if val == nil {
				v.SetZero()
			} else {
				v.Set(reflect.ValueOf(val))
			}
			return nil
		}
	}
	return r.scanError(i, c, dest, "unsupported destination type")
}

func (r *Row) scanInt(i int, c cell, bits int) (int64, error) {
	var n int64
	switch c.typ {
	case sqlite.Null:
		return 0, nil
	case sqlite.Integer:
		n = c.v
	case sqlite.Float:
		f := math.Float64frombits(uint64(c.v))
		if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
			return 0, r.scanError(i, c, nil, "not an integer")
		}
		n = int64(f)
	case sqlite.Text:
		var err error
		n, err = strconv.ParseInt(string(r.raw(c)), 10, 64)
		if err != nil {
			return 0, r.scanError(i, c, nil, "not an integer")
		}
	default:
		return 0, r.scanError(i, c, nil, "a blob is not an integer")
	}
	if bits < 64 && (n < -(1<<(bits-1)) || n >= 1<<(bits-1)) {
		return 0, r.scanError(i, c, nil, fmt.Sprintf("value out of range for %d bits", bits))
	}
	return n, nil
}

func (r *Row) scanFloat(i int, c cell) (float64, error) {
	switch c.typ {
	case sqlite.Null:
		return 0, nil
	case sqlite.Integer:
		return float64(c.v), nil
	case sqlite.Float:
		return math.Float64frombits(uint64(c.v)), nil
	case sqlite.Text:
		f, err := strconv.ParseFloat(string(r.raw(c)), 64)
		if err != nil {
			return 0, r.scanError(i, c, nil, "not a number")
		}
		return f, nil
	}
	return 0, r.scanError(i, c, nil, "a blob is not a number")
}

func (r *Row) scanBool(i int, c cell) (bool, error) {
	switch c.typ {
	case sqlite.Null:
		return false, nil
	case sqlite.Integer:
		return c.v != 0, nil
	case sqlite.Float:
		return math.Float64frombits(uint64(c.v)) != 0, nil
	case sqlite.Text:
		b, err := strconv.ParseBool(string(r.raw(c)))
		if err != nil {
			return false, r.scanError(i, c, nil, "not a boolean")
		}
		return b, nil
	}
	return false, r.scanError(i, c, nil, "a blob is not a boolean")
}

func (r *Row) scanTime(i int, c cell) (time.Time, error) {
	switch c.typ {
	case sqlite.Null:
		return time.Time{}, nil
	case sqlite.Integer:
		return time.Unix(c.v, 0).UTC(), nil
	case sqlite.Float:
		return sqlite.JulianDayTime(math.Float64frombits(uint64(c.v))), nil
	case sqlite.Text:
		t, err := sqlite.ParseTime(string(r.raw(c)))
		if err != nil {
			return time.Time{}, r.scanError(i, c, nil, "not a time")
		}
		return t, nil
	}
	return time.Time{}, r.scanError(i, c, nil, "a blob is not a time")
}

// scanError describes a failed conversion of column i.
func (r *Row) scanError(i int, c cell, dest any, why string) error {
	name := ""
	if i < len(r.cols) {
		name = fmt.Sprintf(" %q", r.cols[i])
	}
	val := ""
	switch c.typ {
	case sqlite.Text:
		s := string(r.raw(c))
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		val = " " + strconv.Quote(s)
	case sqlite.Integer, sqlite.Float:
		val = " " + r.Text(i)
	}
	into := ""
	if dest != nil {
		into = fmt.Sprintf(" into %T", dest)
	}
	return sqlite.Errorf(sqlite.ErrMismatch, "Scan column %d%s: %s%s%s: %s", i, name, c.typ, val, into, why)
}

// batch is a block of rows copied out of a statement on the worker and
// handed to the goroutine that reads them; its memory is reused for the
// next block, so a query's memory does not grow with its row count.
type batch struct {
	cols  []string
	ncol  int
	cells []cell
	arena []byte
	rows  int
	done  bool  // the statement has no more rows
	err   error // the error that ended the statement, after the rows
}

// maxBatchBytes ends a batch early when its text and blobs pass this size,
// so rows holding large values travel a few at a time.
const maxBatchBytes = 1 << 20

func (b *batch) reset() {
	b.cells = b.cells[:0]
	if cap(b.arena) > 4*maxBatchBytes {
		b.arena = nil
	}
	b.arena = b.arena[:0]
	b.rows = 0
	b.done = false
	b.err = nil
}

// start prepares the batch for the rows of s.
func (b *batch) start(s *sqlite.Stmt) {
	b.cols = s.ColumnNames()
	b.ncol = len(b.cols)
}

// fill steps s and copies rows into the batch until it holds max rows (or
// maxBatchBytes of text and blobs). At the end of the statement it sets
// done, and err if the statement failed.
func (b *batch) fill(s *sqlite.Stmt, max int) { b.fillUntil(s, max, nil) }

// full reports whether the batch holds max rows or enough bytes.
func (b *batch) full(max int) bool { return b.rows >= max || len(b.arena) >= maxBatchBytes }

// fillUntil is fill that also stops, between two rows, as soon as *stop is
// not zero (when stop is not nil).
func (b *batch) fillUntil(s *sqlite.Stmt, max int, stop *atomic.Int32) {
	for !b.full(max) && !b.done && (stop == nil || stop.Load() == 0) {
		ok, err := s.Step()
		if err != nil {
			b.err, b.done = err, true
			return
		}
		if !ok {
			b.done = true
			return
		}
		b.appendRow(s)
	}
}

// appendRow copies the current row of s.
func (b *batch) appendRow(s *sqlite.Stmt) {
	for i := 0; i < b.ncol; i++ {
		c := cell{typ: s.ColumnType(i)}
		switch c.typ {
		case sqlite.Integer:
			c.v = s.ColumnInt64(i)
		case sqlite.Float:
			c.v = int64(math.Float64bits(s.ColumnFloat(i)))
		case sqlite.Text, sqlite.Blob:
			raw := s.ColumnRawBytes(i)
			c.v, c.n = int64(len(b.arena)), len(raw)
			b.arena = append(b.arena, raw...)
		}
		b.cells = append(b.cells, c)
	}
	b.rows++
}

// row points r at row i of the batch.
func (b *batch) row(r *Row, i int) {
	r.cols = b.cols
	r.cells = b.cells[i*b.ncol : (i+1)*b.ncol : (i+1)*b.ncol]
	r.arena = b.arena
}
