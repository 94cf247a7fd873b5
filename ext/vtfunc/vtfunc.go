package vtfunc

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// Table describes the shape of a table-valued function: the columns of its
// rows and its parameters.
type Table struct {
	// Columns names the columns of each row, in order. It may be empty
	// when rows are structs: the columns are then the exported fields'
	// names (or `sqlite:"name"` tags).
	Columns []string
	// Params are the function's parameters, in the order of positional
	// arguments: books(flags, server).
	Params []Param
	// Access says how a row gives its columns. The zero value, Auto,
	// follows the row's type.
	Access Access
}

// Param is a parameter of a table-valued function: a HIDDEN column that
// queries set with books(value) or WHERE name = value.
type Param struct {
	Name string
	// Required makes a query that leaves the parameter out fail with a
	// *ParamError.
	Required bool
	// Default is the value of a parameter the query leaves out (NULL when
	// nil). It may be of any type a statement can bind; Register converts
	// it as binding would and fails if it cannot.
	Default any
}

// Access says how the columns of a row are read.
type Access int

const (
	// Auto reads slices and arrays by index, structs and maps by name,
	// and any other value as the row's only column.
	Auto Access = iota
	// ByIndex reads column i from element i of a slice or array, or from
	// the i-th exported field of a struct.
	ByIndex
	// ByName reads a column from the struct field or map key of its name.
	ByName
)

// String returns "Auto", "ByIndex" or "ByName".
func (a Access) String() string {
	switch a {
	case Auto:
		return "Auto"
	case ByIndex:
		return "ByIndex"
	case ByName:
		return "ByName"
	}
	return fmt.Sprintf("Access(%d)", int(a))
}

// ParamError is the error of a query that does not set a parameter the way
// the function needs: it leaves out a required parameter, or constrains a
// parameter with an operator other than = or IS (the function receives
// values, not conditions). It fails the statement when it is prepared.
type ParamError struct {
	Func  string              // the function's name
	Param string              // the parameter's name
	Op    sqlite.ConstraintOp // the operator used on the parameter; 0 when the query leaves it out
}

// Error says which parameter is missing or misused, and how a query gives
// it.
func (e *ParamError) Error() string {
	if e.Op == 0 {
		return fmt.Sprintf("%s: missing required parameter %s: give it as %s(...) or with WHERE %s = ...",
			e.Func, e.Param, e.Func, e.Param)
	}
	return fmt.Sprintf("%s: parameter %s needs a value, not a %s constraint: give it as %s(...) or with WHERE %s = ...",
		e.Func, e.Param, e.Op, e.Func, e.Param)
}

// Register makes fn the table-valued function name on conn: each scan of
// the table calls fn with the query's context and parameters, and reads the
// rows of the sequence it returns as the query needs them (see the package
// documentation for how rows become columns). An error from fn fails the
// query. fn may be called while an earlier call's rows are still being read
// (a self-join, or a nested query): calls share nothing unless fn does.
//
// The table is eponymous-only: queries use it by name, and CREATE VIRTUAL
// TABLE ... USING name fails. Registering the same name again replaces it
// for every statement prepared afterwards, cached ones included (statements
// the caller holds keep the function they were prepared with). Register fails when the table's description does not
// fit T (a column no field matches, a default that cannot be bound, ...),
// and follows conn's rules: call it from the goroutine using conn.
//
// https://sqlite.org/vtab.html#eponymous_only_virtual_tables
func Register[T any](conn *sqlite.Conn, name string, t Table, fn func(ctx context.Context, args Args) (iter.Seq[T], error)) error {
	if fn == nil {
		return fmt.Errorf("vtfunc: register %s: nil function", name)
	}
	return register(conn, name, t, reflect.TypeFor[T](), nil, func(ctx context.Context, args Args) (scan, error) {
		seq, err := fn(ctx, args)
		if err != nil || seq == nil {
			return nil, err
		}
		s := &seqScan[T]{}
		s.pull, s.end = iter.Pull(seq)
		s.rv = reflect.ValueOf(&s.cur).Elem()
		return s, nil
	})
}

// Register2 is Register for functions returning an iter.Seq2[K, V]. The
// row of a pair (k, v) is k, as the first column, followed by the columns
// of v. When V is error, the rows are instead the K values alone, and a
// non-nil error ends the query with that error.
//
// https://sqlite.org/vtab.html#eponymous_only_virtual_tables
func Register2[K, V any](conn *sqlite.Conn, name string, t Table, fn func(ctx context.Context, args Args) (iter.Seq2[K, V], error)) error {
	if fn == nil {
		return fmt.Errorf("vtfunc: register %s: nil function", name)
	}
	vt := reflect.TypeFor[V]()
	if vt == reflect.TypeFor[error]() {
		return register(conn, name, t, reflect.TypeFor[K](), nil, func(ctx context.Context, args Args) (scan, error) {
			seq, err := fn(ctx, args)
			if err != nil || seq == nil {
				return nil, err
			}
			s := &seqErrScan[K, V]{}
			s.pull, s.end = iter.Pull2(seq)
			s.rv = reflect.ValueOf(&s.cur).Elem()
			return s, nil
		})
	}
	return register(conn, name, t, vt, reflect.TypeFor[K](), func(ctx context.Context, args Args) (scan, error) {
		seq, err := fn(ctx, args)
		if err != nil || seq == nil {
			return nil, err
		}
		s := &seq2Scan[K, V]{}
		s.pull, s.end = iter.Pull2(seq)
		s.kv = reflect.ValueOf(&s.k).Elem()
		s.rv = reflect.ValueOf(&s.v).Elem()
		return s, nil
	})
}

// RegisterSlice is Register for functions returning their rows as a slice.
//
// https://sqlite.org/vtab.html#eponymous_only_virtual_tables
func RegisterSlice[T any](conn *sqlite.Conn, name string, t Table, fn func(ctx context.Context, args Args) ([]T, error)) error {
	if fn == nil {
		return fmt.Errorf("vtfunc: register %s: nil function", name)
	}
	return register(conn, name, t, reflect.TypeFor[T](), nil, func(ctx context.Context, args Args) (scan, error) {
		rows, err := fn(ctx, args)
		if err != nil {
			return nil, err
		}
		return &sliceScan{rows: reflect.ValueOf(rows), i: -1}, nil
	})
}

// register checks the description, builds the table's state and registers
// its module. row is the type read for the columns; key, when not nil, the
// type of the extra first column of Register2.
func register(conn *sqlite.Conn, name string, t Table, row, key reflect.Type, open func(context.Context, Args) (scan, error)) error {
	if conn == nil {
		return errors.New("vtfunc: register " + name + ": nil connection")
	}
	if name == "" {
		return errors.New("vtfunc: register: empty function name")
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("vtfunc: register %s: %s", name, fmt.Sprintf(format, args...))
	}
	if t.Access < Auto || t.Access > ByName {
		return fail("unknown Access %d", int(t.Access))
	}
	cols := t.Columns
	if len(cols) == 0 {
		if key != nil {
			return fail("Table.Columns is empty: name the key column and those of %s", row)
		}
		names, ok := fieldNames(row, t.Access)
		if !ok {
			return fail("Table.Columns is empty and rows of type %s have no field names", row)
		}
		cols = names
	}
	rowCols := cols
	if key != nil {
		rowCols = cols[1:]
	}
	read, err := newReader(row, rowCols, t.Access)
	if err != nil {
		return fail("%v", err)
	}
	tb := &table{
		name:   name,
		cols:   cols,
		hasKey: key != nil,
		read:   read,
		open:   open,
		params: make([]Param, len(t.Params)),
		defs:   make([]argValue, len(t.Params)),
	}
	copy(tb.params, t.Params)
	seen := map[string]bool{}
	var decl strings.Builder
	decl.WriteString("CREATE TABLE x(")
	for i, c := range cols {
		if err := tb.checkName(seen, "column", c); err != nil {
			return fail("%v", err)
		}
		if i > 0 {
			decl.WriteString(", ")
		}
		decl.WriteString(quoteIdent(c))
	}
	for i, p := range tb.params {
		if err := tb.checkName(seen, "parameter", p.Name); err != nil {
			return fail("%v", err)
		}
		if len(cols)+i > 0 {
			decl.WriteString(", ")
		}
		decl.WriteString(quoteIdent(p.Name) + " HIDDEN")
		if p.Default != nil {
			if p.Required {
				return fail("parameter %s is Required and has a Default", p.Name)
			}
			v, err := bindValue(conn, p.Default)
			if err != nil {
				return fail("default of parameter %s: %v", p.Name, err)
			}
			tb.defs[i] = v
		}
	}
	decl.WriteString(")")
	tb.decl = decl.String()
	tb.argNames = make([]string, len(tb.params))
	for i, p := range tb.params {
		tb.argNames[i] = p.Name
	}
	if err := conn.CreateEponymousModule(name, module{tb}); err != nil {
		return fmt.Errorf("vtfunc: register %s: %w", name, err)
	}
	return nil
}

func (t *table) checkName(seen map[string]bool, what, name string) error {
	if name == "" {
		return fmt.Errorf("empty %s name", what)
	}
	k := strings.ToLower(name)
	if seen[k] {
		return fmt.Errorf("%s name %q used twice", what, name)
	}
	seen[k] = true
	return nil
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// bindValue converts v as binding it to a statement would, with the
// conversions Args offers.
func bindValue(conn *sqlite.Conn, v any) (argValue, error) {
	s, err := conn.Prepare("SELECT ?1")
	if err != nil {
		return argValue{}, err
	}
	defer s.Close()
	if err := s.BindValue(1, v); err != nil {
		return argValue{}, err
	}
	if _, err := s.Step(); err != nil {
		return argValue{}, err
	}
	// The storage class first: the conversions below may add others.
	a := argValue{v: s.ColumnValue(0)}
	a.i, a.f, a.s = s.ColumnInt64(0), s.ColumnFloat(0), s.ColumnText(0)
	return a, nil
}
