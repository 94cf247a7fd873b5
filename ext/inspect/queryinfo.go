package inspect

import (
	"fmt"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// QueryDetails describes a statement without running it: what QueryInfo
// returns.
type QueryDetails struct {
	// SQL is the text given to QueryInfo; First is its first statement,
	// Tail the text after it, without the white space and semicolons that
	// start it ("" when nothing else follows).
	SQL, First, Tail string
	// ReadOnly reports whether the statement makes no direct change to the
	// database (https://sqlite.org/c3ref/stmt_readonly.html).
	ReadOnly bool
	// Explain is 1 when the statement is an EXPLAIN, 2 when it is an
	// EXPLAIN QUERY PLAN, 0 otherwise.
	Explain int
	// Params holds the statement's parameters in order, by name with their
	// prefix (":name", "@name", "$name", "?3"), "" for a nameless "?".
	// Parameter i (counted from 1, as Bind counts) is Params[i-1].
	Params []string
	// Columns describes the result columns; empty for a statement that
	// returns no rows.
	Columns []Column
	// ExpandedSQL is First with the arguments given to QueryInfo in place
	// of its parameters; "" when no argument was given.
	ExpandedSQL string
	// Actions lists what SQLite asked the authorizer to allow while
	// preparing the statement, in order: the tables and columns read or
	// written, the functions called, the pragmas, the transactions...
	Actions []Action
	// Program is the statement's bytecode, from EXPLAIN; nil when the
	// statement is itself an EXPLAIN.
	Program []Instruction
	// Plan is the root of the query plan tree, from EXPLAIN QUERY PLAN:
	// its Detail is "QUERY PLAN" and its children the plan's top steps. It
	// is nil when the statement is itself an EXPLAIN.
	Plan *PlanNode
}

// Column describes a result column. Database, Table and Origin name where
// the column's values come from, "" for an expression; DeclType is the
// declared type of that column.
type Column struct {
	Name     string
	DeclType string
	Database string
	Table    string
	Origin   string
}

// Action is one request to the authorizer (see sqlite.AuthCode for what
// Arg1 and Arg2 hold for each Code), with the answer it got: AuthOK, or
// that of the connection's own authorizer when one is installed.
type Action struct {
	sqlite.AuthAction
	Result sqlite.AuthResult
}

// String formats the action like "SQLITE_READ main.t.x" or
// "SQLITE_FUNCTION upper", noting the trigger or view responsible.
func (a Action) String() string {
	var b strings.Builder
	b.WriteString(a.Code.String())
	parts := []string{}
	for _, s := range [...]string{a.Schema, a.Arg1, a.Arg2} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) > 0 {
		b.WriteByte(' ')
		switch a.Code {
		case sqlite.AuthRead, sqlite.AuthUpdate, sqlite.AuthInsert, sqlite.AuthDelete:
			b.WriteString(strings.Join(parts, "."))
		default:
			b.WriteString(strings.Join(parts, " "))
		}
	}
	if a.Trigger != "" {
		b.WriteString(" (by ")
		b.WriteString(a.Trigger)
		b.WriteByte(')')
	}
	if a.Result != sqlite.AuthOK {
		b.WriteString(": ")
		b.WriteString(a.Result.String())
	}
	return b.String()
}

// Instruction is one bytecode instruction of a statement's program
// (https://sqlite.org/opcode.html). Comment is empty unless the engine was
// built with SQLITE_ENABLE_EXPLAIN_COMMENTS.
type Instruction struct {
	Addr       int
	Opcode     string
	P1, P2, P3 int64
	P4         string
	P5         int64
	Comment    string
}

// PlanNode is a step of a query plan (https://sqlite.org/eqp.html).
type PlanNode struct {
	ID, Parent int
	Detail     string
	Children   []*PlanNode
}

// String draws the plan as the sqlite3 shell does:
//
//	QUERY PLAN
//	|--SCAN t
//	`--USE TEMP B-TREE FOR ORDER BY
func (p *PlanNode) String() string {
	var b strings.Builder
	b.WriteString(p.Detail)
	b.WriteByte('\n')
	var draw func(n *PlanNode, prefix string)
	draw = func(n *PlanNode, prefix string) {
		for i, c := range n.Children {
			last := i == len(n.Children)-1
			b.WriteString(prefix)
			if last {
				b.WriteString("`--")
			} else {
				b.WriteString("|--")
			}
			b.WriteString(c.Detail)
			b.WriteByte('\n')
			if last {
				draw(c, prefix+"   ")
			} else {
				draw(c, prefix+"|  ")
			}
		}
	}
	draw(p, "")
	return b.String()
}

// QueryInfo describes the first statement of sql without running it: its
// text and the rest of sql, its parameters and result columns, whether it
// writes, the actions it needs authorized, its bytecode program and its
// query plan. args, if given, are bound as Stmt.Bind binds them (by
// position, or by name with sqlite.Named) to fill in ExpandedSQL.
//
// To learn the actions, QueryInfo installs an authorizer while it prepares
// the statement, consulting the connection's own authorizer (if any) for
// the answers, and puts it back afterwards. Changing the authorizer makes
// SQLite prepare the connection's statements again when they next run.
//
// It fails with the *sqlite.Error of preparing or binding the statement
// (ErrAuth if the connection's authorizer denies an action), ErrMisuse
// when sql holds no statement, or if conn is closed. It runs on the
// goroutine driving conn (with asqlite.Conn, inside Run).
//
// https://sqlite.org/c3ref/set_authorizer.html, https://sqlite.org/eqp.html
func QueryInfo(conn *sqlite.Conn, sql string, args ...any) (*QueryDetails, error) {
	if conn == nil {
		return nil, fmt.Errorf("inspect: nil connection")
	}
	prev := conn.Authorizer()
	var actions []Action
	conn.SetAuthorizer(func(a sqlite.AuthAction) sqlite.AuthResult {
		r := sqlite.AuthOK
		if prev != nil {
			r = prev(a)
		}
		actions = append(actions, Action{AuthAction: a, Result: r})
		return r
	})
	s, tail, err := conn.PrepareTail(sql, 0)
	conn.SetAuthorizer(prev)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	if s == nil {
		e := sqlite.Errorf(sqlite.ErrMisuse, "inspect: no SQL statement")
		e.SQL = sql
		return nil, e
	}
	defer s.Close()

	q := &QueryDetails{
		SQL:      sql,
		First:    s.SQL(),
		Tail:     strings.TrimLeft(tail, "; \t\r\n"),
		ReadOnly: s.ReadOnly(),
		Explain:  s.IsExplain(),
		Actions:  actions,
	}
	for i := 1; i <= s.ParamCount(); i++ {
		q.Params = append(q.Params, s.ParamName(i))
	}
	for i := range s.ColumnCount() {
		q.Columns = append(q.Columns, Column{
			Name:     s.ColumnName(i),
			DeclType: s.ColumnDeclType(i),
			Database: s.ColumnDatabaseName(i),
			Table:    s.ColumnTableName(i),
			Origin:   s.ColumnOriginName(i),
		})
	}
	if len(args) > 0 {
		if err := s.Bind(args...); err != nil {
			return nil, fmt.Errorf("inspect: %w", err)
		}
		q.ExpandedSQL = strings.TrimSpace(s.ExpandedSQL())
	}
	if q.Explain != 0 {
		return q, nil
	}
	if q.Program, err = program(conn, q.First, args); err != nil {
		return nil, err
	}
	if q.Plan, err = plan(conn, q.First, args); err != nil {
		return nil, err
	}
	return q, nil
}

// explain runs "EXPLAIN ..." or "EXPLAIN QUERY PLAN ..." of stmt and calls
// row for each row.
func explain(conn *sqlite.Conn, prefix, stmt string, args []any, row func(*sqlite.Stmt)) error {
	s, err := conn.Prepare(prefix + stmt)
	if err != nil {
		return fmt.Errorf("inspect: %w", err)
	}
	defer s.Close()
	if len(args) > 0 {
		if err := s.Bind(args...); err != nil {
			return fmt.Errorf("inspect: %w", err)
		}
	}
	for {
		ok, err := s.Step()
		if err != nil {
			return fmt.Errorf("inspect: %w", err)
		}
		if !ok {
			return nil
		}
		row(s)
	}
}

func program(conn *sqlite.Conn, stmt string, args []any) ([]Instruction, error) {
	var prog []Instruction
	err := explain(conn, "EXPLAIN ", stmt, args, func(s *sqlite.Stmt) {
		prog = append(prog, Instruction{
			Addr:    s.ColumnInt(0),
			Opcode:  s.ColumnText(1),
			P1:      s.ColumnInt64(2),
			P2:      s.ColumnInt64(3),
			P3:      s.ColumnInt64(4),
			P4:      s.ColumnText(5),
			P5:      s.ColumnInt64(6),
			Comment: s.ColumnText(7),
		})
	})
	return prog, err
}

func plan(conn *sqlite.Conn, stmt string, args []any) (*PlanNode, error) {
	root := &PlanNode{Detail: "QUERY PLAN"}
	byID := map[int]*PlanNode{0: root}
	err := explain(conn, "EXPLAIN QUERY PLAN ", stmt, args, func(s *sqlite.Stmt) {
		n := &PlanNode{ID: s.ColumnInt(0), Parent: s.ColumnInt(1), Detail: s.ColumnText(3)}
		parent := byID[n.Parent]
		if parent == nil {
			parent = root
		}
		parent.Children = append(parent.Children, n)
		byID[n.ID] = n
	})
	if err != nil {
		return nil, err
	}
	return root, nil
}
