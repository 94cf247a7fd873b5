package vtfunc

import (
	"bytes"
	"context"
	"fmt"
	"reflect"

	"github.com/asqlite/asqlite/sqlite"
)

// table is the state of one registration, shared by its connections'
// virtual tables and cursors.
type table struct {
	name     string
	cols     []string // the visible columns, the key first with Register2
	hasKey   bool     // column 0 is the key of a Register2 pair
	read     reader   // reads the other visible columns from a row
	params   []Param
	argNames []string
	defs     []argValue // defaults, by parameter
	decl     string     // the CREATE TABLE for DeclareVTab
	open     func(context.Context, Args) (scan, error)
}

// scan is the rows of one call of the function.
type scan interface {
	// next moves to the next row, reporting false at the end. key and row
	// are the current pair (key invalid except for Register2); they stay
	// valid until the next call.
	next() (key, row reflect.Value, ok bool, err error)
	// stop releases the iterator; next then reports the end.
	stop()
}

type module struct{ t *table }

func (m module) Connect(c *sqlite.Conn, _ sqlite.ModuleArgs) (sqlite.VTab, error) {
	if err := c.DeclareVTab(m.t.decl); err != nil {
		return nil, err
	}
	return &vtab{t: m.t, conn: c}, nil
}

type vtab struct {
	t    *table
	conn *sqlite.Conn
}

// BestIndex takes every parameter from an equality constraint (= or IS),
// or its default, and leaves the other constraints and the ORDER BY to
// SQLite. IdxStr tells Filter which parameters come from constraints: byte
// p is '1' when parameter p does.
func (v *vtab) BestIndex(info *sqlite.IndexInfo) error {
	t := v.t
	n, np := len(t.cols), len(t.params)
	if np == 0 {
		return nil
	}
	usable := make([]int, np) // 1 + the usable equality constraint giving parameter p
	unusable := make([]bool, np)
	other := make([]sqlite.ConstraintOp, np) // the first other operator on parameter p
	for i, c := range info.Constraints {
		p := c.Column - n
		if p < 0 || p >= np || c.Op == sqlite.ConstraintLimit || c.Op == sqlite.ConstraintOffset {
			continue
		}
		switch {
		case c.Op != sqlite.ConstraintEQ && c.Op != sqlite.ConstraintIs:
			// Name the operator the query wrote: SQLite adds range
			// constraints of its own for a LIKE or GLOB prefix.
			if other[p] == 0 || isPattern(c.Op) {
				other[p] = c.Op
			}
		case !c.Usable:
			unusable[p] = true
		case usable[p] == 0:
			usable[p] = i + 1
		}
	}
	for p, prm := range t.params {
		if usable[p] != 0 || unusable[p] {
			continue
		}
		if other[p] != 0 {
			return &ParamError{Func: t.name, Param: prm.Name, Op: other[p]}
		}
		if prm.Required {
			return &ParamError{Func: t.name, Param: prm.Name}
		}
	}
	for p := range t.params {
		if usable[p] == 0 && unusable[p] {
			// The value comes from a table later in this join order:
			// ask for one that makes it available.
			return sqlite.ErrUnusablePlan
		}
	}
	plan := make([]byte, np)
	argv := 0
	for p := range t.params {
		plan[p] = '0'
		if i := usable[p] - 1; i >= 0 {
			argv++
			info.Constraints[i].ArgvIndex = argv
			info.Constraints[i].Omit = true
			plan[p] = '1'
		}
	}
	info.IdxStr = string(plan)
	return nil
}

func isPattern(op sqlite.ConstraintOp) bool {
	switch op {
	case sqlite.ConstraintLike, sqlite.ConstraintGlob, sqlite.ConstraintRegexp, sqlite.ConstraintMatch:
		return true
	}
	return op >= sqlite.ConstraintFunction
}

func (v *vtab) Open() (sqlite.VTabCursor, error) { return &cursor{v: v}, nil }

type cursor struct {
	v        *vtab
	args     Args
	src      scan
	done     <-chan struct{} // the query's context's Done, nil if it cannot end
	ctx      context.Context
	key, row reflect.Value
	eof      bool
	rowid    int64
}

func (c *cursor) Filter(_ int, idxStr string, vals []sqlite.Value) error {
	c.release()
	t := c.v.t
	args := Args{names: t.argNames, vals: make([]argValue, len(t.params))}
	for p := range args.vals {
		if p < len(idxStr) && idxStr[p] == '1' && len(vals) > 0 {
			args.vals[p] = copyValue(vals[0])
			vals = vals[1:]
			continue
		}
		args.vals[p] = t.defs[p]
		if b, ok := t.defs[p].v.([]byte); ok {
			args.vals[p].v = bytes.Clone(b) // the function may change its copy
		}
	}
	c.args = args
	c.ctx = c.v.conn.Context()
	c.done = c.ctx.Done()
	if err := c.ctx.Err(); err != nil {
		return err
	}
	src, err := c.call()
	if err != nil {
		return err
	}
	c.src = src
	return c.advance()
}

// call calls the function, turning a panic into an error.
func (c *cursor) call() (s scan, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(c.v.t.name, r)
		}
	}()
	s, err = c.v.t.open(c.ctx, c.args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.v.t.name, err)
	}
	if s == nil {
		return emptyScan{}, nil
	}
	return s, nil
}

func panicError(name string, r any) error {
	if err, ok := r.(error); ok {
		return fmt.Errorf("%s: panic: %w", name, err)
	}
	return fmt.Errorf("%s: panic: %v", name, r)
}

// advance moves to the next row, or to the end.
func (c *cursor) advance() (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.release()
			c.eof = true
			err = panicError(c.v.t.name, r)
		}
	}()
	key, row, ok, err := c.src.next()
	if err != nil || !ok {
		c.release()
		c.eof = true
		if err != nil {
			return fmt.Errorf("%s: %w", c.v.t.name, err)
		}
		return nil
	}
	c.key, c.row = key, row
	c.rowid++
	return nil
}

// release stops the current scan, if any.
func (c *cursor) release() {
	c.key, c.row = reflect.Value{}, reflect.Value{}
	c.eof, c.rowid = false, 0
	if s := c.src; s != nil {
		c.src = nil
		s.stop()
	}
}

func (c *cursor) Next() error {
	if c.done != nil {
		select {
		case <-c.done:
			c.release()
			c.eof = true
			return c.ctx.Err()
		default:
		}
	}
	return c.advance()
}

func (c *cursor) EOF() bool { return c.eof }

func (c *cursor) Column(fc *sqlite.FuncContext, i int) error {
	t := c.v.t
	if i >= len(t.cols) {
		return fc.Result(c.args.vals[i-len(t.cols)].v)
	}
	col := t.cols[i]
	var v reflect.Value
	switch {
	case t.hasKey && i == 0:
		v = c.key
	default:
		if t.hasKey {
			i--
		}
		var err error
		if v, err = t.read(c.row, i); err != nil {
			return fmt.Errorf("%s: column %s: %w", t.name, col, err)
		}
	}
	return result(fc, v, t.name, col)
}

func (c *cursor) RowID() (int64, error) { return c.rowid, nil }

func (c *cursor) Close() error {
	c.release()
	return nil
}

type emptyScan struct{}

func (emptyScan) next() (reflect.Value, reflect.Value, bool, error) {
	return reflect.Value{}, reflect.Value{}, false, nil
}
func (emptyScan) stop() {}

// seqScan reads an iter.Seq[T]; rv is the reflect.Value of cur.
type seqScan[T any] struct {
	pull func() (T, bool)
	end  func()
	cur  T
	rv   reflect.Value
}

func (s *seqScan[T]) next() (reflect.Value, reflect.Value, bool, error) {
	v, ok := s.pull()
	s.cur = v
	return reflect.Value{}, s.rv, ok, nil
}

func (s *seqScan[T]) stop() { s.end() }

// seq2Scan reads an iter.Seq2[K, V] as rows of a key and a value.
type seq2Scan[K, V any] struct {
	pull   func() (K, V, bool)
	end    func()
	k      K
	v      V
	kv, rv reflect.Value
}

func (s *seq2Scan[K, V]) next() (reflect.Value, reflect.Value, bool, error) {
	k, v, ok := s.pull()
	s.k, s.v = k, v
	return s.kv, s.rv, ok, nil
}

func (s *seq2Scan[K, V]) stop() { s.end() }

// seqErrScan reads an iter.Seq2[T, error] as rows of T that may end with
// an error.
type seqErrScan[T, E any] struct {
	pull func() (T, E, bool)
	end  func()
	cur  T
	rv   reflect.Value
}

func (s *seqErrScan[T, E]) next() (reflect.Value, reflect.Value, bool, error) {
	v, e, ok := s.pull()
	if !ok {
		return reflect.Value{}, reflect.Value{}, false, nil
	}
	if err, _ := any(e).(error); err != nil {
		return reflect.Value{}, reflect.Value{}, false, err
	}
	s.cur = v
	return reflect.Value{}, s.rv, true, nil
}

func (s *seqErrScan[T, E]) stop() { s.end() }

// sliceScan reads a slice.
type sliceScan struct {
	rows reflect.Value
	i    int
}

func (s *sliceScan) next() (reflect.Value, reflect.Value, bool, error) {
	s.i++
	if s.i >= s.rows.Len() {
		return reflect.Value{}, reflect.Value{}, false, nil
	}
	return reflect.Value{}, s.rows.Index(s.i), true, nil
}

func (s *sliceScan) stop() { s.i = s.rows.Len() }
