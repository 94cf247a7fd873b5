package sqlite_test

import (
	"fmt"
	"log"
	"maps"
	"slices"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// seqModule makes seq(start, stop), a table-valued function yielding the
// integers from start to stop. Its HIDDEN columns are its parameters.
type seqModule struct{}

func (seqModule) Connect(c *sqlite.Conn, args sqlite.ModuleArgs) (sqlite.VTab, error) {
	err := c.DeclareVTab("CREATE TABLE x(value INTEGER, start HIDDEN, stop HIDDEN)")
	return seqTable{}, err
}

type seqTable struct{}

// BestIndex asks for start (column 1) and stop (column 2) as Filter's
// args[0] and args[1], and promises to apply them itself (Omit).
func (seqTable) BestIndex(info *sqlite.IndexInfo) error {
	have := 0
	for i, c := range info.Constraints {
		if c.Op != sqlite.ConstraintEQ || c.Column < 1 {
			continue // SQLite checks the other constraints itself
		}
		if !c.Usable {
			return sqlite.ErrUnusablePlan // the argument comes from a later table of a join
		}
		info.Constraints[i].ArgvIndex = c.Column
		info.Constraints[i].Omit = true
		have |= c.Column
	}
	if have != 3 {
		return fmt.Errorf("seq: start and stop are required")
	}
	info.EstimatedCost = 1
	return nil
}

func (seqTable) Open() (sqlite.VTabCursor, error) { return &seqCursor{}, nil }

type seqCursor struct{ start, stop, cur int64 }

func (s *seqCursor) Filter(idxNum int, idxStr string, args []sqlite.Value) error {
	s.start, s.stop = args[0].Int64(), args[1].Int64()
	s.cur = s.start
	return nil
}

func (s *seqCursor) Next() error           { s.cur++; return nil }
func (s *seqCursor) EOF() bool             { return s.cur > s.stop }
func (s *seqCursor) RowID() (int64, error) { return s.cur, nil }
func (s *seqCursor) Close() error          { return nil }

func (s *seqCursor) Column(fc *sqlite.FuncContext, i int) error {
	fc.ResultInt64([]int64{s.cur, s.start, s.stop}[i])
	return nil
}

// A table-valued function: a module whose hidden columns are set by the
// arguments of a call in FROM.
func ExampleConn_CreateModule() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.CreateModule("seq", seqModule{}); err != nil {
		log.Fatal(err)
	}
	for row, err := range c.Query("SELECT value, value * value FROM seq(1, 5) WHERE value % 2 = 1") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.ColumnInt64(0), row.ColumnInt64(1))
	}
	// Output:
	// 1 1
	// 3 9
	// 5 25
}

// memModule makes in-memory tables whose columns are the arguments of
// CREATE VIRTUAL TABLE t USING mem(col, ...).
type memModule struct{}

func (memModule) Connect(c *sqlite.Conn, args sqlite.ModuleArgs) (sqlite.VTab, error) {
	if err := c.DeclareVTab("CREATE TABLE x(" + strings.Join(args.Args, ", ") + ")"); err != nil {
		return nil, err
	}
	return &memTable{rows: map[int64][]any{}}, nil
}

// memTable is writable because it implements sqlite.UpdateVTab. (A table
// that must follow transactions would implement sqlite.TxVTab too.)
type memTable struct {
	rows map[int64][]any
	last int64
}

func (t *memTable) BestIndex(info *sqlite.IndexInfo) error {
	info.EstimatedCost = float64(len(t.rows)) // a full scan; SQLite filters
	return nil
}

func (t *memTable) Open() (sqlite.VTabCursor, error) { return &memCursor{t: t}, nil }

func (t *memTable) Insert(rowid sqlite.Value, cols []sqlite.Value) (int64, error) {
	id := t.last + 1
	if !rowid.IsNull() {
		id = rowid.Int64()
	}
	if _, dup := t.rows[id]; dup {
		return 0, fmt.Errorf("mem: rowid %d exists", id)
	}
	t.rows[id] = values(cols)
	t.last = max(t.last, id)
	return id, nil
}

func (t *memTable) Update(oldKey, newKey sqlite.Value, cols []sqlite.Value) error {
	delete(t.rows, oldKey.Int64())
	t.rows[newKey.Int64()] = values(cols)
	return nil
}

func (t *memTable) Delete(rowid sqlite.Value) error {
	delete(t.rows, rowid.Int64())
	return nil
}

// values copies the Values, which are valid only during the call.
func values(cols []sqlite.Value) []any {
	row := make([]any, len(cols))
	for i, v := range cols {
		row[i] = v.Any()
	}
	return row
}

type memCursor struct {
	t   *memTable
	ids []int64
}

func (m *memCursor) Filter(idxNum int, idxStr string, args []sqlite.Value) error {
	m.ids = slices.Sorted(maps.Keys(m.t.rows))
	return nil
}

func (m *memCursor) Next() error           { m.ids = m.ids[1:]; return nil }
func (m *memCursor) EOF() bool             { return len(m.ids) == 0 }
func (m *memCursor) RowID() (int64, error) { return m.ids[0], nil }
func (m *memCursor) Close() error          { return nil }

func (m *memCursor) Column(fc *sqlite.FuncContext, i int) error {
	return fc.Result(m.t.rows[m.ids[0]][i])
}

// A writable virtual table: INSERT, UPDATE and DELETE reach the VTab's
// Insert, Update and Delete methods.
func ExampleConn_CreateModule_writable() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.CreateModule("mem", memModule{}); err != nil {
		log.Fatal(err)
	}
	err = c.Exec(`
		CREATE VIRTUAL TABLE fruit USING mem(name TEXT, qty INTEGER);
		INSERT INTO fruit VALUES ('apple', 3), ('pear', 5), ('fig', 1);
		UPDATE fruit SET qty = qty + 10 WHERE name = 'pear';
		DELETE FROM fruit WHERE qty < 2;`)
	if err != nil {
		log.Fatal(err)
	}
	for row, err := range c.Query("SELECT rowid, name, qty FROM fruit ORDER BY qty DESC") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.ColumnInt64(0), row.ColumnText(1), row.ColumnInt64(2))
	}
	// Output:
	// 2 pear 15
	// 1 apple 3
}
