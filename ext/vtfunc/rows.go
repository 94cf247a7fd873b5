package vtfunc

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// reader reads column i (counted among the columns the row gives) of row.
// An invalid reflect.Value stands for NULL.
type reader func(row reflect.Value, i int) (reflect.Value, error)

var timeType = reflect.TypeFor[time.Time]()

// isScalar reports whether a value of type t is one column: anything but
// slices (other than []byte), arrays, maps and structs (other than times),
// and pointers to those.
func isScalar(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8
	case reflect.Array, reflect.Map:
		return false
	case reflect.Struct:
		return isTime(t)
	}
	return true
}

// isTime reports whether t is stored as a time: time.Time or a struct with
// a Time() time.Time method, like sqlite.FuncContext.Result does.
func isTime(t reflect.Type) bool {
	if t == timeType {
		return true
	}
	m, ok := t.MethodByName("Time")
	return ok && m.Type.NumIn() == 1 && m.Type.NumOut() == 1 && m.Type.Out(0) == timeType
}

// newReader returns the reader of rows of type t for the columns cols.
func newReader(t reflect.Type, cols []string, access Access) (reader, error) {
	switch t.Kind() {
	case reflect.Interface:
		return dynamicReader(cols, access), nil
	case reflect.Pointer:
		if isScalar(t) {
			break // read whole, NULL when nil
		}
		elem, err := newReader(t.Elem(), cols, access)
		if err != nil {
			return nil, err
		}
		return func(row reflect.Value, i int) (reflect.Value, error) {
			if row.IsNil() {
				return reflect.Value{}, nil
			}
			return elem(row.Elem(), i)
		}, nil
	}
	if isScalar(t) {
		if len(cols) != 1 {
			return nil, fmt.Errorf("a row of type %s is one value, but the table has %d columns", t, len(cols))
		}
		if access == ByName {
			return nil, fmt.Errorf("a row of type %s has no names to read columns ByName", t)
		}
		return func(row reflect.Value, i int) (reflect.Value, error) { return row, nil }, nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if access == ByName {
			return nil, fmt.Errorf("rows of type %s have no names to read columns ByName", t)
		}
		if t.Kind() == reflect.Array && t.Len() < len(cols) {
			return nil, fmt.Errorf("rows of type %s have %d values, fewer than the %d columns", t, t.Len(), len(cols))
		}
		return func(row reflect.Value, i int) (reflect.Value, error) {
			if i >= row.Len() {
				return reflect.Value{}, fmt.Errorf("a row has %d values, fewer than the %d columns", row.Len(), len(cols))
			}
			return row.Index(i), nil
		}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("rows of type %s: map keys must be strings", t)
		}
		if access == ByIndex {
			return nil, fmt.Errorf("rows of type %s have no order to read columns ByIndex", t)
		}
		keys := make([]reflect.Value, len(cols))
		for i, c := range cols {
			keys[i] = reflect.ValueOf(c).Convert(t.Key())
		}
		return func(row reflect.Value, i int) (reflect.Value, error) {
			return row.MapIndex(keys[i]), nil // invalid (NULL) when absent
		}, nil
	case reflect.Struct:
		fields, err := structFields(t, cols, access)
		if err != nil {
			return nil, err
		}
		return func(row reflect.Value, i int) (reflect.Value, error) {
			v, err := row.FieldByIndexErr(fields[i])
			if err != nil {
				return reflect.Value{}, nil // through a nil embedded pointer: NULL
			}
			return v, nil
		}, nil
	}
	return nil, fmt.Errorf("cannot read columns from rows of type %s", t)
}

// dynamicReader reads rows of interface type by their dynamic type, with a
// reader per type made on first sight. A type that cannot give the columns
// fails the query.
func dynamicReader(cols []string, access Access) reader {
	type entry struct {
		r   reader
		err error
	}
	var cache sync.Map // reflect.Type → entry
	return func(row reflect.Value, i int) (reflect.Value, error) {
		if row.IsNil() {
			return reflect.Value{}, nil
		}
		row = row.Elem()
		e, ok := cache.Load(row.Type())
		if !ok {
			r, err := newReader(row.Type(), cols, access)
			e, _ = cache.LoadOrStore(row.Type(), entry{r, err})
		}
		if en := e.(entry); en.err != nil {
			return reflect.Value{}, en.err
		} else {
			return en.r(row, i)
		}
	}
}

// exportedFields returns the exported fields of struct t that are columns:
// promoted fields of embedded structs included, the embedded structs
// themselves and fields tagged `sqlite:"-"` left out.
func exportedFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Tag.Get("sqlite") == "-" {
			continue
		}
		if f.Anonymous {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && !isTime(ft) {
				continue // its fields are promoted
			}
		}
		out = append(out, f)
	}
	return out
}

// fieldName returns the column name of a field: its tag's or its own.
func fieldName(f reflect.StructField) string {
	if tag, _, _ := strings.Cut(f.Tag.Get("sqlite"), ","); tag != "" {
		return tag
	}
	return f.Name
}

// fieldNames returns the default columns of rows of type t: the names of a
// struct's fields.
func fieldNames(t reflect.Type, access Access) ([]string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || isTime(t) {
		return nil, false
	}
	var names []string
	for _, f := range exportedFields(t) {
		names = append(names, fieldName(f))
	}
	return names, len(names) > 0
}

// structFields returns the index of the field of each column.
func structFields(t reflect.Type, cols []string, access Access) ([][]int, error) {
	fields := exportedFields(t)
	out := make([][]int, len(cols))
	if access == ByIndex {
		if len(fields) < len(cols) {
			return nil, fmt.Errorf("rows of type %s have %d exported fields, fewer than the %d columns", t, len(fields), len(cols))
		}
		for i := range cols {
			out[i] = fields[i].Index
		}
		return out, nil
	}
	for i, c := range cols {
		var match []reflect.StructField
		for _, f := range fields {
			if fieldName(f) == c {
				match = []reflect.StructField{f}
				break
			}
			if strings.EqualFold(fieldName(f), c) {
				match = append(match, f)
			}
		}
		switch len(match) {
		case 0:
			return nil, fmt.Errorf("column %s matches no exported field of %s", c, t)
		case 1:
			out[i] = match[0].Index
		default:
			return nil, fmt.Errorf("column %s matches fields %s and %s of %s: tag one `sqlite:%q`", c, match[0].Name, match[1].Name, t, c)
		}
	}
	return out, nil
}

var zeroBlobType = reflect.TypeFor[sqlite.ZeroBlob]()

// result sets v as the result of fc, converting it like
// sqlite.FuncContext.Result. col names the column in errors.
func result(fc *sqlite.FuncContext, v reflect.Value, fn, col string) error {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			v = reflect.Value{}
			break
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		fc.ResultNull()
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		fc.ResultBool(v.Bool())
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Type() == zeroBlobType {
			fc.ResultZeroBlob(v.Int())
			return nil
		}
		fc.ResultInt64(v.Int())
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := v.Uint()
		if u > math.MaxInt64 {
			return sqlite.Errorf(sqlite.ErrRange, "%s: column %s: %d overflows int64", fn, col, u)
		}
		fc.ResultInt64(int64(u))
		return nil
	case reflect.Float32, reflect.Float64:
		fc.ResultFloat(v.Float())
		return nil
	case reflect.String:
		fc.ResultText(v.String())
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			fc.ResultBytes(v.Bytes()) // a nil slice is an empty blob, as in binding
			return nil
		}
	case reflect.Struct:
		if isTime(v.Type()) && v.CanInterface() {
			return fc.Result(v.Interface())
		}
	}
	return sqlite.Errorf(sqlite.ErrMismatch, "%s: column %s: cannot use a value of type %s as an SQL value", fn, col, v.Type())
}
