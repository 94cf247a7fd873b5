package sqlite_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestPrepareTailWalksAScript(t *testing.T) {
	c := openMem(t)
	script := "CREATE TABLE t(x); INSERT INTO t VALUES (1);\n -- done\n"
	var got []string
	rest := script
	for {
		s, tail, err := c.PrepareTail(rest, 0)
		if err != nil {
			t.Fatal(err)
		}
		if s == nil {
			if strings.TrimSpace(tail) != "-- done" && strings.TrimSpace(tail) != "" {
				t.Errorf("tail after the last statement = %q", tail)
			}
			break
		}
		got = append(got, s.SQL())
		if err := s.Exec(); err != nil {
			t.Fatal(err)
		}
		s.Close()
		rest = tail
	}
	want := []string{"CREATE TABLE t(x);", "INSERT INTO t VALUES (1);"}
	if len(got) != len(want) {
		t.Fatalf("statements = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestPrepareTailOfBlankSQLIsNil(t *testing.T) {
	c := openMem(t)
	for _, sql := range []string{"", "   ", "-- comment", "/* c */ ;", ";;"} {
		s, _, err := c.PrepareTail(sql, 0)
		if s != nil || err != nil {
			t.Errorf("PrepareTail(%q) = %v, %v; want nil, nil", sql, s, err)
		}
	}
}

func TestPrepareRejectsEmptyAndMultipleStatements(t *testing.T) {
	c := openMem(t)
	_, err := c.Prepare("  -- nothing")
	wantCode(t, err, sqlite.ErrMisuse)
	_, err = c.Prepare("SELECT 1; SELECT 2")
	e := wantCode(t, err, sqlite.ErrMisuse)
	if e.Offset != len("SELECT 1;") {
		t.Errorf("Offset = %d, want %d", e.Offset, len("SELECT 1;"))
	}
	// A trailing semicolon and comment are not a second statement.
	s, err := c.Prepare("SELECT 1; -- trailing")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestPrepareErrorCarriesOffsetAndSQL(t *testing.T) {
	c := openMem(t)
	sql := "SELECT 1, nosuchcolumn FROM sqlite_schema"
	_, err := c.Prepare(sql)
	e := wantCode(t, err, sqlite.ErrError)
	if e.SQL != sql {
		t.Errorf("SQL = %q, want %q", e.SQL, sql)
	}
	if want := strings.Index(sql, "nosuchcolumn"); e.Offset != want {
		t.Errorf("Offset = %d, want %d", e.Offset, want)
	}
	if !strings.Contains(e.Msg, "no such column") {
		t.Errorf("Msg = %q", e.Msg)
	}
	if !strings.Contains(e.Error(), "nosuchcolumn") {
		t.Errorf("Error() = %q does not show the SQL", e.Error())
	}
	_, err = c.Prepare("SELEC 1")
	e = wantCode(t, err, sqlite.ErrError)
	if e.Offset != 0 {
		t.Errorf("syntax error Offset = %d, want 0", e.Offset)
	}
	// SQLite points at no byte for some errors.
	_, err = c.Prepare("SELECT * FROM nosuchtable")
	if e = wantCode(t, err, sqlite.ErrError); e.Offset != -1 {
		t.Errorf("no such table: Offset = %d, want -1", e.Offset)
	}
}

func TestPreparePersistentStatementWorks(t *testing.T) {
	c := openMem(t)
	s, tail, err := c.PrepareTail("SELECT 40 + ?", sqlite.PreparePersistent)
	if err != nil || tail != "" {
		t.Fatalf("PrepareTail = %v, %q", err, tail)
	}
	defer s.Close()
	for i := range 3 {
		if err := s.Bind(i); err != nil {
			t.Fatal(err)
		}
		if row, err := s.Step(); !row || err != nil {
			t.Fatalf("Step = %v, %v", row, err)
		}
		if got := s.ColumnInt(0); got != 40+i {
			t.Errorf("got %d, want %d", got, 40+i)
		}
		s.Reset()
	}
}

func TestPrepareNoVTabFlag(t *testing.T) {
	c := openMem(t)
	_, _, err := c.PrepareTail("SELECT * FROM pragma_table_info('x')", sqlite.PrepareNoVTab)
	wantCode(t, err, sqlite.ErrError)
}

func TestStepDoneThenRerunAfterReset(t *testing.T) {
	c := openMem(t)
	s, err := c.Prepare("SELECT 1 UNION ALL SELECT 2")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for run := range 2 {
		var got []int64
		for {
			row, err := s.Step()
			if err != nil {
				t.Fatal(err)
			}
			if !row {
				break
			}
			if !s.Busy() {
				t.Error("Busy() = false mid-run")
			}
			got = append(got, s.ColumnInt64(0))
		}
		if len(got) != 2 || got[0] != 1 || got[1] != 2 {
			t.Fatalf("run %d: rows %v", run, got)
		}
		if err := s.Reset(); err != nil {
			t.Fatal(err)
		}
		if s.Busy() {
			t.Error("Busy() = true after Reset")
		}
	}
}

func TestStepErrorResetsStatement(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x UNIQUE)")
	s, err := c.Prepare("INSERT INTO t VALUES (?)")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Exec(1); err != nil {
		t.Fatal(err)
	}
	e := wantCode(t, s.Exec(1), sqlite.ErrConstraintUnique)
	if e.SQL != "INSERT INTO t VALUES (?)" {
		t.Errorf("SQL = %q", e.SQL)
	}
	if err := s.Exec(2); err != nil {
		t.Fatalf("statement unusable after a failed step: %v", err)
	}
}

func TestStatementProperties(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	sel, _ := c.Prepare("SELECT x FROM t WHERE x = ?")
	defer sel.Close()
	ins, _ := c.Prepare("INSERT INTO t VALUES (?)")
	defer ins.Close()
	if !sel.ReadOnly() || ins.ReadOnly() {
		t.Errorf("ReadOnly: select %v insert %v", sel.ReadOnly(), ins.ReadOnly())
	}
	if sel.Conn() != c {
		t.Error("Conn() is not the connection")
	}
	sel.BindText(1, "it's")
	if got := sel.ExpandedSQL(); got != "SELECT x FROM t WHERE x = 'it''s'" {
		t.Errorf("ExpandedSQL = %q", got)
	}
	ex, _ := c.Prepare("EXPLAIN QUERY PLAN SELECT 1")
	defer ex.Close()
	if sel.IsExplain() != 0 || ex.IsExplain() != 2 {
		t.Errorf("IsExplain = %d, %d", sel.IsExplain(), ex.IsExplain())
	}
}

func TestColumnMetadata(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE people(id INTEGER PRIMARY KEY, name VARCHAR(20), born DATE)")
	s, err := c.Prepare("SELECT id, name AS who, born, 1 + 1 AS two FROM people")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.ColumnCount() != 4 {
		t.Fatalf("ColumnCount = %d", s.ColumnCount())
	}
	names := s.ColumnNames()
	wantNames := []string{"id", "who", "born", "two"}
	for i, n := range wantNames {
		if names[i] != n || s.ColumnName(i) != n {
			t.Errorf("column %d name = %q/%q, want %q", i, names[i], s.ColumnName(i), n)
		}
	}
	if s.ColumnName(9) != "" || s.ColumnName(-1) != "" {
		t.Error("out-of-range ColumnName not empty")
	}
	if s.ColumnIndex("who") != 1 || s.ColumnIndex("nope") != -1 {
		t.Errorf("ColumnIndex = %d, %d", s.ColumnIndex("who"), s.ColumnIndex("nope"))
	}
	for i, want := range []string{"INTEGER", "VARCHAR(20)", "DATE", ""} {
		if got := s.ColumnDeclType(i); got != want {
			t.Errorf("ColumnDeclType(%d) = %q, want %q", i, got, want)
		}
	}
	for i, want := range []string{"id", "name", "born", ""} {
		if got := s.ColumnOriginName(i); got != want {
			t.Errorf("ColumnOriginName(%d) = %q, want %q", i, got, want)
		}
		wantTable, wantDB := "people", "main"
		if want == "" {
			wantTable, wantDB = "", ""
		}
		if got := s.ColumnTableName(i); got != wantTable {
			t.Errorf("ColumnTableName(%d) = %q, want %q", i, got, wantTable)
		}
		if got := s.ColumnDatabaseName(i); got != wantDB {
			t.Errorf("ColumnDatabaseName(%d) = %q, want %q", i, got, wantDB)
		}
	}
}

func TestColumnNamesFollowSchemaChange(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(a); INSERT INTO t VALUES (1)")
	s, err := c.Prepare("SELECT * FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := len(s.ColumnNames()); n != 1 {
		t.Fatalf("%d columns", n)
	}
	mustExec(t, c, "ALTER TABLE t ADD COLUMN b")
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	if got := s.ColumnNames(); len(got) != 2 || got[1] != "b" {
		t.Fatalf("after ALTER TABLE: columns %q", got)
	}
}

func TestColumnTypesAndConversions(t *testing.T) {
	c := openMem(t)
	s, err := c.Prepare("SELECT 7, 2.5, 'text', x'00ff', NULL, '12'")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	if s.DataCount() != 6 {
		t.Errorf("DataCount = %d", s.DataCount())
	}
	types := []sqlite.ColumnType{sqlite.Integer, sqlite.Float, sqlite.Text, sqlite.Blob, sqlite.Null, sqlite.Text}
	for i, want := range types {
		if got := s.ColumnType(i); got != want {
			t.Errorf("ColumnType(%d) = %v, want %v", i, got, want)
		}
	}
	if s.ColumnInt64(0) != 7 || s.ColumnInt(0) != 7 || !s.ColumnBool(0) || s.ColumnFloat(0) != 7 {
		t.Error("integer column conversions")
	}
	if s.ColumnFloat(1) != 2.5 || s.ColumnInt64(1) != 2 {
		t.Error("float column conversions")
	}
	if s.ColumnText(2) != "text" || s.ColumnLen(2) != 4 {
		t.Errorf("text column = %q len %d", s.ColumnText(2), s.ColumnLen(2))
	}
	if got := s.ColumnBytes(3, nil); !bytes.Equal(got, []byte{0, 0xff}) {
		t.Errorf("blob column = %x", got)
	}
	if s.ColumnText(4) != "" || s.ColumnBytes(4, nil) != nil || s.ColumnInt64(4) != 0 || s.ColumnBool(4) {
		t.Error("NULL column does not read as zero values")
	}
	if s.ColumnInt64(5) != 12 {
		t.Errorf("'12' as int = %d", s.ColumnInt64(5))
	}
	want := []any{int64(7), 2.5, "text", []byte{0, 0xff}, nil, "12"}
	for i, w := range want {
		got := s.ColumnValue(i)
		if b, ok := w.([]byte); ok {
			if g, ok := got.([]byte); !ok || !bytes.Equal(g, b) {
				t.Errorf("ColumnValue(%d) = %#v, want %#v", i, got, w)
			}
			continue
		}
		if got != w {
			t.Errorf("ColumnValue(%d) = %#v, want %#v", i, got, w)
		}
	}
	// Out of range reads as NULL, never a panic.
	if s.ColumnType(99) != sqlite.Null || s.ColumnText(99) != "" || s.ColumnRawBytes(-1) != nil {
		t.Error("out-of-range column does not read as NULL")
	}
}

func TestEmptyBlobColumnIsNotNil(t *testing.T) {
	c := openMem(t)
	s, _ := c.Prepare("SELECT x''")
	defer s.Close()
	s.Step()
	if s.ColumnType(0) != sqlite.Blob {
		t.Fatalf("type %v", s.ColumnType(0))
	}
	if v, ok := s.ColumnValue(0).([]byte); !ok || v == nil || len(v) != 0 {
		t.Errorf("ColumnValue of x'' = %#v, want empty non-nil []byte", s.ColumnValue(0))
	}
}

func TestColumnBytesDoNotAllocate(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(b BLOB, s TEXT, i INTEGER, f REAL)")
	mustExec(t, c, "INSERT INTO t VALUES (randomblob(100), 'hello world', 3, 1.5)")
	s, err := c.Prepare("SELECT b, s, i, f FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if row, err := s.Step(); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	buf := make([]byte, 0, 256)
	var sink int
	allocs := testing.AllocsPerRun(100, func() {
		raw := s.ColumnRawBytes(0)
		b := s.ColumnBytes(1, buf[:0])
		sink += len(raw) + len(b) + int(s.ColumnInt64(2)) + int(s.ColumnFloat(3)) + s.ColumnLen(1)
		sink += int(s.ColumnType(0))
	})
	if allocs != 0 {
		t.Errorf("column access allocates %.1f times per row", allocs)
	}
	if len(s.ColumnRawBytes(0)) != 100 || string(s.ColumnBytes(1, nil)) != "hello world" {
		t.Error("wrong column contents")
	}
}

func TestStepAndResetDoNotAllocate(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
	mustExec(t, c, "INSERT INTO t VALUES (1, 'one')")
	s, err := c.Prep("SELECT v FROM t WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	allocs := testing.AllocsPerRun(100, func() {
		s.Reset()
		s.BindInt64(1, 1)
		s.BindText(1, "x")
		s.BindInt64(1, 1)
		if row, err := s.Step(); !row || err != nil {
			t.Fatal("no row")
		}
	})
	if allocs != 0 {
		t.Errorf("a point query allocates %.1f times", allocs)
	}
}

func TestClosedStmtMethodsReportErrClosed(t *testing.T) {
	c := openMem(t)
	s, err := c.Prepare("SELECT ?")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, sqlite.ErrClosed) || !errors.Is(err, sqlite.ErrMisuse) {
			t.Errorf("%s on closed Stmt: %v, want ErrClosed and ErrMisuse", name, err)
		}
	}
	_, err = s.Step()
	check("Step", err)
	check("Reset", s.Reset())
	check("Exec", s.Exec())
	check("Bind", s.Bind(1))
	check("BindValue", s.BindValue(1, 1))
	check("BindValue(struct)", s.BindValue(1, struct{}{}))
	check("BindInt64", s.BindInt64(1, 1))
	check("BindInt", s.BindInt(1, 1))
	check("BindBool", s.BindBool(1, true))
	check("BindFloat", s.BindFloat(1, 1))
	check("BindText", s.BindText(1, "x"))
	check("BindBytes", s.BindBytes(1, nil))
	check("BindNull", s.BindNull(1))
	check("BindZeroBlob", s.BindZeroBlob(1, 1))
	check("BindTime", s.BindTime(1, testTime, sqlite.TimeText))
	check("ClearBindings", s.ClearBindings())
	_, err = s.ColumnTime(0, sqlite.TimeText)
	check("ColumnTime", err)
	// Accessors read as NULL.
	if s.ColumnCount() != 0 || s.DataCount() != 0 || s.ColumnText(0) != "" || s.ColumnNames() != nil ||
		s.ColumnType(0) != sqlite.Null || s.ParamCount() != 0 || s.ParamIndex("a") != 0 ||
		s.ParamName(1) != "" || s.ExpandedSQL() != "" || s.ReadOnly() || s.Busy() || s.IsExplain() != 0 ||
		s.ColumnDeclType(0) != "" || s.ColumnOriginName(0) != "" || s.ColumnTableName(0) != "" ||
		s.ColumnDatabaseName(0) != "" || s.ColumnValue(0) != nil || s.ColumnLen(0) != 0 {
		t.Error("accessors of a closed statement do not read as NULL")
	}
	if s.SQL() != "SELECT ?" {
		t.Errorf("SQL() after Close = %q", s.SQL())
	}
	var nilStmt *sqlite.Stmt
	if err := nilStmt.Close(); err != nil {
		t.Errorf("Close of nil Stmt: %v", err)
	}
}

func TestColumnConversionsFollowSQLite(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(r REAL, i INTEGER, s TEXT, b BLOB)")
	mustExec(t, c, "INSERT INTO t VALUES (3, 42, '7.5', x'6869')")
	s, err := c.Prepare("SELECT r, i, s, b, zeroblob(3), 2.5, -0.0 FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if row, err := s.Step(); !row || err != nil {
		t.Fatal(err)
	}
	// A REAL column holding an integer value is a float.
	if s.ColumnType(0) != sqlite.Float || s.ColumnType(1) != sqlite.Integer || s.ColumnType(2) != sqlite.Text {
		t.Errorf("types %v %v %v", s.ColumnType(0), s.ColumnType(1), s.ColumnType(2))
	}
	if s.ColumnFloat(0) != 3 || s.ColumnInt64(0) != 3 || s.ColumnText(0) != "3.0" {
		t.Errorf("REAL 3: %v %v %v %q", s.ColumnType(0), s.ColumnFloat(0), s.ColumnInt64(0), s.ColumnText(0))
	}
	// An integer read as text converts; reading it as an integer again still works.
	if s.ColumnText(1) != "42" || s.ColumnLen(1) != 2 || s.ColumnInt64(1) != 42 || s.ColumnFloat(1) != 42 {
		t.Errorf("INTEGER 42: %q %d %d %v", s.ColumnText(1), s.ColumnLen(1), s.ColumnInt64(1), s.ColumnFloat(1))
	}
	if s.ColumnFloat(2) != 7.5 || s.ColumnInt64(2) != 7 || s.ColumnText(2) != "7.5" {
		t.Errorf("TEXT '7.5': %v %d %q", s.ColumnFloat(2), s.ColumnInt64(2), s.ColumnText(2))
	}
	// (As SQLite documents, a column's type is meaningful only before a
	// conversion, so it is read first.)
	if s.ColumnType(3) != sqlite.Blob || s.ColumnText(3) != "hi" || s.ColumnLen(3) != 2 {
		t.Errorf("BLOB x'6869': %q %d", s.ColumnText(3), s.ColumnLen(3))
	}
	if s.ColumnType(4) != sqlite.Blob || s.ColumnLen(4) != 3 {
		t.Errorf("zeroblob(3): %v len %d", s.ColumnType(4), s.ColumnLen(4))
	}
	if got := s.ColumnRawBytes(4); !bytes.Equal(got, []byte{0, 0, 0}) {
		t.Errorf("zeroblob(3) bytes %x", got)
	}
	if s.ColumnFloat(5) != 2.5 || s.ColumnInt64(5) != 2 || s.ColumnText(5) != "2.5" {
		t.Errorf("2.5: %v %d %q", s.ColumnFloat(5), s.ColumnInt64(5), s.ColumnText(5))
	}
	if s.ColumnType(6) != sqlite.Float || s.ColumnFloat(6) != 0 {
		t.Errorf("-0.0: %v %v", s.ColumnType(6), s.ColumnFloat(6))
	}
}

func TestColumnTextOfUTF16Database(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "PRAGMA encoding = 'UTF-16le'; CREATE TABLE t(s TEXT); INSERT INTO t VALUES ('héllo')")
	for row, err := range c.Query("SELECT s, s FROM t") {
		if err != nil {
			t.Fatal(err)
		}
		if row.ColumnLen(0) != len("héllo") || row.ColumnText(0) != "héllo" {
			t.Errorf("UTF-16 text read as %q (len %d)", row.ColumnText(0), row.ColumnLen(0))
		}
		// As a blob, text comes in the database's encoding.
		if n := len(row.ColumnRawBytes(1)); n != 10 {
			t.Errorf("UTF-16 text as blob: %d bytes, want 10", n)
		}
	}
}
