package asqlite

import "github.com/asqlite/asqlite/sqlite"

// The row path: every query of the package prepares, binds and steps its
// statement here, copying rows into batches (see batch), whether it runs on
// a Conn's worker (Conn's cursors, Tx) or on a DB's reader.

// queryRowOn returns the first row of sql, or a Row carrying the error
// (ErrNoRows when there is none).
func queryRowOn(sc *sqlite.Conn, sql string, args []any) *Row {
	s, err := prepBound(sc, sql, args)
	if err != nil {
		return &Row{err: err}
	}
	defer s.Close()
	var b batch
	b.start(s)
	b.fill(s, 1)
	if b.err != nil {
		return &Row{err: b.err}
	}
	if b.rows == 0 {
		return &Row{cols: b.cols, err: ErrNoRows}
	}
	r := &Row{}
	b.row(r, 0)
	return r
}

// eachRow runs sql on sc and calls yield with each row as it is stepped,
// until the rows end or yield returns false. It returns the query's error,
// nil when the rows ended or yield stopped them.
func eachRow(sc *sqlite.Conn, sql string, args []any, yield func(*Row) bool) error {
	s, err := prepBound(sc, sql, args)
	if err != nil {
		return err
	}
	defer s.Close()
	var b batch
	var row Row
	b.start(s)
	for {
		b.reset()
		b.fill(s, 1)
		if b.rows > 0 {
			b.row(&row, 0)
			if !yield(&row) {
				return nil
			}
		}
		if b.done {
			return b.err
		}
	}
}

// prepBound prepares sql on sc with args bound.
func prepBound(sc *sqlite.Conn, sql string, args []any) (*sqlite.Stmt, error) {
	s, err := sc.Prep(sql)
	if err != nil {
		return nil, err
	}
	if err := s.Bind(args...); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
