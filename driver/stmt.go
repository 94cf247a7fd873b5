package driver

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// Stmt is a prepared statement.
type Stmt struct {
	conn *Conn
	s    *sqlite.Stmt
	rows *rows // rows currently reading the statement
}

var (
	_ driver.Stmt             = (*Stmt)(nil)
	_ driver.StmtExecContext  = (*Stmt)(nil)
	_ driver.StmtQueryContext = (*Stmt)(nil)
)

// Close finalizes the statement.
func (s *Stmt) Close() error { return s.s.Close() }

// NumInput returns the number of parameters, or -1 when some are named, so
// database/sql leaves the checking to Bind.
func (s *Stmt) NumInput() int { return numInput(s.s) }

func numInput(s *sqlite.Stmt) int {
	n := s.ParamCount()
	for i := 1; i <= n; i++ {
		if name := s.ParamName(i); name != "" && name[0] != '?' {
			return -1
		}
	}
	return n
}

// Exec runs the statement.
func (s *Stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), valuesToNamed(args))
}

// Query runs the statement.
func (s *Stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), valuesToNamed(args))
}

func valuesToNamed(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// ExecContext runs the statement with args.
func (s *Stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	if s.rows != nil {
		s.rows.Close()
	}
	c := s.conn
	if err := c.txGone(); err != nil {
		return nil, err
	}
	defer c.use(ctx)()
	if err := s.s.Exec(c.bindArgs(args)...); err != nil {
		return nil, errBadConnIfClosed(err)
	}
	if c.inTx && c.txOver {
		return nil, errEndedBySQL
	}
	return result{c.raw.LastInsertRowID(), c.raw.Changes()}, nil
}

// QueryContext runs the statement with args and returns its rows.
func (s *Stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	if err := s.conn.txGone(); err != nil {
		return nil, err
	}
	if s.rows != nil {
		s.rows.Close()
	}
	s.s.Reset()
	r, err := s.conn.query(ctx, s.s, args, false)
	if err != nil {
		return nil, errBadConnIfClosed(err)
	}
	s.rows = r.(*rows)
	s.rows.owner = s
	return r, nil
}

// rows reads a statement's results for database/sql.
type rows struct {
	raw       *sqlite.Conn
	timeFmt   sqlite.TimeFormat
	ownCtx    bool // the rows installed their query's context on raw
	s         *sqlite.Stmt
	closeStmt bool  // the statement is the rows' own (from the cache)
	owner     *Stmt // the prepared Stmt the rows read, if any
	cols      []string
	decl      []string
	ready     bool // the statement stands on a row Next has not returned yet
	done      bool
}

var (
	_ driver.Rows                           = (*rows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*rows)(nil)
)

func (r *rows) Columns() []string { return r.cols }

func (r *rows) Close() error {
	if r.s == nil {
		return nil
	}
	if r.closeStmt {
		r.s.Close()
	} else {
		r.s.Reset()
	}
	if r.owner != nil && r.owner.rows == r {
		r.owner.rows = nil
	}
	r.s = nil
	if r.ownCtx {
		r.raw.SetContext(context.Background())
	}
	return nil
}

func (r *rows) declTypes() []string {
	if r.decl == nil {
		r.decl = make([]string, len(r.cols))
		for i := range r.decl {
			r.decl[i] = strings.ToUpper(r.s.ColumnDeclType(i))
		}
	}
	return r.decl
}

func (r *rows) Next(dest []driver.Value) error {
	if r.s == nil || r.done {
		return io.EOF
	}
	if r.ready {
		r.ready = false
	} else {
		row, err := r.s.Step()
		if err != nil {
			return err
		}
		if !row {
			r.done = true
			return io.EOF
		}
	}
	for i := range dest {
		switch r.s.ColumnType(i) {
		case sqlite.Integer:
			if r.declTypes()[i] == "BOOLEAN" {
				dest[i] = r.s.ColumnInt64(i) != 0
				continue
			}
			if isTimeDecl(r.declTypes()[i]) && r.timeFmt != sqlite.TimeText && r.timeFmt != sqlite.TimeJulianDay {
				t, _ := r.s.ColumnTime(i, r.timeFmt)
				dest[i] = t
				continue
			}
			dest[i] = r.s.ColumnInt64(i)
		case sqlite.Float:
			if isTimeDecl(r.declTypes()[i]) && r.timeFmt == sqlite.TimeJulianDay {
				t, _ := r.s.ColumnTime(i, r.timeFmt)
				dest[i] = t
				continue
			}
			dest[i] = r.s.ColumnFloat(i)
		case sqlite.Text:
			if isTimeDecl(r.declTypes()[i]) {
				if t, err := sqlite.ParseTime(r.s.ColumnText(i)); err == nil {
					dest[i] = t
					continue
				}
			}
			dest[i] = r.s.ColumnText(i)
		case sqlite.Blob:
			dest[i] = r.s.ColumnBytes(i, []byte{})
		default:
			dest[i] = nil
		}
	}
	return nil
}

func isTimeDecl(d string) bool {
	return d == "DATE" || d == "DATETIME" || d == "TIMESTAMP"
}

// ColumnTypeDatabaseTypeName returns the declared type of column i.
func (r *rows) ColumnTypeDatabaseTypeName(i int) string { return r.declTypes()[i] }

var (
	typeBool    = reflect.TypeFor[bool]()
	typeInt64   = reflect.TypeFor[int64]()
	typeFloat64 = reflect.TypeFor[float64]()
	typeString  = reflect.TypeFor[string]()
	typeBytes   = reflect.TypeFor[[]byte]()
	typeTime    = reflect.TypeFor[time.Time]()
	typeAny     = reflect.TypeFor[any]()
)

// ColumnTypeScanType returns the Go type that fits column i's declared
// type, following SQLite's affinity rules.
func (r *rows) ColumnTypeScanType(i int) reflect.Type { return scanType(r.declTypes()[i]) }

func scanType(d string) reflect.Type {
	switch {
	case isTimeDecl(d):
		return typeTime
	case d == "BOOLEAN":
		return typeBool
	case strings.Contains(d, "INT"):
		return typeInt64
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return typeString
	case strings.Contains(d, "BLOB"):
		return typeBytes
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return typeFloat64
	}
	return typeAny
}
