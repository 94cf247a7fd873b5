package sqlite

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// --- helpers ---

func vtOpen(t testing.TB) *Conn {
	t.Helper()
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func vtExec(t testing.TB, c *Conn, sql string, args ...any) {
	t.Helper()
	if err := c.Exec(sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// vtRows runs sql and returns every row as a slice of column values.
func vtRows(t testing.TB, c *Conn, sql string, args ...any) [][]any {
	t.Helper()
	rows, err := vtQuery(c, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func vtQuery(c *Conn, sql string, args ...any) ([][]any, error) {
	var rows [][]any
	for s, err := range c.Query(sql, args...) {
		if err != nil {
			return rows, err
		}
		row := make([]any, s.ColumnCount())
		for i := range row {
			row[i] = s.ColumnValue(i)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// vtInts returns the first column of every row as int64.
func vtInts(t testing.TB, c *Conn, sql string, args ...any) []int64 {
	t.Helper()
	var out []int64
	for _, r := range vtRows(t, c, sql, args...) {
		out = append(out, r[0].(int64))
	}
	return out
}

func vtPlan(t testing.TB, c *Conn, sql string) string {
	t.Helper()
	var lines []string
	for _, r := range vtRows(t, c, "EXPLAIN QUERY PLAN "+sql) {
		lines = append(lines, fmt.Sprint(r[3]))
	}
	return strings.Join(lines, "\n")
}

func vtSeq(from, to int64) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func handleCount() int {
	handles.RLock()
	defer handles.RUnlock()
	return len(handles.m)
}

// --- series: an eponymous table-valued function ---

// seriesModule serves series(start, stop, step): the integers from start to
// stop by step, in column value; start, stop and step are HIDDEN columns.
type seriesModule struct {
	keepOrder     bool // consume ORDER BY value
	hiddenReads   int  // Column calls for the hidden columns
	rejected      int  // plans rejected for want of a usable argument
	filterContext context.Context
}

const (
	seriesValue = iota
	seriesStart
	seriesStop
	seriesStep
)

func (m *seriesModule) Connect(c *Conn, args ModuleArgs) (VTab, error) {
	if err := c.DeclareVTab("CREATE TABLE x(value INTEGER, start HIDDEN, stop HIDDEN, step HIDDEN)"); err != nil {
		return nil, err
	}
	if err := c.ConfigVTab(VTabInnocuous); err != nil {
		return nil, err
	}
	return &seriesTable{m: m, c: c}, nil
}

type seriesTable struct {
	m *seriesModule
	c *Conn
}

// idxNum bits: which arguments Filter receives, in order, and direction.
const (
	seriesHasStart = 1 << iota
	seriesHasStop
	seriesHasStep
	seriesDesc
)

func (t *seriesTable) BestIndex(info *IndexInfo) error {
	var use [4]int
	for i := range use {
		use[i] = -1
	}
	for i, c := range info.Constraints {
		if c.Column < seriesStart || c.Op != ConstraintEQ {
			continue
		}
		if !c.Usable {
			t.m.rejected++
			return ErrUnusablePlan
		}
		use[c.Column] = i
	}
	argv := 0
	for _, p := range []struct{ col, bit int }{{seriesStart, seriesHasStart}, {seriesStop, seriesHasStop}, {seriesStep, seriesHasStep}} {
		if i := use[p.col]; i >= 0 {
			argv++
			info.Constraints[i].ArgvIndex = argv
			info.Constraints[i].Omit = true
			info.IdxNum |= p.bit
		}
	}
	if info.IdxNum&seriesHasStop == 0 {
		info.EstimatedCost, info.EstimatedRows = 1e9, 1e9
	} else {
		info.EstimatedCost, info.EstimatedRows = 10, 100
	}
	if t.m.keepOrder && len(info.OrderBy) == 1 && info.OrderBy[0].Column == seriesValue {
		info.OrderByConsumed = true
		if info.OrderBy[0].Desc {
			info.IdxNum |= seriesDesc
		}
	}
	return nil
}

func (t *seriesTable) Open() (VTabCursor, error) { return &seriesCursor{t: t}, nil }

type seriesCursor struct {
	t                      *seriesTable
	start, stop, step, cur int64
	desc                   bool
}

func (cur *seriesCursor) Filter(idxNum int, idxStr string, args []Value) error {
	cur.t.m.filterContext = cur.t.c.Context()
	cur.start, cur.stop, cur.step = 0, 1<<32, 1
	k := 0
	if idxNum&seriesHasStart != 0 {
		cur.start = args[k].Int64()
		k++
	}
	if idxNum&seriesHasStop != 0 {
		cur.stop = args[k].Int64()
		k++
	}
	if idxNum&seriesHasStep != 0 {
		cur.step = args[k].Int64()
	}
	if cur.step <= 0 {
		return fmt.Errorf("series: step must be positive, got %d", cur.step)
	}
	cur.desc = idxNum&seriesDesc != 0
	if cur.desc {
		// The last value of the series, counting down from it.
		cur.cur = cur.start + (cur.stop-cur.start)/cur.step*cur.step
	} else {
		cur.cur = cur.start
	}
	return nil
}

func (cur *seriesCursor) Next() error {
	if cur.desc {
		cur.cur -= cur.step
	} else {
		cur.cur += cur.step
	}
	return nil
}

func (cur *seriesCursor) EOF() bool {
	if cur.desc {
		return cur.cur < cur.start
	}
	return cur.cur > cur.stop
}

func (cur *seriesCursor) Column(fc *FuncContext, i int) error {
	switch i {
	case seriesValue:
		fc.ResultInt64(cur.cur)
		return nil
	case seriesStart:
		fc.ResultInt64(cur.start)
	case seriesStop:
		fc.ResultInt64(cur.stop)
	case seriesStep:
		fc.ResultInt64(cur.step)
	}
	cur.t.m.hiddenReads++
	return nil
}

func (cur *seriesCursor) RowID() (int64, error) { return cur.cur, nil }
func (cur *seriesCursor) Close() error          { return nil }

func TestSeriesIsATableValuedFunction(t *testing.T) {
	c := vtOpen(t)
	if err := c.CreateModule("series", &seriesModule{}); err != nil {
		t.Fatal(err)
	}
	if got := vtInts(t, c, "SELECT value FROM series(1, 10)"); !slices.Equal(got, vtSeq(1, 10)) {
		t.Errorf("series(1, 10) = %v", got)
	}
	if got := vtInts(t, c, "SELECT value FROM series(0, 20, 5)"); !slices.Equal(got, []int64{0, 5, 10, 15, 20}) {
		t.Errorf("series(0, 20, 5) = %v", got)
	}
	// Arguments set the hidden columns, which SELECT * leaves out.
	rows := vtRows(t, c, "SELECT * FROM series(?, ?)", 3, 4)
	if len(rows) != 2 || len(rows[0]) != 1 || rows[0][0] != int64(3) {
		t.Errorf("SELECT * FROM series(3, 4) = %v, want one column, rows 3 and 4", rows)
	}
	// The hidden columns can be named and constrained like any column.
	if got := vtRows(t, c, "SELECT value, start, stop, step FROM series WHERE start = 2 AND stop = 3"); len(got) != 2 || got[1][0] != int64(3) || got[1][2] != int64(3) {
		t.Errorf("series by WHERE = %v", got)
	}
	// A Go error from Filter fails the statement and reaches its message.
	_, err := vtQuery(c, "SELECT value FROM series(1, 10, 0)")
	if err == nil || !strings.Contains(err.Error(), "step must be positive") {
		t.Errorf("series with step 0: err = %v, want the Filter error", err)
	}
}

func TestSeriesConsumesItsConstraints(t *testing.T) {
	c := vtOpen(t)
	m := &seriesModule{}
	if err := c.CreateModule("series", m); err != nil {
		t.Fatal(err)
	}
	got := vtInts(t, c, "SELECT value FROM series(1, 1000)")
	if len(got) != 1000 {
		t.Fatalf("got %d rows", len(got))
	}
	// With Omit set, SQLite trusts the table and never reads start and
	// stop back to check start = 1 AND stop = 1000 on each row.
	if m.hiddenReads != 0 {
		t.Errorf("SQLite read the hidden columns %d times; Omit was not honoured", m.hiddenReads)
	}
}

func TestSeriesArgumentsFromAJoinRejectUnusablePlans(t *testing.T) {
	c := vtOpen(t)
	m := &seriesModule{}
	if err := c.CreateModule("series", m); err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE TABLE r(lo, hi); INSERT INTO r VALUES (1, 2), (10, 12)")
	// SQLite first offers the plan with series as the outer loop, where
	// lo and hi are not yet known: BestIndex must reject it.
	got := vtRows(t, c, "SELECT r.lo, s.value FROM series(r.lo, r.hi) AS s, r ORDER BY 1, 2")
	want := [][]any{{int64(1), int64(1)}, {int64(1), int64(2)}, {int64(10), int64(10)}, {int64(10), int64(11)}, {int64(10), int64(12)}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("join = %v, want %v", got, want)
	}
	if m.rejected == 0 {
		t.Error("BestIndex never saw an unusable argument; the test does not test rejection")
	}
}

func TestSeriesConsumesOrderBy(t *testing.T) {
	c := vtOpen(t)
	m := &seriesModule{keepOrder: true}
	if err := c.CreateModule("series", m); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateModule("unordered_series", &seriesModule{}); err != nil {
		t.Fatal(err)
	}
	const q = "SELECT value FROM %s(1, 10, 3) ORDER BY value DESC"
	if got := vtInts(t, c, fmt.Sprintf(q, "series")); !slices.Equal(got, []int64{10, 7, 4, 1}) {
		t.Errorf("ORDER BY value DESC = %v", got)
	}
	if got := vtInts(t, c, "SELECT value FROM series(1, 10, 3) ORDER BY value"); !slices.Equal(got, []int64{1, 4, 7, 10}) {
		t.Errorf("ORDER BY value = %v", got)
	}
	if plan := vtPlan(t, c, fmt.Sprintf(q, "series")); strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("SQLite sorts although the table consumed ORDER BY:\n%s", plan)
	}
	// The same query on a table that does not consume the order is sorted
	// by SQLite, which shows the plan check above means something.
	if plan := vtPlan(t, c, fmt.Sprintf(q, "unordered_series")); !strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
		t.Errorf("no sort in the plan of the unordered table:\n%s", plan)
	}
	if got := vtInts(t, c, fmt.Sprintf(q, "unordered_series")); !slices.Equal(got, []int64{10, 7, 4, 1}) {
		t.Errorf("sorted by SQLite = %v", got)
	}
}

func TestModuleKindsDecideEponymity(t *testing.T) {
	c := vtOpen(t)
	if err := c.CreateModule("series", &seriesModule{}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateEponymousModule("only", &seriesModule{}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateModule("kv", &kvModule{}); err != nil {
		t.Fatal(err)
	}
	// A Module without Create is both eponymous and creatable.
	vtExec(t, c, "CREATE VIRTUAL TABLE s USING series")
	if got := vtInts(t, c, "SELECT value FROM s WHERE start = 1 AND stop = 2"); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("created series = %v", got)
	}
	// An eponymous-only module cannot be created.
	if got := vtInts(t, c, "SELECT value FROM only(5, 6)"); !slices.Equal(got, []int64{5, 6}) {
		t.Errorf("only(5, 6) = %v", got)
	}
	if err := c.Exec("CREATE VIRTUAL TABLE o USING only"); err == nil {
		t.Error("CREATE VIRTUAL TABLE of an eponymous-only module succeeded")
	}
	// A ModuleCreator is never eponymous.
	if _, err := vtQuery(c, "SELECT * FROM kv"); err == nil || !strings.Contains(err.Error(), "no such table") {
		t.Errorf("SELECT from a ModuleCreator's name: err = %v, want no such table", err)
	}
	// A dropped module makes no new tables.
	if err := c.DropModule("only"); err != nil {
		t.Fatal(err)
	}
	if _, err := vtQuery(c, "SELECT value FROM only(5, 6)"); err == nil {
		t.Error("dropped module still answers")
	}
}

func TestFilterSeesTheConnectionContext(t *testing.T) {
	c := vtOpen(t)
	m := &seriesModule{}
	if err := c.CreateModule("series", m); err != nil {
		t.Fatal(err)
	}
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "caller")
	c.SetContext(ctx)
	defer c.SetContext(context.Background())
	vtInts(t, c, "SELECT value FROM series(1, 2)")
	if m.filterContext == nil || m.filterContext.Value(key{}) != "caller" {
		t.Errorf("Filter saw context %v, want the one installed by SetContext", m.filterContext)
	}
}

// --- endless: a scan that only a context stops ---

type endlessTable struct {
	c          *Conn
	watchCtx   bool // Next returns the context's error once it ends
	sawCtxDone bool
	onRow      func(n int64)
}

func (t *endlessTable) BestIndex(info *IndexInfo) error { return nil }
func (t *endlessTable) Open() (VTabCursor, error)       { return &endlessCursor{t: t}, nil }

type endlessCursor struct {
	t *endlessTable
	n int64
}

func (cur *endlessCursor) Filter(int, string, []Value) error { cur.n = 0; return nil }
func (cur *endlessCursor) Next() error {
	cur.n++
	if cur.t.onRow != nil {
		cur.t.onRow(cur.n)
	}
	// SQLite's interrupt reaches the scan only between rows, and
	// asynchronously; a method that watches the context stops at once.
	if cur.t.watchCtx {
		if err := cur.t.c.Context().Err(); err != nil {
			cur.t.sawCtxDone = true
			return err
		}
	}
	if cur.n > 100_000_000 {
		return errors.New("endless: the scan did not stop after the context ended")
	}
	return nil
}
func (cur *endlessCursor) EOF() bool                           { return false }
func (cur *endlessCursor) Column(fc *FuncContext, i int) error { fc.ResultInt64(cur.n); return nil }
func (cur *endlessCursor) RowID() (int64, error)               { return cur.n, nil }
func (cur *endlessCursor) Close() error                        { return nil }

func endlessModule(watch bool, onRow func(int64), out **endlessTable) Module {
	return ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) {
		if err := c.DeclareVTab("CREATE TABLE x(n)"); err != nil {
			return nil, err
		}
		*out = &endlessTable{c: c, watchCtx: watch, onRow: onRow}
		return *out, nil
	})
}

func TestCancelledContextStopsAGoScan(t *testing.T) {
	for _, watch := range []bool{false, true} {
		t.Run(fmt.Sprintf("watchCtx=%v", watch), func(t *testing.T) {
			c := vtOpen(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var tab *endlessTable
			onRow := func(n int64) {
				if n == 1000 {
					cancel()
				}
			}
			if err := c.CreateModule("endless", endlessModule(watch, onRow, &tab)); err != nil {
				t.Fatal(err)
			}
			c.SetContext(ctx)
			// One Step runs the whole scan; the context ends in the middle
			// of it. Without watchCtx only SQLite's interrupt stops it.
			_, err := vtQuery(c, "SELECT count(*) FROM endless")
			if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrInterrupt) {
				t.Fatalf("scan ended with %v, want context.Canceled and ErrInterrupt", err)
			}
			if watch && !tab.sawCtxDone {
				t.Error("Next never saw the context end")
			}
			// The connection is usable with a live context.
			c.SetContext(context.Background())
			if got := vtInts(t, c, "SELECT n FROM endless LIMIT 3"); !slices.Equal(got, []int64{0, 1, 2}) {
				t.Errorf("after cancel: %v", got)
			}
		})
	}
}

// --- kv: a writable table with transactions and savepoints ---

type kvRow struct {
	k string
	v any
}

type kvSnapshot struct {
	rows map[int64]kvRow
	next int64
}

func (t *kvTable) snapshot() *kvSnapshot { return &kvSnapshot{maps.Clone(t.rows), t.next} }
func (t *kvTable) restore(s *kvSnapshot) { t.rows, t.next = maps.Clone(s.rows), s.next }

type kvModule struct {
	tables map[string]*kvTable // by table name: the persistent state
}

func (m *kvModule) Create(c *Conn, args ModuleArgs) (VTab, error) {
	if m.tables == nil {
		m.tables = map[string]*kvTable{}
	}
	t := &kvTable{m: m, c: c, name: args.Table, rows: map[int64]kvRow{}}
	m.tables[args.Table] = t
	return t, t.declare(c)
}

func (m *kvModule) Connect(c *Conn, args ModuleArgs) (VTab, error) {
	t := m.tables[args.Table]
	if t == nil {
		return nil, fmt.Errorf("kv: no table %q", args.Table)
	}
	return t, t.declare(c)
}

type kvTable struct {
	m    *kvModule
	c    *Conn
	name string
	rows map[int64]kvRow
	next int64

	tx         *kvSnapshot         // state at Begin, while in a transaction
	savepoints map[int]*kvSnapshot // state at each savepoint level
	events     []string            // transaction methods called, in order
	noChange   int                 // columns left unread for an UPDATE
	onConflict []OnConflict        // resolution seen by each Insert
	renameErr  error
}

func (t *kvTable) declare(c *Conn) error {
	if err := c.DeclareVTab("CREATE TABLE x(k TEXT, v)"); err != nil {
		return err
	}
	return c.ConfigVTab(VTabConstraintSupport)
}

func (t *kvTable) BestIndex(info *IndexInfo) error {
	info.EstimatedCost = 1000
	for i, c := range info.Constraints {
		if c.Usable && c.Column == -1 && c.Op == ConstraintEQ {
			info.Constraints[i].ArgvIndex = 1
			info.Constraints[i].Omit = true
			info.IdxNum = 1
			info.IdxFlags |= IndexScanUnique
			info.EstimatedCost, info.EstimatedRows = 1, 1
			return nil
		}
	}
	return nil
}

func (t *kvTable) Open() (VTabCursor, error) { return &kvCursor{t: t}, nil }

func (t *kvTable) Insert(rowid Value, cols []Value) (int64, error) {
	t.onConflict = append(t.onConflict, t.c.VTabOnConflict())
	id := t.next + 1
	if !rowid.IsNull() {
		id = rowid.Int64()
	}
	if _, dup := t.rows[id]; dup {
		if t.c.VTabOnConflict() != OnConflictReplace {
			return 0, Errorf(ErrConstraintPrimaryKey, "kv: rowid %d exists", id)
		}
	}
	t.rows[id] = kvRow{k: cols[0].Text(), v: cols[1].Any()}
	t.next = max(t.next, id)
	return id, nil
}

func (t *kvTable) Update(oldKey, newKey Value, cols []Value) error {
	r := t.rows[oldKey.Int64()]
	if cols[0].NoChange() {
		t.noChange++
	} else {
		r.k = cols[0].Text()
	}
	if cols[1].NoChange() {
		t.noChange++
	} else {
		r.v = cols[1].Any()
	}
	delete(t.rows, oldKey.Int64())
	t.rows[newKey.Int64()] = r
	t.next = max(t.next, newKey.Int64())
	return nil
}

func (t *kvTable) Delete(key Value) error {
	delete(t.rows, key.Int64())
	return nil
}

func (t *kvTable) Begin() error {
	t.events = append(t.events, "begin")
	t.tx = t.snapshot()
	return nil
}

func (t *kvTable) Sync() error { t.events = append(t.events, "sync"); return nil }

func (t *kvTable) Commit() error {
	t.events = append(t.events, "commit")
	t.tx, t.savepoints = nil, nil
	return nil
}

func (t *kvTable) Rollback() error {
	t.events = append(t.events, "rollback")
	if t.tx != nil {
		t.restore(t.tx)
	}
	t.tx, t.savepoints = nil, nil
	return nil
}

func (t *kvTable) Savepoint(n int) error {
	t.events = append(t.events, fmt.Sprintf("savepoint %d", n))
	if t.savepoints == nil {
		t.savepoints = map[int]*kvSnapshot{}
	}
	t.savepoints[n] = t.snapshot()
	return nil
}

func (t *kvTable) Release(n int) error {
	t.events = append(t.events, fmt.Sprintf("release %d", n))
	for l := range t.savepoints {
		if l >= n {
			delete(t.savepoints, l)
		}
	}
	return nil
}

func (t *kvTable) RollbackTo(n int) error {
	t.events = append(t.events, fmt.Sprintf("rollback to %d", n))
	if s, ok := t.savepoints[n]; ok {
		t.restore(s)
	}
	return nil
}

func (t *kvTable) Rename(newName string) error {
	if t.renameErr != nil {
		return t.renameErr
	}
	delete(t.m.tables, t.name)
	t.name = newName
	t.m.tables[newName] = t
	return nil
}

func (t *kvTable) Destroy() error {
	delete(t.m.tables, t.name)
	return nil
}

type kvCursor struct {
	t   *kvTable
	ids []int64
	i   int
}

func (cur *kvCursor) Filter(idxNum int, idxStr string, args []Value) error {
	cur.ids, cur.i = cur.ids[:0], 0
	if idxNum == 1 {
		if _, ok := cur.t.rows[args[0].Int64()]; ok {
			cur.ids = append(cur.ids, args[0].Int64())
		}
		return nil
	}
	cur.ids = slices.Sorted(maps.Keys(cur.t.rows))
	return nil
}

func (cur *kvCursor) Next() error { cur.i++; return nil }
func (cur *kvCursor) EOF() bool   { return cur.i >= len(cur.ids) }

func (cur *kvCursor) Column(fc *FuncContext, i int) error {
	if fc.NoChange() {
		return nil
	}
	r := cur.t.rows[cur.ids[cur.i]]
	if i == 0 {
		fc.ResultText(r.k)
		return nil
	}
	return fc.Result(r.v)
}

func (cur *kvCursor) RowID() (int64, error) { return cur.ids[cur.i], nil }
func (cur *kvCursor) Close() error          { return nil }

func kvContents(t testing.TB, c *Conn, table string) string {
	t.Helper()
	return fmt.Sprint(vtRows(t, c, "SELECT rowid, k, v FROM "+table+" ORDER BY rowid"))
}

func TestWritableTableInsertUpdateDelete(t *testing.T) {
	c := vtOpen(t)
	m := &kvModule{}
	if err := c.CreateModule("kv", m); err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE VIRTUAL TABLE store USING kv")
	vtExec(t, c, "INSERT INTO store(k, v) VALUES ('a', 1), ('b', 2.5), ('c', NULL)")
	if id := c.LastInsertRowID(); id != 3 {
		t.Errorf("LastInsertRowID = %d, want the rowid Insert returned (3)", id)
	}
	vtExec(t, c, "INSERT INTO store(rowid, k, v) VALUES (10, 'x', x'0102')")
	vtExec(t, c, "UPDATE store SET v = v * 10 WHERE k = 'a'")
	vtExec(t, c, "UPDATE store SET rowid = 20 WHERE rowid = 10")
	vtExec(t, c, "DELETE FROM store WHERE k = 'b'")
	if got, want := kvContents(t, c, "store"), "[[1 a 10] [3 c <nil>] [20 x [1 2]]]"; got != want {
		t.Errorf("contents = %s, want %s", got, want)
	}
	if c.Changes() != 1 {
		t.Errorf("Changes = %d after deleting one row", c.Changes())
	}
}

func TestWritableTableSeesUnchangedColumns(t *testing.T) {
	c := vtOpen(t)
	m := &kvModule{}
	if err := c.CreateModule("kv", m); err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE VIRTUAL TABLE store USING kv")
	vtExec(t, c, "INSERT INTO store(k, v) VALUES ('a', 'big value')")
	vtExec(t, c, "UPDATE store SET k = 'b' WHERE rowid = 1")
	tab := m.tables["store"]
	if tab.noChange != 1 {
		t.Errorf("Update saw %d unchanged columns, want 1 (v)", tab.noChange)
	}
	if got, want := kvContents(t, c, "store"), "[[1 b big value]]"; got != want {
		t.Errorf("contents = %s, want %s", got, want)
	}
}

func TestWritableTableConflictResolution(t *testing.T) {
	c := vtOpen(t)
	m := &kvModule{}
	if err := c.CreateModule("kv", m); err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE VIRTUAL TABLE store USING kv")
	vtExec(t, c, "INSERT INTO store(rowid, k, v) VALUES (1, 'a', 1)")
	err := c.Exec("INSERT INTO store(rowid, k, v) VALUES (1, 'again', 2)")
	if !errors.Is(err, ErrConstraintPrimaryKey) {
		t.Errorf("duplicate rowid: err = %v, want ErrConstraintPrimaryKey", err)
	}
	vtExec(t, c, "INSERT OR REPLACE INTO store(rowid, k, v) VALUES (1, 'replaced', 3)")
	// IGNORE drops the row and the error, which does not resurface as the
	// cause of a later failure.
	vtExec(t, c, "INSERT OR IGNORE INTO store(rowid, k, v) VALUES (1, 'ignored', 4)")
	if err := c.Exec("SELECT * FROM no_such_table"); errors.Unwrap(err) != nil {
		t.Errorf("unrelated error has cause %v", errors.Unwrap(err))
	}
	tab := m.tables["store"]
	if got := fmt.Sprint(tab.onConflict); got != "[ABORT ABORT REPLACE IGNORE]" {
		t.Errorf("Insert saw resolutions %s", got)
	}
	if got, want := kvContents(t, c, "store"), "[[1 replaced 3]]"; got != want {
		t.Errorf("contents = %s, want %s", got, want)
	}
}

func TestWritableTableTransactionsAndSavepoints(t *testing.T) {
	c := vtOpen(t)
	m := &kvModule{}
	if err := c.CreateModule("kv", m); err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE VIRTUAL TABLE store USING kv")
	tab := m.tables["store"]
	tab.events = nil

	vtExec(t, c, "BEGIN; INSERT INTO store(k) VALUES ('kept'); COMMIT")
	vtExec(t, c, "BEGIN; INSERT INTO store(k) VALUES ('undone'); ROLLBACK")
	if got, want := kvContents(t, c, "store"), "[[1 kept <nil>]]"; got != want {
		t.Fatalf("after commit and rollback: %s, want %s", got, want)
	}
	if got := strings.Join(tab.events, ","); got != "begin,sync,commit,begin,rollback" {
		t.Errorf("transaction methods: %s", got)
	}

	tab.events = nil
	vtExec(t, c, `BEGIN;
		INSERT INTO store(k) VALUES ('outer');
		SAVEPOINT a;
		INSERT INTO store(k) VALUES ('inner');
		ROLLBACK TO a;
		INSERT INTO store(k) VALUES ('after');
		RELEASE a;
		COMMIT`)
	if got, want := kvContents(t, c, "store"), "[[1 kept <nil>] [2 outer <nil>] [3 after <nil>]]"; got != want {
		t.Errorf("after ROLLBACK TO: %s, want %s", got, want)
	}
	for _, ev := range []string{"savepoint 0", "rollback to 0", "release 0"} {
		if !slices.Contains(tab.events, ev) {
			t.Errorf("events %v lack %q", tab.events, ev)
		}
	}

	// Tx nests with savepoints; an inner failure undoes the inner part.
	err := c.Tx(Immediate, func() error {
		if err := c.Exec("INSERT INTO store(k) VALUES ('tx outer')"); err != nil {
			return err
		}
		c.Tx(Deferred, func() error {
			c.Exec("INSERT INTO store(k) VALUES ('tx inner')")
			return errors.New("undo inner")
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := vtRows(t, c, "SELECT k FROM store WHERE k LIKE 'tx%'")
	if fmt.Sprint(rows) != "[[tx outer]]" {
		t.Errorf("after nested Tx: %v", rows)
	}
}

func TestWritableTableRenameAndDrop(t *testing.T) {
	c := vtOpen(t)
	m := &kvModule{}
	if err := c.CreateModule("kv", m); err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE VIRTUAL TABLE store USING kv; INSERT INTO store(k) VALUES ('a')")
	vtExec(t, c, "ALTER TABLE store RENAME TO shop")
	if m.tables["shop"] == nil || m.tables["store"] != nil {
		t.Errorf("Rename did not reach the table: %v", slices.Collect(maps.Keys(m.tables)))
	}
	if got := kvContents(t, c, "shop"); got != "[[1 a <nil>]]" {
		t.Errorf("renamed table: %s", got)
	}

	veto := errors.New("kv: renaming is closed today")
	m.tables["shop"].renameErr = veto
	err := c.Exec("ALTER TABLE shop RENAME TO mall")
	if !errors.Is(err, veto) {
		t.Errorf("vetoed rename: err = %v, want it to wrap the Rename error", err)
	}
	if _, err := vtQuery(c, "SELECT * FROM shop"); err != nil {
		t.Errorf("table lost after failed rename: %v", err)
	}

	vtExec(t, c, "DROP TABLE shop")
	if len(m.tables) != 0 {
		t.Errorf("Destroy not called: tables %v", slices.Collect(maps.Keys(m.tables)))
	}
}

// --- nums: planning details ---

// numsTable has rows n = 1..20 with sq = n*n. It records what BestIndex
// and Filter see.
type numsTable struct {
	bulkIn  bool // ask for IN lists all at once
	limits  bool // take LIMIT and OFFSET
	infos   []IndexInfo
	rhs     map[ConstraintOp]any
	colls   []string
	dist    []int
	filters [][]any // args of each Filter call
	inVals  []int64
}

func (t *numsTable) BestIndex(info *IndexInfo) error {
	if t.rhs == nil {
		t.rhs = map[ConstraintOp]any{}
	}
	t.dist = append(t.dist, info.Distinct())
	argv := 0
	eq, limit, offset := -1, -1, -1
	for i, c := range info.Constraints {
		if v, ok := info.RHSValue(i); ok {
			t.rhs[c.Op] = v.Any()
		}
		if c.Op < ConstraintLimit {
			t.colls = append(t.colls, info.Collation(i))
		}
		if !c.Usable {
			continue
		}
		switch {
		case c.Op == ConstraintEQ && c.Column == 0 && eq < 0:
			eq = i
			argv++
			info.Constraints[i].ArgvIndex = argv
			info.Constraints[i].Omit = true
			info.IdxNum |= 1
			if t.bulkIn && info.HandleIn(i, true) {
				info.IdxNum |= 2
			}
		case t.limits && c.Op == ConstraintLimit:
			limit = i
		case t.limits && c.Op == ConstraintOffset:
			offset = i
		}
	}
	// Filter receives LIMIT then OFFSET, whatever their order here.
	for _, p := range []struct{ i, bit int }{{limit, 4}, {offset, 8}} {
		if p.i >= 0 {
			argv++
			info.Constraints[p.i].ArgvIndex = argv
			info.Constraints[p.i].Omit = true
			info.IdxNum |= p.bit
		}
	}
	info.IdxStr = fmt.Sprintf("nums:%d", info.IdxNum)
	t.infos = append(t.infos, *info)
	return nil
}

func (t *numsTable) Open() (VTabCursor, error) { return &numsCursor{t: t}, nil }

type numsCursor struct {
	t    *numsTable
	rows []int64
	i    int
}

func (cur *numsCursor) Filter(idxNum int, idxStr string, args []Value) error {
	if idxStr != fmt.Sprintf("nums:%d", idxNum) {
		return fmt.Errorf("Filter got idxStr %q for idxNum %d", idxStr, idxNum)
	}
	var rec []any
	for _, a := range args {
		rec = append(rec, a.Any())
	}
	cur.t.filters = append(cur.t.filters, rec)
	cur.rows, cur.i = cur.rows[:0], 0
	k := 0
	switch {
	case idxNum&2 != 0:
		for v, err := range args[0].InValues() {
			if err != nil {
				return err
			}
			cur.t.inVals = append(cur.t.inVals, v.Int64())
			if n := v.Int64(); n >= 1 && n <= 20 {
				cur.rows = append(cur.rows, n)
			}
		}
		k++
	case idxNum&1 != 0:
		if n := args[0].Int64(); n >= 1 && n <= 20 {
			cur.rows = append(cur.rows, n)
		}
		k++
	default:
		cur.rows = vtSeq(1, 20)
	}
	if idxNum&4 != 0 {
		limit := int(args[k].Int64())
		k++
		offset := 0
		if idxNum&8 != 0 {
			offset = int(args[k].Int64())
		}
		cur.rows = cur.rows[min(offset, len(cur.rows)):]
		cur.rows = cur.rows[:min(limit, len(cur.rows))]
	}
	return nil
}

func (cur *numsCursor) Next() error { cur.i++; return nil }
func (cur *numsCursor) EOF() bool   { return cur.i >= len(cur.rows) }
func (cur *numsCursor) Column(fc *FuncContext, i int) error {
	n := cur.rows[cur.i]
	if i == 1 {
		n *= n
	}
	fc.ResultInt64(n)
	return nil
}
func (cur *numsCursor) RowID() (int64, error) { return cur.rows[cur.i], nil }
func (cur *numsCursor) Close() error          { return nil }

func numsConn(t *testing.T, tab *numsTable) *Conn {
	c := vtOpen(t)
	err := c.CreateModule("nums", ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) {
		return tab, c.DeclareVTab("CREATE TABLE x(n INTEGER, sq INTEGER)")
	}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInListReachesFilterInOneCall(t *testing.T) {
	for _, bulk := range []bool{true, false} {
		t.Run(fmt.Sprintf("bulkIn=%v", bulk), func(t *testing.T) {
			tab := &numsTable{bulkIn: bulk}
			c := numsConn(t, tab)
			got := vtInts(t, c, "SELECT n FROM nums WHERE n IN (3, 5, 7, 99) ORDER BY n")
			if !slices.Equal(got, []int64{3, 5, 7}) {
				t.Errorf("rows = %v", got)
			}
			if bulk {
				if len(tab.filters) != 1 {
					t.Errorf("Filter called %d times, want once for the whole IN list", len(tab.filters))
				}
				slices.Sort(tab.inVals)
				if !slices.Equal(tab.inVals, []int64{3, 5, 7, 99}) {
					t.Errorf("InValues yielded %v", tab.inVals)
				}
			} else if len(tab.filters) != 4 {
				t.Errorf("Filter called %d times, want once per IN value", len(tab.filters))
			}
		})
	}
}

func TestInValuesOfAPlainValueIsAnError(t *testing.T) {
	for _, err := range (Value{}).InValues() {
		if !errors.Is(err, ErrMisuse) {
			t.Errorf("err = %v, want ErrMisuse", err)
		}
	}
	tab := &numsTable{}
	c := numsConn(t, tab)
	// Filter reads InValues of an ordinary = argument when idxNum says so.
	c.CreateModule("bad", ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) {
		return &badInTable{tab}, c.DeclareVTab("CREATE TABLE x(n INTEGER, sq INTEGER)")
	}))
	_, err := vtQuery(c, "SELECT n FROM bad WHERE n = 3")
	if !errors.Is(err, ErrMisuse) {
		t.Errorf("InValues of a plain argument: err = %v, want ErrMisuse", err)
	}
}

// badInTable claims bulk IN handling without asking SQLite for it.
type badInTable struct{ *numsTable }

func (t *badInTable) BestIndex(info *IndexInfo) error {
	if err := t.numsTable.BestIndex(info); err != nil {
		return err
	}
	if info.IdxNum&1 != 0 {
		info.IdxNum |= 2
		info.IdxStr = fmt.Sprintf("nums:%d", info.IdxNum)
	}
	return nil
}

func TestLimitAndOffsetReachBestIndex(t *testing.T) {
	tab := &numsTable{limits: true}
	c := numsConn(t, tab)
	got := vtInts(t, c, "SELECT n FROM nums LIMIT 5 OFFSET 2")
	if !slices.Equal(got, []int64{3, 4, 5, 6, 7}) {
		t.Errorf("rows = %v, want 3..7 (OFFSET applied once)", got)
	}
	var ops []string
	for _, c := range tab.infos[len(tab.infos)-1].Constraints {
		ops = append(ops, c.Op.String())
	}
	if !slices.Contains(ops, "LIMIT") || !slices.Contains(ops, "OFFSET") {
		t.Errorf("constraints %v lack LIMIT and OFFSET", ops)
	}
	if last := tab.filters[len(tab.filters)-1]; fmt.Sprint(last) != "[5 2]" {
		t.Errorf("Filter args = %v, want [5 2]", last)
	}
	if tab.rhs[ConstraintLimit] != int64(5) || tab.rhs[ConstraintOffset] != int64(2) {
		t.Errorf("RHSValue: %v", tab.rhs)
	}
}

func TestBestIndexSeesOperatorsCollationsAndUse(t *testing.T) {
	tab := &numsTable{}
	c := numsConn(t, tab)
	vtRows(t, c, `SELECT sq FROM nums WHERE n = 4 AND sq > 1 AND sq <= 100 AND n < 9 AND n >= 0
		AND n != 3 AND sq IS NOT 5 AND n IS NOT NULL AND sq LIKE '1%' AND sq GLOB '1*'
		AND n = 'x' COLLATE NOCASE`)
	info := tab.infos[0]
	var ops []string
	for _, c := range info.Constraints {
		ops = append(ops, c.Op.String())
	}
	for _, want := range []string{"=", ">", "<=", "<", ">=", "!=", "IS NOT", "IS NOT NULL", "LIKE", "GLOB"} {
		if !slices.Contains(ops, want) {
			t.Errorf("operators %v lack %s", ops, want)
		}
	}
	if !slices.Contains(tab.colls, "NOCASE") || !slices.Contains(tab.colls, "BINARY") {
		t.Errorf("collations = %v, want BINARY and NOCASE", tab.colls)
	}
	if tab.rhs[ConstraintEQ] == nil {
		t.Errorf("RHSValue gave nothing for n = 4: %v", tab.rhs)
	}
	if info.ColumnUsed(0) != true || info.ColumnUsed(1) != true {
		t.Errorf("ColUsed = %b, want columns 0 and 1", info.ColUsed)
	}
	tab.infos = nil
	vtRows(t, c, "SELECT sq FROM nums")
	if info := tab.infos[0]; info.ColumnUsed(0) || !info.ColumnUsed(1) {
		t.Errorf("SELECT sq: ColUsed = %b, want only column 1", info.ColUsed)
	}

	tab.dist = nil
	vtRows(t, c, "SELECT DISTINCT n FROM nums")
	vtRows(t, c, "SELECT n FROM nums GROUP BY n")
	vtRows(t, c, "SELECT n FROM nums ORDER BY n")
	if !slices.Equal(tab.dist, []int{2, 1, 0}) {
		t.Errorf("Distinct = %v, want [2 1 0] for DISTINCT, GROUP BY, ORDER BY", tab.dist)
	}
}

func TestIndexInfoMethodsAfterBestIndexAreInert(t *testing.T) {
	tab := &numsTable{}
	c := numsConn(t, tab)
	vtRows(t, c, "SELECT n FROM nums WHERE n IN (1, 2)")
	info := tab.infos[0]
	if info.IsIn(0) || info.HandleIn(0, true) || info.Collation(0) != "" || info.Distinct() != 0 {
		t.Error("IndexInfo methods answered after BestIndex returned")
	}
	if _, ok := info.RHSValue(0); ok {
		t.Error("RHSValue answered after BestIndex returned")
	}
}

// BenchmarkVTabScan measures a scan of a Go table-valued function: per
// row, SQLite calls Next, EOF and Column once each.
func BenchmarkVTabScan(b *testing.B) {
	c := vtOpen(b)
	if err := c.CreateModule("series", &seriesModule{}); err != nil {
		b.Fatal(err)
	}
	s, err := c.Prepare("SELECT sum(value) FROM series(1, 1000)")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := s.Step(); !ok || err != nil {
			b.Fatal(ok, err)
		}
		if s.ColumnInt64(0) != 500500 {
			b.Fatal(s.ColumnInt64(0))
		}
		s.Reset()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/row")
}

// BenchmarkVTabPlan measures preparing a statement on a Go virtual table
// (Connect once, then BestIndex for each candidate plan).
func BenchmarkVTabPlan(b *testing.B) {
	c := vtOpen(b)
	if err := c.CreateModule("series", &seriesModule{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := c.Prepare("SELECT value FROM series(1, 10) WHERE value > 3 ORDER BY value DESC")
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkVTabScanBaseline is BenchmarkVTabScan's query on an ordinary
// table, for comparison.
func BenchmarkVTabScanBaseline(b *testing.B) {
	c := vtOpen(b)
	vtExec(b, c, `CREATE TABLE t(value INTEGER PRIMARY KEY);
		WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r WHERE i < 1000) INSERT INTO t SELECT i FROM r`)
	s, err := c.Prepare("SELECT sum(value) FROM t")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := s.Step(); !ok || err != nil {
			b.Fatal(ok, err)
		}
		s.Reset()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/row")
}
