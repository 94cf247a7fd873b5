package sqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// This file is the engine's side of virtual tables: the sqlite3_module
// method table and the trampolines SQLite calls through it.
//
// Each registered module owns a sqlite3_module (allocated with
// sqlite3_malloc, freed by the module's destructor) and a handle to its
// moduleState. Each sqlite3_vtab and sqlite3_vtab_cursor is allocated by us
// with room for a handle after the base struct; the handle leads to the
// Go state, and is freed with the struct on disconnect or close.
//
// The method table is the same for every Go module: capabilities are
// discovered on the VTab at run time, so methods of optional interfaces
// fall back to doing nothing (transactions, savepoints, rename,
// integrity) or to a read-only error (update).

type moduleState struct {
	conn *Conn
	name string
	mod  Module
	mem  uintptr // the sqlite3_module
}

type vtabState struct {
	conn      *Conn
	vt        VTab
	table     string
	overloads map[string]uintptr // handles of *overloadState, by name/nArg
}

type cursorState struct {
	vs   *vtabState
	cur  VTabCursor
	fc   FuncContext // reused by Column
	args []Value     // reused by Filter

	idxStrP uintptr // last idxStr seen by Filter, and its Go copy
	idxStr  string

	err error // a failure of EOF, reported by the next method that can
}

type overloadState struct {
	conn *Conn
	fn   func(fc *FuncContext, args []Value) error
}

// vtabMem and cursorMem are the C structs handed to SQLite.
type vtabMem struct {
	base lib.Tsqlite3_vtab
	h    uintptr
}

type cursorMem struct {
	base lib.Tsqlite3_vtab_cursor
	h    uintptr
}

var (
	sizeofModule    = reflect.TypeFor[lib.Tsqlite3_module]().Size()
	sizeofVTabMem   = reflect.TypeFor[vtabMem]().Size()
	sizeofCursorMem = reflect.TypeFor[cursorMem]().Size()
)

func (c *Conn) createModule(name string, m Module, creator, eponymousOnly bool) error {
	if err := c.check(); err != nil {
		return err
	}
	if m == nil {
		return Errorf(ErrMisuse, "nil Module for %q", name)
	}
	z := cstring(c.tls, name)
	if z == 0 {
		return Errorf(ErrNoMem, "out of memory registering module %q", name)
	}
	defer lib.Xsqlite3_free(c.tls, z)
	mem := lib.Xsqlite3_malloc64(c.tls, uint64(sizeofModule))
	if mem == 0 {
		return Errorf(ErrNoMem, "out of memory registering module %q", name)
	}
	mt := (*lib.Tsqlite3_module)(cptr(mem))
	*mt = goModule
	switch {
	case eponymousOnly:
		mt.FxCreate = 0
	case creator:
		mt.FxCreate = cfunc(vtabCreate)
	}
	ms := &moduleState{conn: c, name: name, mod: m, mem: mem}
	h := newHandle(ms)
	// On failure SQLite calls the destructor, which frees h and mem.
	if rc := lib.Xsqlite3_create_module_v2(c.tls, c.db, z, mem, h, cfunc(moduleDestroy)); rc != lib.SQLITE_OK {
		return c.errorCode(rc, "")
	}
	// SQLite does not expire statements compiled against a module it
	// replaces; cached ones would keep calling the old Go code.
	c.cache.clear()
	return nil
}

// goModule is the method table of every Go module; createModule adjusts
// xCreate.
var goModule = lib.Tsqlite3_module{
	FiVersion:      4,
	FxCreate:       cfunc(vtabConnect),
	FxConnect:      cfunc(vtabConnect),
	FxBestIndex:    cfunc(vtabBestIndex),
	FxDisconnect:   cfunc(vtabDisconnect),
	FxDestroy:      cfunc(vtabDestroy),
	FxOpen:         cfunc(vtabOpen),
	FxClose:        cfunc(vtabClose),
	FxFilter:       cfunc(vtabFilter),
	FxNext:         cfunc(vtabNext),
	FxEof:          cfunc(vtabEOF),
	FxColumn:       cfunc(vtabColumn),
	FxRowid:        cfunc(vtabRowID),
	FxUpdate:       cfunc(vtabUpdate),
	FxBegin:        cfunc(vtabBegin),
	FxSync:         cfunc(vtabSync),
	FxCommit:       cfunc(vtabCommit),
	FxRollback:     cfunc(vtabRollback),
	FxFindFunction: cfunc(vtabFindFunction),
	FxRename:       cfunc(vtabRename),
	FxSavepoint:    cfunc(vtabSavepoint),
	FxRelease:      cfunc(vtabRelease),
	FxRollbackTo:   cfunc(vtabRollbackTo),
	FxIntegrity:    cfunc(vtabIntegrity),
}

func moduleDestroy(tls *libc.TLS, pAux uintptr) {
	ms, _ := handleValue(pAux).(*moduleState)
	freeHandle(pAux)
	if ms != nil {
		lib.Xsqlite3_free(tls, ms.mem)
	}
}

// panicError turns a recovered panic into an error naming the method,
// wrapping a *PanicError as every callback's panic does.
func panicError(method string, r any) error {
	return fmt.Errorf("virtual table %s: %w", method, recoverAs(r))
}

// vtabErrMsg is the message SQLite shows for err: an *Error's own message
// rather than its full text, which the statement's *Error repeats.
func vtabErrMsg(err error) string {
	if e, ok := err.(*Error); ok && e.Msg != "" {
		if e.cause != nil {
			return e.Msg + ": " + e.cause.Error()
		}
		return e.Msg
	}
	return err.Error()
}

// vtabErrCode is the result code reported to SQLite for err.
func vtabErrCode(err error) int32 {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return lib.SQLITE_INTERRUPT
	}
	code := CodeOf(err)
	if code == 0 || code == lib.SQLITE_ROW || code == lib.SQLITE_DONE {
		code = ErrError
	}
	return int32(code)
}

// setErrMsg replaces the error message of the sqlite3_vtab at pVtab.
func setErrMsg(tls *libc.TLS, pVtab uintptr, msg string) {
	v := (*lib.Tsqlite3_vtab)(cptr(pVtab))
	if v.FzErrMsg != 0 {
		lib.Xsqlite3_free(tls, v.FzErrMsg)
	}
	v.FzErrMsg = cstring(tls, msg)
}

// fail reports err to SQLite as the error of the table at pVtab. report
// says whether SQLite passes the failure on to the statement (then err is
// recorded as the cause of the statement's error); withMsg whether SQLite
// also takes the table's error message (zErrMsg) after this method. A
// message SQLite does not take would linger and surface in a later,
// unrelated error, so it is not set.
func (vs *vtabState) fail(tls *libc.TLS, pVtab uintptr, err error, report, withMsg bool) int32 {
	if withMsg {
		setErrMsg(tls, pVtab, vtabErrMsg(err))
	}
	if report {
		vs.conn.setCallbackError(err)
	}
	return vtabErrCode(err)
}

func vtabOf(pVtab uintptr) *vtabState {
	vs, _ := handleValue((*vtabMem)(cptr(pVtab)).h).(*vtabState)
	return vs
}

func cursorOf(pCursor uintptr) *cursorState {
	cs, _ := handleValue((*cursorMem)(cptr(pCursor)).h).(*cursorState)
	return cs
}

var errGone = Errorf(ErrMisuse, "virtual table used after it was released")

// --- construction ---

func vtabConnect(tls *libc.TLS, db, pAux uintptr, argc int32, argv, ppVTab, pzErr uintptr) int32 {
	return vtabConstruct(tls, pAux, argc, argv, ppVTab, pzErr, false)
}

func vtabCreate(tls *libc.TLS, db, pAux uintptr, argc int32, argv, ppVTab, pzErr uintptr) int32 {
	return vtabConstruct(tls, pAux, argc, argv, ppVTab, pzErr, true)
}

func vtabConstruct(tls *libc.TLS, pAux uintptr, argc int32, argv, ppVTab, pzErr uintptr, create bool) (rc int32) {
	ms, _ := handleValue(pAux).(*moduleState)
	if ms == nil {
		writePtr(pzErr, cstring(tls, errGone.Error()))
		return lib.SQLITE_MISUSE
	}
	method := "Connect"
	if create {
		method = "Create"
	}
	var vt VTab
	var err error
	var args ModuleArgs
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = panicError(method, r)
			}
		}()
		strs := make([]string, argc)
		for i := range strs {
			strs[i] = gostring(readPtr(argv + uintptr(i)*8))
		}
		if len(strs) >= 3 {
			args = ModuleArgs{Module: strs[0], Schema: strs[1], Table: strs[2], Args: strs[3:]}
		}
		if create {
			vt, err = ms.mod.(ModuleCreator).Create(ms.conn, args)
		} else {
			vt, err = ms.mod.Connect(ms.conn, args)
		}
		if err == nil && vt == nil {
			err = Errorf(ErrMisuse, "module %s: %s returned a nil VTab", ms.name, method)
		}
	}()
	if err != nil {
		if dv, ok := vt.(DisconnectVTab); ok {
			func() {
				defer func() { recover() }()
				dv.Disconnect()
			}()
		}
		ms.conn.setCallbackError(err)
		writePtr(pzErr, cstring(tls, vtabErrMsg(err)))
		return vtabErrCode(err)
	}
	mem := lib.Xsqlite3_malloc64(tls, uint64(sizeofVTabMem))
	if mem == 0 {
		return lib.SQLITE_NOMEM
	}
	m := (*vtabMem)(cptr(mem))
	*m = vtabMem{h: newHandle(&vtabState{conn: ms.conn, vt: vt, table: args.Table})}
	writePtr(ppVTab, mem)
	return lib.SQLITE_OK
}

// release frees the table's Go state and C memory.
func (vs *vtabState) release(tls *libc.TLS, pVtab uintptr) {
	for _, h := range vs.overloads {
		freeHandle(h)
	}
	vs.overloads = nil
	m := (*vtabMem)(cptr(pVtab))
	freeHandle(m.h)
	if m.base.FzErrMsg != 0 {
		lib.Xsqlite3_free(tls, m.base.FzErrMsg)
	}
	lib.Xsqlite3_free(tls, pVtab)
}

func vtabDisconnect(tls *libc.TLS, pVtab uintptr) int32 {
	vs := vtabOf(pVtab)
	if vs == nil {
		return lib.SQLITE_OK
	}
	if dv, ok := vs.vt.(DisconnectVTab); ok {
		func() {
			// SQLite ignores the result of xDisconnect: the table is gone
			// whatever Disconnect says.
			defer func() { recover() }()
			dv.Disconnect()
		}()
	}
	vs.release(tls, pVtab)
	return lib.SQLITE_OK
}

func vtabDestroy(tls *libc.TLS, pVtab uintptr) (rc int32) {
	vs := vtabOf(pVtab)
	if vs == nil {
		return lib.SQLITE_OK
	}
	dv, ok := vs.vt.(DestroyVTab)
	if !ok {
		return vtabDisconnect(tls, pVtab)
	}
	defer func() {
		if r := recover(); r != nil {
			rc = vs.fail(tls, pVtab, panicError("Destroy", r), true, false)
		}
	}()
	if err := dv.Destroy(); err != nil {
		// The table stays: SQLite keeps it when xDestroy fails.
		return vs.fail(tls, pVtab, err, true, false)
	}
	vs.release(tls, pVtab)
	return lib.SQLITE_OK
}

// --- planning ---

func vtabBestIndex(tls *libc.TLS, pVtab, pInfo uintptr) (rc int32) {
	vs := vtabOf(pVtab)
	if vs == nil {
		setErrMsg(tls, pVtab, errGone.Error())
		return lib.SQLITE_MISUSE
	}
	defer func() {
		if r := recover(); r != nil {
			rc = vs.fail(tls, pVtab, panicError("BestIndex", r), true, true)
		}
	}()
	var info IndexInfo
	readIndexInfo(tls, pInfo, &info)
	defer func() { info.live.p = 0 }()
	err := vs.vt.BestIndex(&info)
	if err == nil {
		err = writeIndexInfo(tls, &info)
	}
	if err != nil {
		if errors.Is(err, ErrUnusablePlan) || CodeOf(err).Primary() == ErrConstraint {
			// Not a failure: SQLite tries another plan.
			return lib.SQLITE_CONSTRAINT
		}
		return vs.fail(tls, pVtab, err, true, true)
	}
	return lib.SQLITE_OK
}

// --- cursors ---

func vtabOpen(tls *libc.TLS, pVtab, ppCursor uintptr) (rc int32) {
	vs := vtabOf(pVtab)
	if vs == nil {
		setErrMsg(tls, pVtab, errGone.Error())
		return lib.SQLITE_MISUSE
	}
	defer func() {
		if r := recover(); r != nil {
			rc = vs.fail(tls, pVtab, panicError("Open", r), true, true)
		}
	}()
	cur, err := vs.vt.Open()
	if err == nil && cur == nil {
		err = Errorf(ErrMisuse, "virtual table %s: Open returned a nil cursor", vs.table)
	}
	if err != nil {
		return vs.fail(tls, pVtab, err, true, true)
	}
	mem := lib.Xsqlite3_malloc64(tls, uint64(sizeofCursorMem))
	if mem == 0 {
		cur.Close()
		return lib.SQLITE_NOMEM
	}
	cs := &cursorState{vs: vs, cur: cur, fc: FuncContext{conn: vs.conn, tls: tls}}
	*(*cursorMem)(cptr(mem)) = cursorMem{h: newHandle(cs)}
	writePtr(ppCursor, mem)
	return lib.SQLITE_OK
}

func vtabClose(tls *libc.TLS, pCursor uintptr) int32 {
	m := (*cursorMem)(cptr(pCursor))
	if cs, _ := handleValue(m.h).(*cursorState); cs != nil {
		func() {
			// SQLite ignores the result of xClose.
			defer func() { recover() }()
			cs.cur.Close()
		}()
	}
	freeHandle(m.h)
	lib.Xsqlite3_free(tls, pCursor)
	return lib.SQLITE_OK
}

// cursorFail reports err for the cursor's table.
func (cs *cursorState) fail(tls *libc.TLS, pCursor uintptr, err error) int32 {
	return cs.vs.fail(tls, (*cursorMem)(cptr(pCursor)).base.FpVtab, err, true, true)
}

func cursorGone(tls *libc.TLS, pCursor uintptr) int32 {
	setErrMsg(tls, (*cursorMem)(cptr(pCursor)).base.FpVtab, errGone.Error())
	return lib.SQLITE_MISUSE
}

func vtabFilter(tls *libc.TLS, pCursor uintptr, idxNum int32, idxStr uintptr, argc int32, argv uintptr) (rc int32) {
	cs := cursorOf(pCursor)
	if cs == nil {
		return cursorGone(tls, pCursor)
	}
	defer func() {
		if r := recover(); r != nil {
			rc = cs.fail(tls, pCursor, panicError("Filter", r))
		}
	}()
	cs.err = nil
	if idxStr != cs.idxStrP {
		// A cursor belongs to one statement, whose plan (and idxStr) does
		// not change while the cursor lives: copy the string once.
		cs.idxStrP, cs.idxStr = idxStr, gostring(idxStr)
	}
	cs.args = valuesAt(tls, cs.args, argv, int(argc))
	err := cs.cur.Filter(int(idxNum), cs.idxStr, cs.args)
	clear(cs.args)
	if err != nil {
		return cs.fail(tls, pCursor, err)
	}
	return lib.SQLITE_OK
}

func vtabNext(tls *libc.TLS, pCursor uintptr) (rc int32) {
	cs := cursorOf(pCursor)
	if cs == nil {
		return cursorGone(tls, pCursor)
	}
	if cs.err != nil {
		return cs.fail(tls, pCursor, cs.err)
	}
	defer func() {
		if r := recover(); r != nil {
			rc = cs.fail(tls, pCursor, panicError("Next", r))
		}
	}()
	if err := cs.cur.Next(); err != nil {
		return cs.fail(tls, pCursor, err)
	}
	return lib.SQLITE_OK
}

func vtabEOF(tls *libc.TLS, pCursor uintptr) (r int32) {
	cs := cursorOf(pCursor)
	if cs == nil {
		return 1
	}
	if cs.err != nil {
		return 0 // let the next method report it
	}
	defer func() {
		if p := recover(); p != nil {
			// xEof cannot fail: claim a row, so that SQLite calls a method
			// (Column, RowID or Next) that reports the panic.
			cs.err = panicError("EOF", p)
			r = 0
		}
	}()
	if cs.cur.EOF() {
		return 1
	}
	return 0
}

func vtabColumn(tls *libc.TLS, pCursor, ctx uintptr, i int32) (rc int32) {
	cs := cursorOf(pCursor)
	if cs == nil {
		return cursorGone(tls, pCursor)
	}
	if cs.err != nil {
		return cs.fail(tls, pCursor, cs.err)
	}
	defer func() {
		if r := recover(); r != nil {
			rc = cs.fail(tls, pCursor, panicError("Column", r))
		}
	}()
	cs.fc.tls, cs.fc.p = tls, ctx
	err := cs.cur.Column(&cs.fc, int(i))
	cs.fc.p = 0
	if err != nil {
		return cs.fail(tls, pCursor, err)
	}
	return lib.SQLITE_OK
}

func vtabRowID(tls *libc.TLS, pCursor, pRowid uintptr) (rc int32) {
	cs := cursorOf(pCursor)
	if cs == nil {
		return cursorGone(tls, pCursor)
	}
	if cs.err != nil {
		return cs.fail(tls, pCursor, cs.err)
	}
	defer func() {
		if r := recover(); r != nil {
			rc = cs.fail(tls, pCursor, panicError("RowID", r))
		}
	}()
	id, err := cs.cur.RowID()
	if err != nil {
		return cs.fail(tls, pCursor, err)
	}
	writeInt64(pRowid, id)
	return lib.SQLITE_OK
}

// --- changes ---

func vtabUpdate(tls *libc.TLS, pVtab uintptr, argc int32, argv, pRowid uintptr) (rc int32) {
	vs := vtabOf(pVtab)
	if vs == nil {
		setErrMsg(tls, pVtab, errGone.Error())
		return lib.SQLITE_MISUSE
	}
	uv, ok := vs.vt.(UpdateVTab)
	if !ok {
		return vs.fail(tls, pVtab, Errorf(ErrReadOnly, "virtual table %s is read-only", vs.table), true, true)
	}
	method := "Update"
	defer func() {
		if r := recover(); r != nil {
			rc = vs.fail(tls, pVtab, panicError(method, r), true, true)
		}
	}()
	args := valuesAt(tls, make([]Value, 0, argc), argv, int(argc))
	var err error
	switch {
	case argc == 1:
		method = "Delete"
		err = uv.Delete(args[0])
	case args[0].IsNull():
		method = "Insert"
		var id int64
		id, err = uv.Insert(args[1], args[2:])
		if err == nil {
			writeInt64(pRowid, id)
		}
	default:
		err = uv.Update(args[0], args[1], args[2:])
	}
	if err != nil {
		// Under INSERT OR IGNORE (and UPDATE OR IGNORE), SQLite drops a
		// constraint failure of a table with VTabConstraintSupport: the
		// error must not linger as the cause of a later one.
		report := !(CodeOf(err).Primary() == ErrConstraint && vs.conn.VTabOnConflict() == OnConflictIgnore)
		return vs.fail(tls, pVtab, err, report, true)
	}
	return lib.SQLITE_OK
}

// vtabCall runs one optional method of a table; report and withMsg are as
// for vtabState.fail.
func vtabCall(tls *libc.TLS, pVtab uintptr, method string, report, withMsg bool, call func(vs *vtabState) error) (rc int32) {
	vs := vtabOf(pVtab)
	if vs == nil {
		setErrMsg(tls, pVtab, errGone.Error())
		return lib.SQLITE_MISUSE
	}
	defer func() {
		if r := recover(); r != nil {
			rc = vs.fail(tls, pVtab, panicError(method, r), report, withMsg)
		}
	}()
	if err := call(vs); err != nil {
		return vs.fail(tls, pVtab, err, report, withMsg)
	}
	return lib.SQLITE_OK
}

func vtabBegin(tls *libc.TLS, pVtab uintptr) int32 {
	return vtabCall(tls, pVtab, "Begin", true, true, func(vs *vtabState) error {
		if tv, ok := vs.vt.(TxVTab); ok {
			return tv.Begin()
		}
		return nil
	})
}

func vtabSync(tls *libc.TLS, pVtab uintptr) int32 {
	return vtabCall(tls, pVtab, "Sync", true, true, func(vs *vtabState) error {
		if tv, ok := vs.vt.(TxVTab); ok {
			return tv.Sync()
		}
		return nil
	})
}

func vtabCommit(tls *libc.TLS, pVtab uintptr) int32 {
	return vtabCall(tls, pVtab, "Commit", false, false, func(vs *vtabState) error {
		if tv, ok := vs.vt.(TxVTab); ok {
			return tv.Commit()
		}
		return nil
	})
}

func vtabRollback(tls *libc.TLS, pVtab uintptr) int32 {
	return vtabCall(tls, pVtab, "Rollback", false, false, func(vs *vtabState) error {
		if tv, ok := vs.vt.(TxVTab); ok {
			return tv.Rollback()
		}
		return nil
	})
}

func vtabSavepoint(tls *libc.TLS, pVtab uintptr, n int32) int32 {
	return vtabCall(tls, pVtab, "Savepoint", true, false, func(vs *vtabState) error {
		if sv, ok := vs.vt.(SavepointVTab); ok {
			return sv.Savepoint(int(n))
		}
		return nil
	})
}

func vtabRelease(tls *libc.TLS, pVtab uintptr, n int32) int32 {
	return vtabCall(tls, pVtab, "Release", true, false, func(vs *vtabState) error {
		if sv, ok := vs.vt.(SavepointVTab); ok {
			return sv.Release(int(n))
		}
		return nil
	})
}

func vtabRollbackTo(tls *libc.TLS, pVtab uintptr, n int32) int32 {
	return vtabCall(tls, pVtab, "RollbackTo", true, false, func(vs *vtabState) error {
		if sv, ok := vs.vt.(SavepointVTab); ok {
			return sv.RollbackTo(int(n))
		}
		return nil
	})
}

func vtabRename(tls *libc.TLS, pVtab, zNew uintptr) int32 {
	return vtabCall(tls, pVtab, "Rename", true, true, func(vs *vtabState) error {
		rv, ok := vs.vt.(RenameVTab)
		if !ok {
			return nil
		}
		name := gostring(zNew)
		if err := rv.Rename(name); err != nil {
			return err
		}
		vs.table = name
		return nil
	})
}

func vtabIntegrity(tls *libc.TLS, pVtab, zSchema, zTab uintptr, flags int32, pzErr uintptr) int32 {
	return vtabCall(tls, pVtab, "Integrity", true, false, func(vs *vtabState) error {
		iv, ok := vs.vt.(IntegrityVTab)
		if !ok {
			return nil
		}
		problem, err := iv.Integrity(gostring(zSchema), gostring(zTab), flags&1 != 0)
		if err == nil && problem != "" {
			writePtr(pzErr, cstring(tls, problem))
		}
		return err
	})
}

// --- overloaded functions ---

func vtabFindFunction(tls *libc.TLS, pVtab uintptr, nArg int32, zName, pxFunc, ppArg uintptr) (r int32) {
	vs := vtabOf(pVtab)
	if vs == nil {
		return 0
	}
	ov, ok := vs.vt.(OverloadVTab)
	if !ok {
		return 0
	}
	defer func() {
		// xFindFunction cannot fail: a panic means "not overloaded".
		if p := recover(); p != nil {
			r = 0
		}
	}()
	name := gostring(zName)
	fn, op := ov.FindFunction(name, int(nArg))
	if fn == nil {
		return 0
	}
	key := name + "/" + strconv.Itoa(int(nArg))
	h, ok := vs.overloads[key]
	if ok {
		if st, _ := handleValue(h).(*overloadState); st != nil {
			st.fn = fn
		}
	} else {
		h = newHandle(&overloadState{conn: vs.conn, fn: fn})
		if vs.overloads == nil {
			vs.overloads = make(map[string]uintptr)
		}
		vs.overloads[key] = h
	}
	writePtr(pxFunc, cfunc(vtabOverloadCall))
	writePtr(ppArg, h)
	if op >= ConstraintFunction && op <= 255 {
		return int32(op)
	}
	return 1
}

func vtabOverloadCall(tls *libc.TLS, ctx uintptr, argc int32, argv uintptr) {
	fc := FuncContext{tls: tls, p: ctx}
	st, _ := handleValue(lib.Xsqlite3_user_data(tls, ctx)).(*overloadState)
	if st == nil {
		msg := errGone.Error()
		z := cstring(tls, msg)
		lib.Xsqlite3_result_error(tls, ctx, z, int32(len(msg)))
		lib.Xsqlite3_free(tls, z)
		return
	}
	fc.conn = st.conn
	defer func() {
		if r := recover(); r != nil {
			fc.ResultError(panicError("overloaded function", r))
		}
	}()
	args := valuesAt(tls, make([]Value, 0, argc), argv, int(argc))
	if err := st.fn(&fc, args); err != nil {
		fc.ResultError(err)
	}
}
