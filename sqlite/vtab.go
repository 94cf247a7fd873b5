package sqlite

import (
	"errors"
	"iter"
	"strconv"

	lib "modernc.org/sqlite/lib"
)

// Module makes the virtual tables of one kind: it is what CREATE VIRTUAL
// TABLE ... USING name refers to, once registered under name with
// Conn.CreateModule (https://sqlite.org/vtab.html).
//
// Virtual tables let Go code present data as a table that SQL can query
// and, optionally, modify. The pieces:
//
//   - a Module makes the tables: SQLite calls Connect (or
//     ModuleCreator.Create, for CREATE VIRTUAL TABLE) with the table's
//     arguments; the constructor declares the table's columns with
//     Conn.DeclareVTab, sets options with Conn.ConfigVTab, and returns a
//     VTab;
//   - a VTab plans scans (BestIndex) and opens cursors (Open); the optional
//     interfaces UpdateVTab, TxVTab, SavepointVTab, RenameVTab,
//     OverloadVTab, IntegrityVTab, DisconnectVTab and DestroyVTab add
//     capabilities, so a read-only table implements only VTab;
//   - a VTabCursor walks the rows of one scan: Filter starts it, Next and
//     EOF move through it, Column and RowID read the current row.
//
// Connect is called each time a connection needs the table: the first
// time a statement uses it, and for an eponymous table (a Module that is
// not a ModuleCreator) when a query names the module itself, as in
// SELECT * FROM name(1, 2). A Module that is not a ModuleCreator also
// serves CREATE VIRTUAL TABLE through Connect.
//
// Every method runs on the goroutine running the statement that needs it,
// and the connection's context (Conn.Context, FuncContext.Context) is the
// one of that call: long scans should watch it (SQLite also stops a scan
// between rows once the context ends). An error returned by any method
// fails the statement: the statement's *Error wraps it (errors.Is and
// errors.As see it) and, for most methods, SQLite's message is its text.
// A panic in any method is recovered and fails the statement the same way;
// the process and the connection survive. A few failures are ignored by
// SQLite, as documented on the methods concerned.
//
// Concurrency: a VTab and its cursors belong to the connection that
// connected them, and are called only from the goroutine driving that
// connection. A Module registered on several connections has Connect
// called from each of them, possibly at the same time: it must be safe
// for that, as must any state its tables share.
type Module interface {
	Connect(c *Conn, args ModuleArgs) (VTab, error)
}

// ModuleCreator is a Module whose tables have persistent state to create:
// CREATE VIRTUAL TABLE calls Create (instead of Connect) once, when the
// table is made, and DROP TABLE calls DestroyVTab.Destroy. A ModuleCreator's
// tables are never eponymous (https://sqlite.org/vtab.html#xcreate).
type ModuleCreator interface {
	Module
	Create(c *Conn, args ModuleArgs) (VTab, error)
}

// ModuleFunc adapts a function to the Module interface.
type ModuleFunc func(c *Conn, args ModuleArgs) (VTab, error)

// Connect calls f(c, args).
func (f ModuleFunc) Connect(c *Conn, args ModuleArgs) (VTab, error) { return f(c, args) }

// ModuleArgs describe the virtual table being made or connected: the
// argv of xCreate and xConnect (https://sqlite.org/vtab.html#xcreate).
type ModuleArgs struct {
	Module string   // the module's name as registered
	Schema string   // the database holding the table: "main", "temp" or an attached name
	Table  string   // the table's name (the module's name for an eponymous table)
	Args   []string // the arguments of CREATE VIRTUAL TABLE ... USING m(args), as written
}

// VTab is one virtual table of a connection
// (https://sqlite.org/c3ref/vtab.html). The zero set of optional
// interfaces makes a read-only table with no transaction support: INSERT,
// UPDATE and DELETE on it fail with ErrReadOnly.
type VTab interface {
	// BestIndex plans a scan: it reads the constraints and ORDER BY terms
	// of info, and says which it uses and at what cost (see IndexInfo).
	// Returning ErrUnusablePlan rejects this combination of usable
	// constraints, and SQLite tries another.
	// https://sqlite.org/vtab.html#xbestindex
	BestIndex(info *IndexInfo) error
	// Open makes a cursor for one scan. https://sqlite.org/vtab.html#xopen
	Open() (VTabCursor, error)
}

// VTabCursor is the state of one scan of a virtual table
// (https://sqlite.org/c3ref/vtab_cursor.html).
type VTabCursor interface {
	// Filter starts (or restarts) the scan. idxNum and idxStr are the
	// values BestIndex chose; args holds, in ArgvIndex order, the
	// right-hand values of the constraints BestIndex asked for. The Values
	// are valid only during the call. https://sqlite.org/vtab.html#xfilter
	Filter(idxNum int, idxStr string, args []Value) error
	// Next moves to the next row. https://sqlite.org/vtab.html#xnext
	Next() error
	// EOF reports whether the scan is past its last row. It cannot fail:
	// a cursor that meets an error while moving reports it from Next or
	// Filter. https://sqlite.org/vtab.html#xeof
	EOF() bool
	// Column sets the value of column i of the current row through fc's
	// Result methods (no call means NULL). During an UPDATE,
	// fc.NoChange reports that the column is not being changed, so an
	// expensive value need not be computed.
	// https://sqlite.org/vtab.html#xcolumn
	Column(fc *FuncContext, i int) error
	// RowID returns the rowid of the current row.
	// https://sqlite.org/vtab.html#xrowid
	RowID() (int64, error)
	// Close releases the cursor. Its error is not reported: SQLite ignores
	// it. https://sqlite.org/vtab.html#xclose
	Close() error
}

// UpdateVTab is a VTab that accepts INSERT, UPDATE and DELETE
// (https://sqlite.org/vtab.html#xupdate). Keys are rowids (Integer values),
// or the PRIMARY KEY of a WITHOUT ROWID table. cols holds the new values of
// all declared columns, hidden ones included, in declaration order; in an
// UPDATE, cols[i].NoChange() reports a column the statement does not
// change (its Value is then NULL). The Values are valid only during the
// call. After Conn.ConfigVTab(VTabConstraintSupport), Conn.VTabOnConflict
// tells which ON CONFLICT resolution applies to a constraint error.
type UpdateVTab interface {
	VTab
	// Insert adds a row. rowid is NULL when the statement gave none and the
	// table must choose one; Insert returns the rowid of the new row
	// (ignored for a WITHOUT ROWID table).
	Insert(rowid Value, cols []Value) (int64, error)
	// Update changes the row whose key is oldKey; its key becomes newKey
	// (equal to oldKey unless the statement sets the rowid or primary key).
	Update(oldKey, newKey Value, cols []Value) error
	// Delete removes the row whose key is key.
	Delete(key Value) error
}

// TxVTab is a VTab that takes part in transactions
// (https://sqlite.org/vtab.html#xBegin). Begin is called before the first
// change to the table in a transaction, Sync then Commit at commit
// (a Sync error aborts the commit), Rollback at rollback. Errors from
// Commit and Rollback are ignored by SQLite.
type TxVTab interface {
	VTab
	Begin() error
	Sync() error
	Commit() error
	Rollback() error
}

// SavepointVTab is a VTab that takes part in savepoints
// (https://sqlite.org/vtab.html#xsavepoint). Savepoint(n) marks the state
// at savepoint level n; RollbackTo(n) returns to it (keeping the mark);
// Release(n) forgets the marks at levels n and above.
type SavepointVTab interface {
	VTab
	Savepoint(n int) error
	Release(n int) error
	RollbackTo(n int) error
}

// RenameVTab is a VTab told about ALTER TABLE ... RENAME TO; an error
// stops the rename. https://sqlite.org/vtab.html#xrename
type RenameVTab interface {
	VTab
	Rename(newName string) error
}

// OverloadVTab is a VTab that overloads SQL functions whose first argument
// is one of its columns (https://sqlite.org/vtab.html#xfindfunction).
// FindFunction returns nil when it does not overload name with nArg
// arguments. When op is ConstraintFunction or above (at most 255) and the
// function takes two arguments, a WHERE term fn(column, expr) also reaches
// BestIndex as a constraint with that op.
type OverloadVTab interface {
	VTab
	FindFunction(name string, nArg int) (fn func(fc *FuncContext, args []Value) error, op ConstraintOp)
}

// IntegrityVTab is a VTab checked by PRAGMA integrity_check (and
// quick_check, with quick set). A non-empty problem is reported as a
// line of the pragma's output; an error fails the pragma.
// https://sqlite.org/vtab.html#xintegrity
type IntegrityVTab interface {
	VTab
	Integrity(schema, table string, quick bool) (problem string, err error)
}

// DisconnectVTab is a VTab with resources to release when the connection
// stops using it (closes, or drops its schema).
// https://sqlite.org/vtab.html#xdisconnect
type DisconnectVTab interface {
	VTab
	Disconnect() error
}

// DestroyVTab is a VTab whose persistent state DROP TABLE must delete.
// When Destroy fails the table is not dropped. A VTab that is not a
// DestroyVTab is disconnected on DROP TABLE instead.
// https://sqlite.org/vtab.html#xdestroy
type DestroyVTab interface {
	VTab
	Destroy() error
}

// ErrUnusablePlan, returned by VTab.BestIndex, rejects the plan SQLite
// offered: the constraints marked usable are not enough for the table (a
// table-valued function called without a required argument, say). SQLite
// then tries other plans, such as a join order that makes the argument
// available; if no plan is left the statement fails with "no query
// solution". It corresponds to returning SQLITE_CONSTRAINT from xBestIndex
// (https://sqlite.org/vtab.html#return_value).
var ErrUnusablePlan = errors.New("sqlite: virtual table cannot use this plan")

// CreateModule registers m under name on the connection. Tables made by a
// Module that is not a ModuleCreator are also eponymous: a query may use
// the module's name as a table, or as a table-valued function whose
// arguments set the HIDDEN columns in order (SELECT * FROM name(1, 10)).
// Registering a name again replaces the module for new tables.
//
// The connection keeps m until it closes; the module's tables are
// disconnected when it does.
//
// https://sqlite.org/c3ref/create_module.html
func (c *Conn) CreateModule(name string, m Module) error {
	_, creator := m.(ModuleCreator)
	return c.createModule(name, m, creator, false)
}

// CreateEponymousModule registers m under name as an eponymous-only module:
// its one table is the module itself, used as SELECT ... FROM name or as a
// table-valued function name(args), and CREATE VIRTUAL TABLE ... USING name
// fails. m.Connect is called with Table equal to name.
//
// https://sqlite.org/vtab.html#eponymous_only_virtual_tables
func (c *Conn) CreateEponymousModule(name string, m Module) error {
	return c.createModule(name, m, false, true)
}

// DropModule unregisters the module called name. Tables that use it stay
// usable until disconnected; creating new ones fails.
//
// https://sqlite.org/c3ref/create_module.html
func (c *Conn) DropModule(name string) error {
	if err := c.check(); err != nil {
		return err
	}
	z := cstring(c.tls, name)
	if z == 0 {
		return Errorf(ErrNoMem, "out of memory dropping module %q", name)
	}
	defer lib.Xsqlite3_free(c.tls, z)
	if rc := lib.Xsqlite3_create_module_v2(c.tls, c.db, z, 0, 0, 0); rc != lib.SQLITE_OK {
		return c.errorCode(rc, "")
	}
	c.cache.clear()
	return nil
}

// DeclareVTab declares the columns of the virtual table being connected
// or created, with a CREATE TABLE statement whose table name is ignored
// (https://sqlite.org/c3ref/declare_vtab.html). Columns marked HIDDEN are
// left out of SELECT * and become the parameters of a table-valued
// function, in order. It may only be called from Module.Connect or
// ModuleCreator.Create (ErrMisuse otherwise).
func (c *Conn) DeclareVTab(sql string) error {
	if err := c.check(); err != nil {
		return err
	}
	z := cstring(c.tls, sql)
	if z == 0 {
		return Errorf(ErrNoMem, "out of memory declaring virtual table")
	}
	defer lib.Xsqlite3_free(c.tls, z)
	if rc := lib.Xsqlite3_declare_vtab(c.tls, c.db, z); rc != lib.SQLITE_OK {
		return c.errorCode(rc, sql)
	}
	return nil
}

// VTabConfig is an option of the virtual table being connected
// (https://sqlite.org/c3ref/c_vtab_constraint_support.html).
type VTabConfig int

// Options for Conn.ConfigVTab.
const (
	// VTabConstraintSupport promises that UpdateVTab methods either make
	// no change or fail with ErrConstraint before changing anything, so
	// that SQLite can apply ON CONFLICT clauses (see Conn.VTabOnConflict).
	VTabConstraintSupport VTabConfig = lib.SQLITE_VTAB_CONSTRAINT_SUPPORT
	// VTabInnocuous allows the table in triggers, views and schema
	// structures even under PRAGMA trusted_schema=OFF: it has no side
	// effects and reveals nothing private.
	VTabInnocuous VTabConfig = lib.SQLITE_VTAB_INNOCUOUS
	// VTabDirectOnly forbids the table in triggers and views: only
	// top-level SQL may use it.
	VTabDirectOnly VTabConfig = lib.SQLITE_VTAB_DIRECTONLY
	// VTabUsesAllSchemas makes queries on the table lock every attached
	// database, for tables that read schemas other than their own.
	VTabUsesAllSchemas VTabConfig = lib.SQLITE_VTAB_USES_ALL_SCHEMAS
)

// ConfigVTab turns on options of the virtual table being connected or
// created. It may only be called from Module.Connect or
// ModuleCreator.Create (ErrMisuse otherwise).
//
// https://sqlite.org/c3ref/vtab_config.html
func (c *Conn) ConfigVTab(opts ...VTabConfig) error {
	if err := c.check(); err != nil {
		return err
	}
	va := c.tls.Alloc(8)
	defer c.tls.Free(8)
	for _, op := range opts {
		writeInt64(va, 1) // the int argument of SQLITE_VTAB_CONSTRAINT_SUPPORT; unread by the others
		if rc := lib.Xsqlite3_vtab_config(c.tls, c.db, int32(op), va); rc != lib.SQLITE_OK {
			return c.errorCode(rc, "")
		}
	}
	return nil
}

// OnConflict is an ON CONFLICT resolution (https://sqlite.org/lang_conflict.html).
type OnConflict int

// Conflict resolutions reported by Conn.VTabOnConflict.
const (
	OnConflictRollback OnConflict = lib.SQLITE_ROLLBACK
	OnConflictIgnore   OnConflict = lib.SQLITE_IGNORE
	OnConflictFail     OnConflict = lib.SQLITE_FAIL
	OnConflictAbort    OnConflict = lib.SQLITE_ABORT
	OnConflictReplace  OnConflict = lib.SQLITE_REPLACE
)

// String returns the resolution's SQL keyword, such as "REPLACE".
func (o OnConflict) String() string {
	switch o {
	case OnConflictRollback:
		return "ROLLBACK"
	case OnConflictIgnore:
		return "IGNORE"
	case OnConflictFail:
		return "FAIL"
	case OnConflictAbort:
		return "ABORT"
	case OnConflictReplace:
		return "REPLACE"
	}
	return "OnConflict(" + strconv.Itoa(int(o)) + ")"
}

// VTabOnConflict returns the ON CONFLICT resolution of the INSERT or UPDATE
// being run. It is meaningful only inside UpdateVTab methods of a table
// configured with VTabConstraintSupport.
//
// https://sqlite.org/c3ref/vtab_on_conflict.html
func (c *Conn) VTabOnConflict() OnConflict {
	if c.db == 0 {
		return OnConflictAbort
	}
	return OnConflict(lib.Xsqlite3_vtab_on_conflict(c.tls, c.db))
}

// NoChange reports, inside VTabCursor.Column, that the column is being read
// for an UPDATE that does not change it: Column may then set no result, and
// UpdateVTab.Update sees the column's Value with NoChange() true.
//
// https://sqlite.org/c3ref/vtab_nochange.html
func (fc *FuncContext) NoChange() bool {
	return fc.p != 0 && lib.Xsqlite3_vtab_nochange(fc.tls, fc.p) != 0
}

// InValues yields the values of the right-hand side of an IN constraint
// that BestIndex asked to receive all at once (IndexInfo.HandleIn); v is the
// Filter argument of that constraint. Each yielded Value is valid until the
// next one. A v that is not such a list yields one error (ErrMisuse).
//
// https://sqlite.org/c3ref/vtab_in_first.html
func (v Value) InValues() iter.Seq2[Value, error] {
	return func(yield func(Value, error) bool) {
		if v.p == 0 {
			yield(Value{}, Errorf(ErrMisuse, "value is not the list of an IN constraint"))
			return
		}
		out := lib.Xsqlite3_malloc(v.tls, 8)
		if out == 0 {
			yield(Value{}, Errorf(ErrNoMem, "out of memory reading IN values"))
			return
		}
		defer lib.Xsqlite3_free(v.tls, out)
		rc := lib.Xsqlite3_vtab_in_first(v.tls, v.p, out)
		for rc == lib.SQLITE_OK {
			if !yield(Value{tls: v.tls, p: readPtr(out)}, nil) {
				return
			}
			rc = lib.Xsqlite3_vtab_in_next(v.tls, v.p, out)
		}
		switch rc {
		case lib.SQLITE_DONE:
		case lib.SQLITE_ERROR, lib.SQLITE_MISUSE:
			yield(Value{}, Errorf(ErrMisuse, "value is not the list of an IN constraint"))
		default:
			yield(Value{}, Errorf(ErrorCode(rc), "reading IN values: %s", ErrorCode(rc).Error()))
		}
	}
}
