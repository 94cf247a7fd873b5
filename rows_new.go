package asqlite

import (
	"math"

	"github.com/asqlite/asqlite/sqlite"
)

// NewRow returns a Row holding values under the names columns, for code
// that gets rows from elsewhere than a connection of this package (package
// cluster makes its rows from dqlite's) and wants to hand out the same
// type. Each value must be one Row.Value returns: nil, int64, float64,
// string or []byte; bool is stored as 0 or 1. The Row keeps copies.
func NewRow(columns []string, values []any) (*Row, error) {
	if len(values) != len(columns) {
		return nil, sqlite.Errorf(sqlite.ErrMisuse, "asqlite: NewRow: %d values for %d columns", len(values), len(columns))
	}
	r := &Row{cols: columns, cells: make([]cell, len(values))}
	for i, v := range values {
		c := cell{}
		switch v := v.(type) {
		case nil:
			c.typ = sqlite.Null
		case int64:
			c.typ, c.v = sqlite.Integer, v
		case bool:
			c.typ = sqlite.Integer
			if v {
				c.v = 1
			}
		case float64:
			c.typ, c.v = sqlite.Float, int64(math.Float64bits(v))
		case string:
			c.typ, c.v, c.n = sqlite.Text, int64(len(r.arena)), len(v)
			r.arena = append(r.arena, v...)
		case []byte:
			c.typ, c.v, c.n = sqlite.Blob, int64(len(r.arena)), len(v)
			r.arena = append(r.arena, v...)
		default:
			return nil, sqlite.Errorf(sqlite.ErrMisuse, "asqlite: NewRow: column %q holds a %T", columns[i], v)
		}
		r.cells[i] = c
	}
	return r, nil
}

// ErrorRow returns a Row whose Err (and Scan) reports err, as QueryRow's
// row does when its query failed or found nothing (err is then ErrNoRows).
func ErrorRow(err error) *Row { return &Row{err: err} }
