package asqlite

import "github.com/asqlite/asqlite/sqlite"

// The row path: every query of the package prepares, binds and steps its
// statement here, copying rows into batches (see batch) or stepping them
// one at a time (stepper), whether it runs on a Conn's worker (Conn's
// cursors, Tx) or on a DB's reader.

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
	var st stepper
	if err := st.open(sc, sql, args); err != nil {
		return err
	}
	defer st.close()
	var row Row
	for {
		if ok, err := st.next(&row); !ok {
			return err
		}
		if !yield(&row) {
			return nil
		}
	}
}

// stepper steps a statement one row at a time, as the caller asks for
// rows: Tx.Query and DB's Query, which hand over no batch. The caller
// provides the Row each row is copied into.
type stepper struct {
	s *sqlite.Stmt
	b batch
}

// open prepares sql on sc with args bound.
func (st *stepper) open(sc *sqlite.Conn, sql string, args []any) error {
	s, err := prepBound(sc, sql, args)
	if err != nil {
		return err
	}
	st.s = s
	st.b.start(s)
	return nil
}

// next copies the next row into row. At the end it reports false, with the
// error that ended the statement, if any.
func (st *stepper) next(row *Row) (bool, error) {
	st.b.reset()
	st.b.fill(st.s, 1)
	if st.b.rows == 0 {
		return false, st.b.err
	}
	st.b.row(row, 0)
	return true, nil
}

func (st *stepper) close() { st.s.Close() }

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
