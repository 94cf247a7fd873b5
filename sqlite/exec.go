package sqlite

import (
	"iter"
	"reflect"
	"time"
)

// Exec runs every statement in sql, in order, discarding rows. Arguments are
// bound as Bind describes: positional ones are consumed by the statements in
// order, NamedArgs go to every statement that names them. When sql is a
// single statement it comes from the statement cache. Unused arguments are
// an error: reported before running for a single statement, after running
// for a script.
func (c *Conn) Exec(sql string, args ...any) error { return c.exec(sql, args, true) }

// ExecUncached is Exec without the statement cache: every statement is
// prepared anew and finalized after it ran. SQLite consults the authorizer
// (SetAuthorizer) only when it prepares a statement, so SQL that an
// authorizer must judge runs this way: a cached statement of the same text,
// prepared earlier under another judgement, would run as it was allowed
// then.
func (c *Conn) ExecUncached(sql string, args ...any) error { return c.exec(sql, args, false) }

func (c *Conn) exec(sql string, args []any, cached bool) error {
	if err := c.check(); err != nil {
		return err
	}
	pos, named := splitArgs(args)
	var used []bool
	if len(named) > 0 {
		used = make([]bool, len(named))
	}
	if cached {
		if s := c.cache.take(sql); s != nil {
			_, err := s.runClose(pos, named, used, true)
			if err != nil {
				return err
			}
			return unusedNamed(named, used, sql)
		}
	}
	rest, k, first := sql, 0, true
	for {
		s, tail, err := c.PrepareTail(rest, 0)
		if err != nil {
			return err
		}
		if s == nil {
			break
		}
		single := first && blank(tail)
		if single && cached {
			c.cache.adopt(sql, s)
		}
		first = false
		n, err := s.runClose(pos[k:], named, used, single)
		k += n
		if err != nil {
			return err
		}
		if single {
			return unusedNamed(named, used, sql)
		}
		rest = tail
	}
	if k != len(pos) {
		return Errorf(ErrRange, "%d arguments given, the statements used %d", len(pos), k).in(sql, -1)
	}
	return unusedNamed(named, used, sql)
}

func unusedNamed(named []NamedArg, used []bool, sql string) error {
	for j, u := range used {
		if !u {
			return Errorf(ErrRange, "unknown named parameter %s", named[j].Name).in(sql, -1)
		}
	}
	return nil
}

// runClose is run, then Close, which also runs when a Go callback of the
// statement ends the goroutine (runtime.Goexit): a statement left in the
// middle of a step would keep its transaction, and its locks, open.
func (s *Stmt) runClose(pos []any, named []NamedArg, used []bool, exact bool) (int, error) {
	defer s.Close()
	return s.run(pos, named, used, exact)
}

// run binds and runs the statement to completion, returning how many of
// pos it consumed. With exact (sql is this one statement), leftover
// arguments, positional or named, are an error found before it runs.
func (s *Stmt) run(pos []any, named []NamedArg, used []bool, exact bool) (int, error) {
	n, err := s.bindFrom(pos, named, used)
	if err != nil {
		return n, err
	}
	if exact {
		if n != len(pos) {
			return n, Errorf(ErrRange, "statement takes %d arguments, got %d", n, len(pos)).in(s.sql, -1)
		}
		if err := unusedNamed(named, used, s.sql); err != nil {
			return n, err
		}
	}
	for {
		row, err := s.Step()
		if err != nil {
			return n, err
		}
		if !row {
			return n, nil
		}
	}
}

// Query runs the single statement in sql with args bound (see Bind) and
// yields the statement once per result row; read the row with the Column
// methods. An error ends the iteration with (nil, err). Breaking out of the
// loop resets the statement. The statement comes from the cache.
//
//	for row, err := range conn.Query("SELECT id, name FROM t WHERE x > ?", 10) {
//		if err != nil { return err }
//		fmt.Println(row.ColumnInt64(0), row.ColumnText(1))
//	}
func (c *Conn) Query(sql string, args ...any) iter.Seq2[*Stmt, error] {
	return func(yield func(*Stmt, error) bool) {
		s, err := c.Prep(sql)
		if err != nil {
			yield(nil, err)
			return
		}
		defer s.Close()
		if err := s.Bind(args...); err != nil {
			yield(nil, err)
			return
		}
		for {
			row, err := s.Step()
			if err != nil {
				yield(nil, err)
				return
			}
			if !row || !yield(s, nil) {
				return
			}
		}
	}
}

// convertKind maps a value of a named type (type Celsius float64) to its
// underlying basic type, so BindValue accepts it.
func convertKind(v any) (any, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool:
		return rv.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint(), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	case reflect.String:
		return rv.String(), true
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return rv.Bytes(), true
		}
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, true
		}
		return rv.Elem().Interface(), true
	case reflect.Struct:
		if t, ok := v.(interface{ Time() time.Time }); ok {
			return t.Time(), true
		}
	}
	return nil, false
}
