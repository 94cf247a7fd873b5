package sqlite

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// faultError is the error a faulty table's method returns.
type faultError struct{ method string }

func (e *faultError) Error() string { return "fault injected in " + e.method }

// faultModule makes tables whose methods fail (mode "error") or panic
// (mode "panic") when named in faults.
type faultModule struct {
	faults map[string]string
	tab    *faultTable
}

func (m *faultModule) hit(method string) error {
	switch m.faults[method] {
	case "error":
		return &faultError{method}
	case "panic":
		panic("fault injected in " + method)
	}
	return nil
}

func (m *faultModule) Connect(c *Conn, args ModuleArgs) (VTab, error) {
	if err := m.hit("Connect"); err != nil {
		return nil, err
	}
	if err := c.DeclareVTab("CREATE TABLE x(k, v)"); err != nil {
		return nil, err
	}
	m.tab = &faultTable{m: m, rows: []int64{1, 2, 3}}
	return m.tab, nil
}

// faultCreator adds Create to faultModule.
type faultCreator struct{ faultModule }

func (m *faultCreator) Create(c *Conn, args ModuleArgs) (VTab, error) {
	if err := m.hit("Create"); err != nil {
		return nil, err
	}
	return m.faultModule.Connect(c, args)
}

type faultTable struct {
	m    *faultModule
	rows []int64
}

func (t *faultTable) BestIndex(info *IndexInfo) error { return t.m.hit("BestIndex") }
func (t *faultTable) Open() (VTabCursor, error) {
	if err := t.m.hit("Open"); err != nil {
		return nil, err
	}
	return &faultCursor{t: t}, nil
}
func (t *faultTable) Insert(rowid Value, cols []Value) (int64, error) {
	if err := t.m.hit("Insert"); err != nil {
		return 0, err
	}
	t.rows = append(t.rows, int64(len(t.rows)+1))
	return int64(len(t.rows)), nil
}
func (t *faultTable) Update(oldKey, newKey Value, cols []Value) error { return t.m.hit("Update") }
func (t *faultTable) Delete(key Value) error                          { return t.m.hit("Delete") }
func (t *faultTable) Begin() error                                    { return t.m.hit("Begin") }
func (t *faultTable) Sync() error                                     { return t.m.hit("Sync") }
func (t *faultTable) Commit() error                                   { return t.m.hit("Commit") }
func (t *faultTable) Rollback() error                                 { return t.m.hit("Rollback") }
func (t *faultTable) Savepoint(n int) error                           { return t.m.hit("Savepoint") }
func (t *faultTable) Release(n int) error                             { return t.m.hit("Release") }
func (t *faultTable) RollbackTo(n int) error                          { return t.m.hit("RollbackTo") }
func (t *faultTable) Rename(string) error                             { return t.m.hit("Rename") }
func (t *faultTable) Destroy() error                                  { return t.m.hit("Destroy") }
func (t *faultTable) Disconnect() error                               { return t.m.hit("Disconnect") }
func (t *faultTable) Integrity(schema, table string, quick bool) (string, error) {
	if err := t.m.hit("Integrity"); err != nil {
		return "", err
	}
	if t.m.faults["Integrity"] == "problem" {
		return fmt.Sprintf("%s.%s is unwell (quick=%v)", schema, table, quick), nil
	}
	return "", nil
}
func (t *faultTable) FindFunction(name string, nArg int) (func(*FuncContext, []Value) error, ConstraintOp) {
	if err := t.m.hit("FindFunction"); err != nil {
		return nil, 0
	}
	return nil, 0
}

type faultCursor struct {
	t *faultTable
	i int
}

func (cur *faultCursor) Filter(int, string, []Value) error {
	cur.i = 0
	return cur.t.m.hit("Filter")
}
func (cur *faultCursor) Next() error { cur.i++; return cur.t.m.hit("Next") }
func (cur *faultCursor) EOF() bool {
	if cur.t.m.hit("EOF") != nil {
		return true
	}
	return cur.i >= len(cur.t.rows)
}
func (cur *faultCursor) Column(fc *FuncContext, i int) error {
	if err := cur.t.m.hit("Column"); err != nil {
		return err
	}
	fc.ResultInt64(cur.t.rows[cur.i] * int64(i+1))
	return nil
}
func (cur *faultCursor) RowID() (int64, error) {
	if err := cur.t.m.hit("RowID"); err != nil {
		return 0, err
	}
	return cur.t.rows[cur.i], nil
}
func (cur *faultCursor) Close() error { return cur.t.m.hit("Close") }

// faultCases: for each method, the SQL (after "CREATE VIRTUAL TABLE f
// USING fault" unless setup says otherwise) that makes SQLite call it.
var faultCases = []struct {
	method string
	setup  string // run before the fault is armed
	sql    string
}{
	{"Connect", "", "CREATE VIRTUAL TABLE g USING fault"},
	{"Create", "", "CREATE VIRTUAL TABLE g USING fault"},
	{"BestIndex", "", "SELECT k FROM f"},
	{"Open", "", "SELECT k FROM f"},
	{"Filter", "", "SELECT k FROM f"},
	{"Next", "", "SELECT k FROM f"},
	{"Column", "", "SELECT k FROM f"},
	{"RowID", "", "SELECT rowid FROM f"},
	{"Insert", "", "INSERT INTO f VALUES (1, 2)"},
	{"Update", "", "UPDATE f SET v = 0"},
	{"Delete", "", "DELETE FROM f"},
	{"Begin", "", "INSERT INTO f VALUES (1, 2)"},
	{"Sync", "", "INSERT INTO f VALUES (1, 2)"},
	{"Savepoint", "BEGIN; INSERT INTO f VALUES (1, 2)", "SAVEPOINT s"},
	{"Release", "BEGIN; INSERT INTO f VALUES (1, 2); SAVEPOINT s", "RELEASE s"},
	{"RollbackTo", "BEGIN; INSERT INTO f VALUES (1, 2); SAVEPOINT s", "ROLLBACK TO s"},
	{"Rename", "", "ALTER TABLE f RENAME TO f2"},
	{"Destroy", "", "DROP TABLE f"},
	{"Integrity", "", "PRAGMA integrity_check"},
}

// msgTaken lists the methods after which SQLite copies the table's error
// message into the statement's.
var msgTaken = map[string]bool{
	"Connect": true, "Create": true, "BestIndex": true, "Open": true, "Filter": true, "Next": true,
	"Column": true, "RowID": true, "Insert": true, "Update": true, "Delete": true, "Begin": true,
	"Sync": true, "Rename": true,
}

func TestVTabMethodErrorsFailTheStatement(t *testing.T) {
	for _, mode := range []string{"error", "panic"} {
		for _, tc := range faultCases {
			t.Run(mode+"/"+tc.method, func(t *testing.T) {
				c := vtOpen(t)
				m := &faultCreator{faultModule{faults: map[string]string{}}}
				var mod Module = m
				if tc.method == "Connect" {
					mod = &m.faultModule // SQLite calls Connect for CREATE
				}
				if err := c.CreateModule("fault", mod); err != nil {
					t.Fatal(err)
				}
				vtExec(t, c, "CREATE VIRTUAL TABLE f USING fault")
				if tc.setup != "" {
					vtExec(t, c, tc.setup)
				}
				m.faults[tc.method] = mode
				_, err := vtQuery(c, tc.sql)
				if err == nil {
					t.Fatalf("%s succeeded despite a fault in %s", tc.sql, tc.method)
				}
				var se *Error
				if !errors.As(err, &se) {
					t.Fatalf("err = %T %v, want an *Error", err, err)
				}
				switch mode {
				case "error":
					var fe *faultError
					if !errors.As(err, &fe) || fe.method != tc.method {
						t.Errorf("err = %v, want it to wrap the %s error", err, tc.method)
					}
					// SQLite takes the table's message after most methods;
					// after the others the *Error still shows its cause.
					if !strings.Contains(err.Error(), "fault injected in "+tc.method) {
						t.Errorf("error %q lacks the Go error's text", err)
					}
					if msgTaken[tc.method] && !strings.Contains(se.Msg, "fault injected in "+tc.method) {
						t.Errorf("SQLite's message %q lacks the Go error's text", se.Msg)
					}
				case "panic":
					var pe *PanicError
					if !strings.Contains(err.Error(), "virtual table "+tc.method+": panic") || !errors.As(err, &pe) {
						t.Errorf("err = %v, want the recovered panic of %s", err, tc.method)
					}
				}
				// The connection survives and the table works again.
				delete(m.faults, tc.method)
				c.Exec("ROLLBACK")
				if _, err := vtQuery(c, "SELECT k FROM f"); err != nil {
					t.Errorf("table unusable after the fault: %v", err)
				}
				if _, err := vtQuery(c, "SELECT 1"); err != nil {
					t.Errorf("connection unusable after the fault: %v", err)
				}
			})
		}
	}
}

func TestVTabEOFPanicFailsTheStatement(t *testing.T) {
	c := vtOpen(t)
	m := &faultModule{faults: map[string]string{}}
	if err := c.CreateModule("fault", m); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{"SELECT k FROM fault", "SELECT count(*) FROM fault", "SELECT rowid FROM fault"} {
		m.faults["EOF"] = "panic"
		_, err := vtQuery(c, sql)
		if err == nil || !strings.Contains(err.Error(), "virtual table EOF: panic") {
			t.Errorf("%s: err = %v, want the EOF panic", sql, err)
		}
		delete(m.faults, "EOF")
		if rows := vtRows(t, c, sql); len(rows) == 0 {
			t.Errorf("%s: no rows after the panic", sql)
		}
	}
}

func TestVTabIgnoredFailuresDoNotLinger(t *testing.T) {
	c := vtOpen(t)
	m := &faultCreator{faultModule{faults: map[string]string{}}}
	if err := c.CreateModule("fault", m); err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE VIRTUAL TABLE f USING fault")
	// SQLite ignores failures of Commit, Rollback, Close, Disconnect and
	// FindFunction (which answers "not overloaded").
	for _, tc := range []struct{ method, mode, sql string }{
		{"Commit", "error", "BEGIN; INSERT INTO f VALUES (1, 2); COMMIT"},
		{"Commit", "panic", "BEGIN; INSERT INTO f VALUES (1, 2); COMMIT"},
		{"Rollback", "error", "BEGIN; INSERT INTO f VALUES (1, 2); ROLLBACK"},
		{"Rollback", "panic", "BEGIN; INSERT INTO f VALUES (1, 2); ROLLBACK"},
		{"Close", "error", "SELECT k FROM f"},
		{"Close", "panic", "SELECT k FROM f"},
		{"FindFunction", "panic", "SELECT upper(k) FROM f"},
	} {
		m.faults[tc.method] = tc.mode
		if err := c.Exec(tc.sql); err != nil {
			t.Errorf("%s with %s %s: %v", tc.sql, tc.method, tc.mode, err)
		}
		delete(m.faults, tc.method)
	}
	// A later, unrelated failure carries no stale cause.
	err := c.Exec("SELECT * FROM no_such_table")
	if err == nil || errors.Unwrap(err) != nil {
		t.Errorf("unrelated error = %v, cause %v; want no cause", err, errors.Unwrap(err))
	}
	// Disconnect failures are ignored too: closing works.
	m.faults["Disconnect"] = "panic"
	if err := c.Close(); err != nil {
		t.Errorf("Close with a panicking Disconnect: %v", err)
	}
}

func TestVTabIntegrityProblemsReachThePragma(t *testing.T) {
	c := vtOpen(t)
	m := &faultCreator{faultModule{faults: map[string]string{}}}
	if err := c.CreateModule("fault", m); err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE VIRTUAL TABLE f USING fault")
	if got := fmt.Sprint(vtRows(t, c, "PRAGMA integrity_check")); got != "[[ok]]" {
		t.Errorf("healthy table: %s", got)
	}
	m.faults["Integrity"] = "problem"
	got := fmt.Sprint(vtRows(t, c, "PRAGMA quick_check"))
	if !strings.Contains(got, "main.f is unwell (quick=true)") {
		t.Errorf("quick_check = %s, want the table's problem", got)
	}
	got = fmt.Sprint(vtRows(t, c, "PRAGMA integrity_check"))
	if !strings.Contains(got, "main.f is unwell (quick=false)") {
		t.Errorf("integrity_check = %s, want the table's problem", got)
	}
}

func TestDestroyFailureKeepsTheTable(t *testing.T) {
	c := vtOpen(t)
	m := &faultCreator{faultModule{faults: map[string]string{"Destroy": "error"}}}
	if err := c.CreateModule("fault", m); err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE VIRTUAL TABLE f USING fault")
	if err := c.Exec("DROP TABLE f"); err == nil {
		t.Fatal("DROP TABLE succeeded despite Destroy failing")
	}
	if got := vtInts(t, c, "SELECT k FROM f"); len(got) != 3 {
		t.Errorf("after failed DROP: %v", got)
	}
	delete(m.faults, "Destroy")
	vtExec(t, c, "DROP TABLE f")
}

func TestReadOnlyVTabRefusesChanges(t *testing.T) {
	c := vtOpen(t)
	if err := c.CreateModule("series", &seriesModule{}); err != nil {
		t.Fatal(err)
	}
	err := c.Exec("INSERT INTO series(value) VALUES (1)")
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("INSERT into a read-only table: err = %v, want ErrReadOnly", err)
	}
}

func TestConstructorMistakesAreErrors(t *testing.T) {
	c := vtOpen(t)
	for name, m := range map[string]Module{
		"nilvtab": ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) { return nil, nil }),
		"nodecl":  ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) { return &numsTable{}, nil }),
		"baddecl": ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) {
			return &numsTable{}, c.DeclareVTab("CREATE TABLE x(")
		}),
	} {
		if err := c.CreateModule(name, m); err != nil {
			t.Fatal(err)
		}
		if _, err := vtQuery(c, "SELECT * FROM "+name); err == nil {
			t.Errorf("%s: SELECT succeeded", name)
		}
	}
	if err := c.CreateModule("nil", nil); !errors.Is(err, ErrMisuse) {
		t.Errorf("CreateModule(nil) = %v, want ErrMisuse", err)
	}
	// Outside a constructor, DeclareVTab and ConfigVTab are misuse.
	if err := c.DeclareVTab("CREATE TABLE x(a)"); !errors.Is(err, ErrMisuse) {
		t.Errorf("DeclareVTab outside Connect = %v, want ErrMisuse", err)
	}
	if err := c.ConfigVTab(VTabInnocuous); !errors.Is(err, ErrMisuse) {
		t.Errorf("ConfigVTab outside Connect = %v, want ErrMisuse", err)
	}
	c.Close()
	if err := c.CreateModule("late", &seriesModule{}); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateModule after Close = %v, want ErrClosed", err)
	}
	if err := c.DeclareVTab("CREATE TABLE x(a)"); !errors.Is(err, ErrClosed) {
		t.Errorf("DeclareVTab after Close = %v, want ErrClosed", err)
	}
}

// riskTable is declared with the given ConfigVTab options.
func riskModule(opts ...VTabConfig) Module {
	return ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) {
		if err := c.DeclareVTab("CREATE TABLE x(n INTEGER, sq INTEGER)"); err != nil {
			return nil, err
		}
		return &numsTable{}, c.ConfigVTab(opts...)
	})
}

func TestVTabConfigControlsWhereTablesMayBeUsed(t *testing.T) {
	c := vtOpen(t)
	for name, opts := range map[string][]VTabConfig{
		"plain": nil, "innocuous": {VTabInnocuous}, "direct": {VTabDirectOnly},
	} {
		if err := c.CreateModule(name, riskModule(opts...)); err != nil {
			t.Fatal(err)
		}
		vtExec(t, c, fmt.Sprintf("CREATE VIEW v_%s AS SELECT n FROM %s", name, name))
	}
	vtExec(t, c, "PRAGMA trusted_schema = OFF")
	if _, err := vtQuery(c, "SELECT * FROM v_innocuous"); err != nil {
		t.Errorf("innocuous table in a view, untrusted schema: %v", err)
	}
	for _, name := range []string{"plain", "direct"} {
		if _, err := vtQuery(c, "SELECT * FROM v_"+name); err == nil || !strings.Contains(err.Error(), "unsafe use") {
			t.Errorf("%s table in a view, untrusted schema: err = %v, want unsafe use", name, err)
		}
	}
	vtExec(t, c, "PRAGMA trusted_schema = ON")
	if _, err := vtQuery(c, "SELECT * FROM v_direct"); err == nil || !strings.Contains(err.Error(), "unsafe use") {
		t.Errorf("direct-only table in a view: err = %v, want unsafe use", err)
	}
	if _, err := vtQuery(c, "SELECT * FROM direct"); err != nil {
		t.Errorf("direct-only table used directly: %v", err)
	}
}

// --- overloaded functions ---

type overloadTable struct {
	numsTable
	funcOps []ConstraintOp // operators seen by BestIndex for overloaded functions
}

func (t *overloadTable) FindFunction(name string, nArg int) (func(*FuncContext, []Value) error, ConstraintOp) {
	switch {
	case name == "upper" && nArg == 1:
		return func(fc *FuncContext, args []Value) error {
			fc.ResultText(fmt.Sprintf("N%d", args[0].Int64()))
			return nil
		}, 0
	case name == "instr" && nArg == 2:
		// instr(n, x) on this table means "n is a multiple of x".
		return func(fc *FuncContext, args []Value) error {
			if args[1].Int64() == 0 {
				return errors.New("instr: multiple of zero")
			}
			fc.ResultBool(args[0].Int64()%args[1].Int64() == 0)
			return nil
		}, ConstraintFunction + 1
	case name == "hex":
		panic("FindFunction panics")
	}
	return nil, 0
}

func (t *overloadTable) BestIndex(info *IndexInfo) error {
	for _, c := range info.Constraints {
		if c.Op >= ConstraintFunction {
			t.funcOps = append(t.funcOps, c.Op)
		}
	}
	return t.numsTable.BestIndex(info)
}

func TestOverloadedFunctionsRunForTheTable(t *testing.T) {
	c := vtOpen(t)
	tab := &overloadTable{}
	err := c.CreateModule("nums", ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) {
		return tab, c.DeclareVTab("CREATE TABLE x(n INTEGER, sq INTEGER)")
	}))
	if err != nil {
		t.Fatal(err)
	}
	rows := vtRows(t, c, "SELECT upper(n), upper('n') FROM nums WHERE n <= 2")
	if fmt.Sprint(rows) != "[[N1 N] [N2 N]]" {
		t.Errorf("overloaded upper = %v", rows)
	}
	if got := vtInts(t, c, "SELECT n FROM nums WHERE instr(n, 7)"); fmt.Sprint(got) != "[7 14]" {
		t.Errorf("instr as multiple-of = %v", got)
	}
	if len(tab.funcOps) == 0 || tab.funcOps[0] != ConstraintFunction+1 {
		t.Errorf("BestIndex saw function operators %v, want FUNCTION+1", tab.funcOps)
	}
	if s := (ConstraintFunction + 1).String(); s != "FUNCTION+1" {
		t.Errorf("String = %q", s)
	}
	_, err = vtQuery(c, "SELECT instr(n, 0) FROM nums")
	if err == nil || !strings.Contains(err.Error(), "multiple of zero") {
		t.Errorf("failing overload: err = %v", err)
	}
	// A panicking FindFunction means "not overloaded": the built-in runs.
	if rows := vtRows(t, c, "SELECT hex(n) FROM nums WHERE n = 10"); fmt.Sprint(rows) != "[[3130]]" {
		t.Errorf("hex after FindFunction panic = %v", rows)
	}
}

// --- leaks ---

func TestVTabHandlesAreReleased(t *testing.T) {
	before := handleCount()
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	kv := &kvModule{}
	ov := &overloadTable{}
	for name, m := range map[string]Module{
		"series": &seriesModule{keepOrder: true},
		"kv":     kv,
		"nums": ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) {
			return ov, c.DeclareVTab("CREATE TABLE x(n INTEGER, sq INTEGER)")
		}),
	} {
		if err := c.CreateModule(name, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.CreateModule("series", &seriesModule{}); err != nil { // replaces the first
		t.Fatal(err)
	}
	vtExec(t, c, `CREATE VIRTUAL TABLE a USING kv; CREATE VIRTUAL TABLE b USING kv;
		INSERT INTO a(k) VALUES ('x'); INSERT INTO b(k) SELECT k FROM a;
		DROP TABLE b; CREATE VIRTUAL TABLE s USING series`)
	vtRows(t, c, "SELECT s.value, upper(n), a.k FROM series(1, 3) s, nums, a WHERE instr(n, 5) AND n = s.value + 4")
	// A statement left open when the connection closes.
	st, err := c.Prepare("SELECT value FROM series(1, 100)")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Step(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if handleCount() <= before {
		t.Fatal("no handles in use; the test measures nothing")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if after := handleCount(); after != before {
		t.Errorf("handles: %d before Open, %d after Close", before, after)
	}
}

// planTable's BestIndex makes the mistake named by its field.
type planTable struct {
	numsTable
	mistake string
}

func (t *planTable) BestIndex(info *IndexInfo) error {
	switch t.mistake {
	case "unusable":
		for i := range info.Constraints {
			info.Constraints[i].ArgvIndex = i + 1
		}
	case "idxnum":
		info.IdxNum = 1 << 40
	case "gap":
		if len(info.Constraints) > 0 {
			info.Constraints[0].ArgvIndex = 2
		}
	case "grow":
		info.Constraints = append(info.Constraints, IndexConstraint{})
	}
	return nil
}

func TestBestIndexMistakesAreErrors(t *testing.T) {
	for mistake, want := range map[string]string{
		"unusable": "unusable constraint",
		"idxnum":   "IdxNum",
		"gap":      "ArgvIndex 2",
		"grow":     "number of constraints",
	} {
		t.Run(mistake, func(t *testing.T) {
			c := vtOpen(t)
			err := c.CreateModule("p", ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) {
				return &planTable{mistake: mistake}, c.DeclareVTab("CREATE TABLE x(n INTEGER, sq INTEGER)")
			}))
			if err != nil {
				t.Fatal(err)
			}
			vtExec(t, c, "CREATE TABLE r(a)")
			_, err = vtQuery(c, "SELECT * FROM p, r WHERE p.n = r.a")
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to mention %q", err, want)
			}
		})
	}
}

func TestConnectReceivesModuleArgs(t *testing.T) {
	c := vtOpen(t)
	var got []ModuleArgs
	err := c.CreateModule("argmod", ModuleFunc(func(c *Conn, args ModuleArgs) (VTab, error) {
		got = append(got, args)
		return &numsTable{}, c.DeclareVTab("CREATE TABLE x(n INTEGER, sq INTEGER)")
	}))
	if err != nil {
		t.Fatal(err)
	}
	vtExec(t, c, "CREATE VIRTUAL TABLE temp.foo USING argmod(a, 'b c', 3)")
	vtRows(t, c, "SELECT * FROM argmod")
	want := `[{argmod temp foo [a 'b c' 3]} {argmod main argmod []}]`
	if fmt.Sprint(got) != want {
		t.Errorf("Connect args = %v, want %s", got, want)
	}
}
