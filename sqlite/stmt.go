package sqlite

import (
	"math"
	"strconv"
	"strings"

	lib "modernc.org/sqlite/lib"
)

// Stmt is a prepared statement (https://sqlite.org/c3ref/stmt.html).
//
// A Stmt belongs to its [Conn] and shares its goroutine rule: one goroutine
// at a time. Parameters are numbered from 1, result columns from 0, as in
// the C API. Column accessors read the current row: they are valid after
// [Stmt.Step] returned true and until the next Step, [Stmt.Reset] or
// [Stmt.Close].
//
// Column accessors never fail: an index out of range or a closed statement
// reads as NULL. Everything that can fail returns an [*Error].
type Stmt struct {
	c      *Conn
	p      uintptr
	sql    string
	cached bool      // owned by the statement cache
	inUse  bool      // handed out by the cache and not yet returned
	params []uintptr // per-parameter buffers of small bound values (see paramBuf)
	names  []string  // column names, read once per compilation
	namesV int32     // reprepare count the names were read at
}

// PrepareFlags tune Prepare (https://sqlite.org/c3ref/c_prepare_normalize.html).
type PrepareFlags uint32

const (
	// PreparePersistent hints that the statement will be kept and reused.
	PreparePersistent PrepareFlags = lib.SQLITE_PREPARE_PERSISTENT
	// PrepareNoVTab makes preparing fail if the statement uses a virtual table.
	PrepareNoVTab PrepareFlags = lib.SQLITE_PREPARE_NO_VTAB
)

// Prepare compiles the single SQL statement in sql. It fails if sql holds no
// statement or more than one; use PrepareTail for scripts, or Exec.
// The caller closes the statement.
//
// https://sqlite.org/c3ref/prepare.html
func (c *Conn) Prepare(sql string) (*Stmt, error) {
	s, tail, err := c.PrepareTail(sql, 0)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, Errorf(ErrMisuse, "no SQL statement to prepare").in(sql, -1)
	}
	if !blank(tail) {
		s.Close()
		return nil, Errorf(ErrMisuse, "more than one statement (use Exec or PrepareTail)").in(sql, len(sql)-len(tail))
	}
	return s, nil
}

// PrepareTail compiles the first SQL statement in sql and returns it with
// the unused rest of sql. The statement is nil (and the error too) when sql
// holds only white space and comments.
func (c *Conn) PrepareTail(sql string, flags PrepareFlags) (s *Stmt, tail string, err error) {
	if err := c.check(); err != nil {
		return nil, "", err
	}
	if err := c.ctxErr(); err != nil {
		if blank(sql) {
			// Nothing left to run: the end of a script whose last
			// statement completed as the context ended is no failure.
			return nil, "", nil
		}
		// Preparing runs Go code too (virtual table constructors); like
		// Step, it does not start once the context has ended.
		return nil, "", Errorf(ErrInterrupt, "interrupted: %w", err).in(sql, -1)
	}
	if len(sql) > math.MaxInt32-1 {
		return nil, "", Errorf(ErrTooBig, "SQL text too long")
	}
	if i := strings.IndexByte(sql, 0); i >= 0 {
		// SQLite would read up to it and ignore the rest, unseen.
		return nil, "", Errorf(ErrMisuse, "SQL text holds a NUL byte").in(sql, i)
	}
	// A virtual table's constructor may prepare statements while the outer
	// prepare still reads its SQL, so a nested prepare gets its own copy.
	var z uintptr
	if c.inPrepare {
		z = cstring(c.tls, sql)
		defer lib.Xsqlite3_free(c.tls, z)
	} else {
		z = c.sqlbuf.cstr(c.tls, sql)
		c.inPrepare = true
		defer func() { c.inPrepare = false }()
	}
	if z == 0 {
		return nil, "", Errorf(ErrNoMem, "out of memory preparing statement")
	}
	out := c.tls.Alloc(16)
	defer c.tls.Free(16)
	rc := lib.Xsqlite3_prepare_v3(c.tls, c.db, z, int32(len(sql)+1), uint32(flags), out, out+8)
	p := readPtr(out)
	used := int(readPtr(out+8) - z)
	if used < 0 || used > len(sql) {
		used = len(sql)
	}
	if rc != lib.SQLITE_OK {
		if p != 0 {
			lib.Xsqlite3_finalize(c.tls, p)
		}
		return nil, "", c.errorCode(rc, sql)
	}
	if p == 0 {
		return nil, sql[used:], nil
	}
	s = &Stmt{c: c, p: p, sql: strings.TrimSpace(sql[:used])}
	c.stmts[s] = struct{}{}
	return s, sql[used:], nil
}

// blank reports whether sql holds only white space, comments and semicolons.
func blank(sql string) bool {
	for i := 0; i < len(sql); {
		switch ch := sql[i]; {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v' || ch == ';':
			i++
		case ch == '-' && i+1 < len(sql) && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return true
			}
			i += j + 1
		case ch == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return true
			}
			i += j + 4
		default:
			return false
		}
	}
	return true
}

// Close finalizes the statement. A statement that came from the cache (Prep)
// is instead reset, its bindings cleared, and kept for reuse: the next Prep
// of the same SQL returns this very *Stmt, so after Close the caller must
// not use it, nor close it again once another Prep may have taken it.
// Closing twice in a row is harmless. https://sqlite.org/c3ref/finalize.html
func (s *Stmt) Close() error {
	if s == nil || s.p == 0 {
		return nil
	}
	if s.cached {
		if !s.inUse {
			return nil // closed already: it may wait in the cache for its next user
		}
		s.inUse = false
		lib.Xsqlite3_reset(s.c.tls, s.p)
		lib.Xsqlite3_clear_bindings(s.c.tls, s.p)
		s.c.dropCallbackError()
		return nil
	}
	return s.finalize()
}

func (s *Stmt) finalize() error {
	if s.p == 0 {
		return nil
	}
	lib.Xsqlite3_finalize(s.c.tls, s.p)
	s.c.dropCallbackError()
	s.p = 0
	s.freeParams()
	delete(s.c.stmts, s)
	return nil
}

func (s *Stmt) check() error {
	if s == nil || s.p == 0 {
		return closedError("statement")
	}
	return nil
}

// Conn returns the connection the statement belongs to.
func (s *Stmt) Conn() *Conn { return s.c }

// SQL returns the statement's text. https://sqlite.org/c3ref/expanded_sql.html
func (s *Stmt) SQL() string { return s.sql }

// ExpandedSQL returns the statement's text with its bound parameters
// substituted. https://sqlite.org/c3ref/expanded_sql.html
func (s *Stmt) ExpandedSQL() string {
	if s.p == 0 {
		return ""
	}
	p := lib.Xsqlite3_expanded_sql(s.c.tls, s.p)
	defer lib.Xsqlite3_free(s.c.tls, p)
	return gostring(p)
}

// ReadOnly reports whether the statement makes no direct change to the
// database. https://sqlite.org/c3ref/stmt_readonly.html
func (s *Stmt) ReadOnly() bool {
	return s.p != 0 && lib.Xsqlite3_stmt_readonly(s.c.tls, s.p) != 0
}

// Busy reports whether the statement has been stepped and not yet reset or
// run to completion. https://sqlite.org/c3ref/stmt_busy.html
func (s *Stmt) Busy() bool {
	return s.p != 0 && lib.Xsqlite3_stmt_busy(s.c.tls, s.p) != 0
}

// IsExplain returns 1 for an EXPLAIN statement, 2 for EXPLAIN QUERY PLAN and
// 0 otherwise. https://sqlite.org/c3ref/stmt_isexplain.html
func (s *Stmt) IsExplain() int {
	if s.p == 0 {
		return 0
	}
	return int(lib.Xsqlite3_stmt_isexplain(s.c.tls, s.p))
}

// Step advances the statement to its next row, reporting whether there is
// one. After the last row it returns false, nil; the statement can then be
// Reset and run again. On error the statement is reset.
//
// If the connection's context (SetContext) has ended, Step does not start
// and fails with an *Error wrapping the context's error.
//
// https://sqlite.org/c3ref/step.html
func (s *Stmt) Step() (bool, error) {
	if s.p == 0 {
		return false, closedError("statement")
	}
	c := s.c
	if c.done != nil {
		select {
		case <-c.done:
			lib.Xsqlite3_reset(c.tls, s.p)
			return false, Errorf(ErrInterrupt, "interrupted: %w", c.ctx.Err()).in(s.sql, -1)
		default:
		}
	}
	rc := s.step(c)
	switch rc {
	case lib.SQLITE_ROW:
		return true, nil
	case lib.SQLITE_DONE:
		return false, nil
	default:
		err := c.errorCode(rc, s.sql)
		lib.Xsqlite3_reset(c.tls, s.p)
		return false, err
	}
}

// step runs sqlite3_step. A Go callback may end the goroutine in the
// middle of it (runtime.Goexit, as t.FailNow does), and another goroutine
// then use the connection: the deferred function keeps depth right and
// fails the statement, as an error of its own would, so that resetting it
// undoes its changes rather than committing them, and releases its locks.
func (s *Stmt) step(c *Conn) int32 {
	c.depth++
	outer := c.stepping
	c.stepping = s.p
	returned := false
	defer func() {
		c.depth--
		c.stepping = outer
		if returned {
			return
		}
		if p := recover(); p != nil {
			// Callbacks recover their panics: this one is the engine's or
			// the binding's own, and the statement is left as it is.
			panic(p)
		}
		vdbeOf(s.p).Frc = lib.SQLITE_ABORT
		lib.Xsqlite3_reset(c.tls, s.p)
	}()
	rc := lib.Xsqlite3_step(c.tls, s.p)
	returned = true
	return rc
}

// Reset rewinds the statement so it can run again; bindings are kept.
// It reports nothing about the previous run (Step already did).
// https://sqlite.org/c3ref/reset.html
func (s *Stmt) Reset() error {
	if s.p == 0 {
		return closedError("statement")
	}
	lib.Xsqlite3_reset(s.c.tls, s.p)
	s.c.dropCallbackError()
	return nil
}

// Exec runs the statement to completion with args bound (see Bind), ignoring
// any rows, then resets it.
func (s *Stmt) Exec(args ...any) error {
	if err := s.check(); err != nil {
		return err
	}
	lib.Xsqlite3_reset(s.c.tls, s.p)
	if len(args) > 0 {
		if err := s.Bind(args...); err != nil {
			return err
		}
	}
	for {
		row, err := s.Step()
		if err != nil {
			return err
		}
		if !row {
			break
		}
	}
	lib.Xsqlite3_reset(s.c.tls, s.p)
	return nil
}

// ColumnCount returns the number of result columns.
// https://sqlite.org/c3ref/column_count.html
func (s *Stmt) ColumnCount() int {
	if s.p == 0 {
		return 0
	}
	return int(lib.Xsqlite3_column_count(s.c.tls, s.p))
}

// DataCount returns the number of columns in the current row (0 if none).
// https://sqlite.org/c3ref/data_count.html
func (s *Stmt) DataCount() int {
	if s.p == 0 {
		return 0
	}
	return int(lib.Xsqlite3_data_count(s.c.tls, s.p))
}

// ColumnName returns the name of column i. https://sqlite.org/c3ref/column_name.html
func (s *Stmt) ColumnName(i int) string {
	names := s.ColumnNames()
	if i < 0 || i >= len(names) {
		return ""
	}
	return names[i]
}

// ColumnNames returns the names of all result columns. The slice is shared:
// do not modify it.
func (s *Stmt) ColumnNames() []string {
	if s.p == 0 {
		return nil
	}
	// A schema change recompiles the statement, which may change its
	// columns (SELECT * after ALTER TABLE): read them again then.
	v := lib.Xsqlite3_stmt_status(s.c.tls, s.p, lib.SQLITE_STMTSTATUS_REPREPARE, 0)
	if s.names == nil || v != s.namesV {
		n := int(lib.Xsqlite3_column_count(s.c.tls, s.p))
		s.names = make([]string, n)
		for i := range n {
			s.names[i] = gostring(lib.Xsqlite3_column_name(s.c.tls, s.p, int32(i)))
		}
		s.namesV = v
	}
	return s.names
}

// ColumnIndex returns the index of the first column named name, or -1.
func (s *Stmt) ColumnIndex(name string) int {
	for i, n := range s.ColumnNames() {
		if n == name {
			return i
		}
	}
	return -1
}

// ColumnDeclType returns the declared type of column i, "" for an expression.
// https://sqlite.org/c3ref/column_decltype.html
func (s *Stmt) ColumnDeclType(i int) string {
	if s.p == 0 {
		return ""
	}
	return gostring(lib.Xsqlite3_column_decltype(s.c.tls, s.p, int32(i)))
}

// ColumnDatabaseName, ColumnTableName and ColumnOriginName return the schema,
// table and column that column i comes from, "" for an expression.
// https://sqlite.org/c3ref/column_database_name.html
func (s *Stmt) ColumnDatabaseName(i int) string {
	if s.p == 0 {
		return ""
	}
	return gostring(lib.Xsqlite3_column_database_name(s.c.tls, s.p, int32(i)))
}

// ColumnTableName: see ColumnDatabaseName.
func (s *Stmt) ColumnTableName(i int) string {
	if s.p == 0 {
		return ""
	}
	return gostring(lib.Xsqlite3_column_table_name(s.c.tls, s.p, int32(i)))
}

// ColumnOriginName: see ColumnDatabaseName.
func (s *Stmt) ColumnOriginName(i int) string {
	if s.p == 0 {
		return ""
	}
	return gostring(lib.Xsqlite3_column_origin_name(s.c.tls, s.p, int32(i)))
}

// ColumnType is the storage class of a value (https://sqlite.org/datatype3.html).
type ColumnType int

// Storage classes.
const (
	Integer ColumnType = lib.SQLITE_INTEGER
	Float   ColumnType = lib.SQLITE_FLOAT
	Text    ColumnType = lib.SQLITE_TEXT
	Blob    ColumnType = lib.SQLITE_BLOB
	Null    ColumnType = lib.SQLITE_NULL
)

func (t ColumnType) String() string {
	switch t {
	case Integer:
		return "INTEGER"
	case Float:
		return "FLOAT"
	case Text:
		return "TEXT"
	case Blob:
		return "BLOB"
	case Null:
		return "NULL"
	}
	return "ColumnType(" + strconv.Itoa(int(t)) + ")"
}

// ColumnType returns the storage class of column i in the current row.
// https://sqlite.org/c3ref/column_blob.html
func (s *Stmt) ColumnType(i int) ColumnType {
	if s.p == 0 {
		return Null
	}
	if m := resultMem(s.p, i); m != nil {
		if t, ok := memType(m); ok {
			return t
		}
	}
	return ColumnType(lib.Xsqlite3_column_type(s.c.tls, s.p, int32(i)))
}

// The fast paths below read a Mem (the engine's sqlite3_value) directly in
// the cases where the C API would return its fields unchanged; every other
// case, conversions included, goes through the C API.

// memTypeMask selects the type bits of a Mem's flags (MEM_AffMask).
const memTypeMask = lib.MEM_Null | lib.MEM_Str | lib.MEM_Int | lib.MEM_Real | lib.MEM_Blob | lib.MEM_IntReal

// memType returns the storage class of a Mem holding exactly one type.
func memType(m *lib.TMem) (ColumnType, bool) {
	switch m.Fflags & memTypeMask {
	case lib.MEM_Null:
		return Null, true
	case lib.MEM_Int:
		return Integer, true
	case lib.MEM_Real, lib.MEM_IntReal:
		return Float, true
	case lib.MEM_Str:
		return Text, true
	case lib.MEM_Blob:
		return Blob, true
	}
	return 0, false
}

// memIsText reports whether m holds UTF-8 text as is.
func memIsText(m *lib.TMem) bool {
	return m.Fflags&(lib.MEM_Str|lib.MEM_Zero) == lib.MEM_Str && m.Fenc == lib.SQLITE_UTF8
}

// memIsBytes reports whether m's bytes are its blob (or text) as is.
func memIsBytes(m *lib.TMem) bool {
	return m.Fflags&(lib.MEM_Blob|lib.MEM_Str) != 0 && m.Fflags&lib.MEM_Zero == 0
}

// memHasLen reports whether m.Fn is the length sqlite3_value_bytes reports.
func memHasLen(m *lib.TMem) bool {
	return m.Fflags&lib.MEM_Zero == 0 && (m.Fflags&lib.MEM_Blob != 0 || m.Fflags&lib.MEM_Str != 0 && m.Fenc == lib.SQLITE_UTF8)
}

// ColumnInt64 returns column i as an integer, converting as SQLite does.
func (s *Stmt) ColumnInt64(i int) int64 {
	if s.p == 0 {
		return 0
	}
	if m := resultMem(s.p, i); m != nil && m.Fflags&(lib.MEM_Int|lib.MEM_IntReal) != 0 {
		return memInt64(m)
	}
	return lib.Xsqlite3_column_int64(s.c.tls, s.p, int32(i))
}

// ColumnInt returns column i as an int.
func (s *Stmt) ColumnInt(i int) int { return int(s.ColumnInt64(i)) }

// ColumnBool reports whether column i is a non-zero integer.
func (s *Stmt) ColumnBool(i int) bool { return s.ColumnInt64(i) != 0 }

// ColumnFloat returns column i as a float64.
func (s *Stmt) ColumnFloat(i int) float64 {
	if s.p == 0 {
		return 0
	}
	if m := resultMem(s.p, i); m != nil {
		if m.Fflags&lib.MEM_Real != 0 {
			return m.Fu.Fr
		}
		if m.Fflags&(lib.MEM_Int|lib.MEM_IntReal) != 0 {
			return float64(memInt64(m))
		}
	}
	return lib.Xsqlite3_column_double(s.c.tls, s.p, int32(i))
}

// ColumnText returns column i as a string (one allocation, none for "").
func (s *Stmt) ColumnText(i int) string {
	if s.p == 0 {
		return ""
	}
	if m := resultMem(s.p, i); m != nil && memIsText(m) {
		return gostringN(m.Fz, int(m.Fn))
	}
	// Read the text before its length: converting to text can change it.
	p := lib.Xsqlite3_column_text(s.c.tls, s.p, int32(i))
	n := lib.Xsqlite3_column_bytes(s.c.tls, s.p, int32(i))
	return gostringN(p, int(n))
}

// ColumnBytes appends the bytes of column i (as a blob) to dst and returns
// the result; with a large enough dst it does not allocate.
func (s *Stmt) ColumnBytes(i int, dst []byte) []byte {
	return append(dst, s.ColumnRawBytes(i)...)
}

// ColumnRawBytes returns the bytes of column i without copying them. The
// slice points into SQLite's memory: it is valid only until the next Step,
// Reset or Close, or another access to column i, and must not be modified.
func (s *Stmt) ColumnRawBytes(i int) []byte {
	if s.p == 0 {
		return nil
	}
	if m := resultMem(s.p, i); m != nil && memIsBytes(m) {
		return cbytes(m.Fz, int(m.Fn))
	}
	p := lib.Xsqlite3_column_blob(s.c.tls, s.p, int32(i))
	n := lib.Xsqlite3_column_bytes(s.c.tls, s.p, int32(i))
	return cbytes(p, int(n))
}

// ColumnLen returns the size in bytes of column i as text or blob.
func (s *Stmt) ColumnLen(i int) int {
	if s.p == 0 {
		return 0
	}
	if m := resultMem(s.p, i); m != nil && memHasLen(m) {
		return int(m.Fn)
	}
	return int(lib.Xsqlite3_column_bytes(s.c.tls, s.p, int32(i)))
}

// ColumnValue returns column i as int64, float64, string, []byte or nil,
// following its storage class.
func (s *Stmt) ColumnValue(i int) any {
	switch s.ColumnType(i) {
	case Integer:
		return s.ColumnInt64(i)
	case Float:
		return s.ColumnFloat(i)
	case Text:
		return s.ColumnText(i)
	case Blob:
		return s.ColumnBytes(i, []byte{})
	}
	return nil
}
