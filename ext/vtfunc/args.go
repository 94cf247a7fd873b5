package vtfunc

import (
	"fmt"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// Args are the parameter values of one call of a table-valued function:
// those the query gave, and the defaults of the others. Values are copies,
// valid as long as the function needs them.
//
// The typed getters convert as SQLite does (sqlite3_value_int64 and
// friends): Int of the text '12' is 12, Text of the integer 12 is "12", and
// NULL is 0 or "". They panic when name is not a parameter of the function;
// the query then fails with that message, as for any panic in the function.
type Args struct {
	names []string
	vals  []argValue
}

// argValue is a parameter's value and its conversions.
type argValue struct {
	v any // int64, float64, string, []byte or nil
	i int64
	f float64
	s string
}

func copyValue(v sqlite.Value) argValue {
	a := argValue{v: v.Any()} // the storage class first: the conversions below may add others
	a.i, a.f, a.s = v.Int64(), v.Float(), v.Text()
	return a
}

// Len returns the number of parameters.
func (a Args) Len() int { return len(a.vals) }

// Name returns the name of parameter i (from 0, in Table.Params order).
func (a Args) Name(i int) string { return a.names[i] }

func (a Args) get(name string) argValue {
	for i, n := range a.names {
		if n == name {
			return a.vals[i]
		}
	}
	for i, n := range a.names {
		if strings.EqualFold(n, name) {
			return a.vals[i]
		}
	}
	panic(fmt.Sprintf("vtfunc: no parameter %q (the parameters are %s)", name, strings.Join(a.names, ", ")))
}

// Value returns the parameter called name (matched ignoring case, like SQL
// names) as int64, float64, string, []byte or nil.
func (a Args) Value(name string) any { return a.get(name).v }

// IsNull reports whether the parameter called name is NULL.
func (a Args) IsNull(name string) bool { return a.get(name).v == nil }

// Int64 returns the parameter called name as an integer.
func (a Args) Int64(name string) int64 { return a.get(name).i }

// Int returns the parameter called name as an int.
func (a Args) Int(name string) int { return int(a.get(name).i) }

// Bool returns whether the parameter called name is a non-zero integer.
func (a Args) Bool(name string) bool { return a.get(name).i != 0 }

// Float returns the parameter called name as a float.
func (a Args) Float(name string) float64 { return a.get(name).f }

// Text returns the parameter called name as text.
func (a Args) Text(name string) string { return a.get(name).s }

// Bytes returns the parameter called name as bytes: a blob's own bytes,
// another value's text, nil for NULL.
func (a Args) Bytes(name string) []byte {
	switch v := a.get(name); b := v.v.(type) {
	case nil:
		return nil
	case []byte:
		return b
	default:
		return []byte(v.s)
	}
}

// String formats the parameters as name=value pairs, for logs.
func (a Args) String() string {
	var b strings.Builder
	for i, n := range a.names {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(n + "=")
		switch v := a.vals[i].v.(type) {
		case nil:
			b.WriteString("NULL")
		case string:
			fmt.Fprintf(&b, "%q", v)
		case []byte:
			fmt.Fprintf(&b, "x'%x'", v)
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}
