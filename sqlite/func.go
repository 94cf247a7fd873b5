package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// FuncFlags describe an SQL function to the query planner and to the
// security checks.
//
// https://sqlite.org/c3ref/c_deterministic.html
type FuncFlags int

// Function flags; combine them with |.
const (
	// Deterministic promises that the function always gives the same result
	// for the same arguments, which lets SQLite factor calls out of loops and
	// use the function in indexes, CHECK constraints and generated columns.
	Deterministic FuncFlags = lib.SQLITE_DETERMINISTIC
	// DirectOnly forbids use of the function from triggers, views, CHECK
	// constraints, generated columns and index expressions: only SQL the
	// application runs directly may call it. Use it for functions with side
	// effects, so a crafted schema cannot call them.
	DirectOnly FuncFlags = lib.SQLITE_DIRECTONLY
	// Innocuous declares that the function has no side effects and leaks no
	// information, so it may be used from the schema even under
	// trusted_schema=OFF.
	Innocuous FuncFlags = lib.SQLITE_INNOCUOUS
	// SubtypeFlag declares that the function reads the subtype of its
	// arguments (Value.SubType).
	SubtypeFlag FuncFlags = lib.SQLITE_SUBTYPE
	// ResultSubtypeFlag declares that the function may set the subtype of its
	// result (FuncContext.ResultSubType).
	ResultSubtypeFlag FuncFlags = lib.SQLITE_RESULT_SUBTYPE
	// SelfOrder1 declares an aggregate whose result depends on the order of
	// its input only through its first argument (for aggregates that accept
	// an ORDER BY).
	SelfOrder1 FuncFlags = lib.SQLITE_SELFORDER1
)

const allFuncFlags = Deterministic | DirectOnly | Innocuous | SubtypeFlag | ResultSubtypeFlag | SelfOrder1

// Limits on what can be registered. SQLite refuses longer names and defines
// its behaviour only for argument counts from -1 to 127.
const (
	maxFuncName = 255
	maxFuncArgs = 127
)

// ScalarFunc is the Go body of a scalar SQL function. It reads its
// arguments, sets its result with one of fc's Result methods (NULL when it
// sets none) and returns nil, or returns an error to fail the statement.
//
// fc and args are valid only during the call; copy what must outlive it
// (Value.Text, Bytes and Any copy). The function runs on the goroutine
// that is stepping the statement; fc.Context() is that caller's context.
//
// https://sqlite.org/appfunc.html
type ScalarFunc func(fc *FuncContext, args []Value) error

// AggregateFunc is one running computation of an aggregate SQL function:
// SQLite creates one (through the constructor given to CreateAggregate)
// for each group of rows, calls Step for each row of the group, then Final
// once to set the result.
//
// Final is also called for a group that had no rows (a fresh instance, no
// Step), and when a statement is reset or closed before the group was
// complete: its result is then discarded. An error from Step or Final (or a
// panic) fails the statement; after a failed Step, Final is not called.
//
// https://sqlite.org/c3ref/aggregate_context.html
type AggregateFunc interface {
	Step(fc *FuncContext, args []Value) error
	Final(fc *FuncContext) error
}

// WindowFunc is an aggregate that can also be used as an aggregate window
// function (https://sqlite.org/windowfunctions.html#udfwinfunc): Value sets
// the result for the current window without ending the computation, and
// Inverse removes a row that left the window (the oldest row Step added).
//
// https://sqlite.org/c3ref/create_function.html
type WindowFunc interface {
	AggregateFunc
	Value(fc *FuncContext) error
	Inverse(fc *FuncContext, args []Value) error
}

// funcState holds the Go functions and collations registered on a
// connection: the handles handed to SQLite as user data, each freed by
// SQLite's destructor callback when the registration is replaced, removed
// or the connection closes.
type funcState struct {
	live map[uintptr]struct{}
}

func (f *funcState) add(h uintptr) {
	if f.live == nil {
		f.live = make(map[uintptr]struct{})
	}
	f.live[h] = struct{}{}
}

// drop forgets and frees h if it is still registered.
func (f *funcState) drop(h uintptr) {
	if _, ok := f.live[h]; ok {
		delete(f.live, h)
		freeHandle(h)
	}
}

// release frees whatever SQLite did not destroy while closing (nothing,
// normally: closing the connection runs every destructor).
func (f *funcState) release() {
	for h := range f.live {
		freeHandle(h)
	}
	f.live = nil
}

// funcEntry is the user data of one registered function.
type funcEntry struct {
	conn   *Conn
	name   string
	scalar ScalarFunc
	newAgg func() AggregateFunc
	newWin func() WindowFunc

	// Reused by the outermost call so a call does not allocate; a nested
	// call of the same function (from SQL it runs itself) gets its own.
	busy bool
	fc   FuncContext
	args []Value
}

// aggInstance is the user data of one group's aggregate computation,
// referenced from the group's sqlite3_aggregate_context.
type aggInstance struct {
	agg    AggregateFunc
	win    WindowFunc
	failed bool
}

// CreateFunction registers fn as the scalar SQL function name taking nArg
// arguments (-1: any number, up to the connection's LimitFunctionArg),
// replacing any function of that name and argument count on this
// connection, built-in ones included. A nil fn removes the function.
//
// The function runs on the goroutine stepping the statement that calls it;
// FuncContext.Context is that call's context (Conn.SetContext). An error
// returned by fn, or a panic in it, fails the statement: the statement's
// *Error names the function and wraps the error (errors.Is and errors.As
// see it); an error carrying an ErrorCode sets the statement's code, and a
// context error makes it ErrInterrupt (and wraps the context's error). The
// connection stays usable.
//
// Errors: ErrMisuse for an empty name, one longer than 255 bytes or holding
// a NUL byte, or unknown flags; ErrRange for nArg outside -1..127; ErrClosed
// (wrapped) on a closed connection; ErrBusy when it would replace a
// function of the same name and number of arguments while a statement is
// running (SQLite cannot replace one then; a new name is fine).
//
// https://sqlite.org/c3ref/create_function.html
func (c *Conn) CreateFunction(name string, nArg int, flags FuncFlags, fn ScalarFunc) error {
	var e *funcEntry
	if fn != nil {
		e = &funcEntry{conn: c, name: name, scalar: fn}
	}
	return c.createFunction(name, nArg, flags, e)
}

// CreateAggregate registers an aggregate SQL function: newAgg is called
// once per group to create the AggregateFunc that receives that group's
// rows. nArg, flags, errors and the replacement rule are those of
// CreateFunction; a nil newAgg removes the function. SQLite refuses it in
// an OVER clause: register a WindowFunc with CreateWindowFunction for that.
//
// https://sqlite.org/c3ref/create_function.html
func (c *Conn) CreateAggregate(name string, nArg int, flags FuncFlags, newAgg func() AggregateFunc) error {
	var e *funcEntry
	if newAgg != nil {
		e = &funcEntry{conn: c, name: name, newAgg: newAgg}
	}
	return c.createFunction(name, nArg, flags, e)
}

// CreateWindowFunction registers an aggregate window function: newWin is
// called once per group or partition to create the WindowFunc that
// receives its rows. Outside an OVER clause it works as a plain aggregate.
// nArg, flags, errors and the replacement rule are those of CreateFunction;
// a nil newWin removes the function.
//
// https://sqlite.org/c3ref/create_function.html
func (c *Conn) CreateWindowFunction(name string, nArg int, flags FuncFlags, newWin func() WindowFunc) error {
	var e *funcEntry
	if newWin != nil {
		e = &funcEntry{conn: c, name: name, newWin: newWin}
	}
	return c.createFunction(name, nArg, flags, e)
}

// checkName validates the name of a function or collation.
func checkName(what, name string) error {
	switch {
	case name == "":
		return Errorf(ErrMisuse, "%s name is empty", what)
	case len(name) > maxFuncName:
		return Errorf(ErrMisuse, "%s name is %d bytes long, more than %d", what, len(name), maxFuncName)
	case strings.IndexByte(name, 0) >= 0:
		return Errorf(ErrMisuse, "%s name %q holds a NUL byte", what, name)
	}
	return nil
}

func (c *Conn) createFunction(name string, nArg int, flags FuncFlags, e *funcEntry) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := checkName("function", name); err != nil {
		return err
	}
	if nArg < -1 || nArg > maxFuncArgs {
		return Errorf(ErrRange, "function %s: argument count %d is outside -1..%d", name, nArg, maxFuncArgs)
	}
	if flags&^allFuncFlags != 0 {
		return Errorf(ErrMisuse, "function %s: unknown flags %#x", name, int(flags&^allFuncFlags))
	}
	z := c.buf.cstr(c.tls, name)
	if z == 0 {
		return Errorf(ErrNoMem, "out of memory registering function %s", name)
	}
	enc := int32(flags) | lib.SQLITE_UTF8
	var rc int32
	switch {
	case e == nil:
		rc = lib.Xsqlite3_create_function_v2(c.tls, c.db, z, int32(nArg), enc, 0, 0, 0, 0, 0)
	default:
		h := newHandle(e)
		c.funcs.add(h)
		if e.scalar != nil {
			rc = lib.Xsqlite3_create_function_v2(c.tls, c.db, z, int32(nArg), enc, h,
				cfunc(funcScalarTrampoline), 0, 0, cfunc(funcDestroyTrampoline))
		} else if e.newAgg != nil {
			rc = lib.Xsqlite3_create_function_v2(c.tls, c.db, z, int32(nArg), enc, h,
				0, cfunc(funcStepTrampoline), cfunc(funcFinalTrampoline), cfunc(funcDestroyTrampoline))
		} else {
			rc = lib.Xsqlite3_create_window_function(c.tls, c.db, z, int32(nArg), enc, h,
				cfunc(funcStepTrampoline), cfunc(funcFinalTrampoline),
				cfunc(funcValueTrampoline), cfunc(funcInverseTrampoline), cfunc(funcDestroyTrampoline))
		}
		if rc != lib.SQLITE_OK {
			// SQLite runs the destructor when registering fails; this
			// only matters if a future version stops doing so.
			c.funcs.drop(h)
		}
	}
	if rc != lib.SQLITE_OK {
		return c.errorCode(rc, "")
	}
	return nil
}

// funcDestroyTrampoline is SQLite's xDestroy for functions and collations:
// the registration holding handle h is gone.
func funcDestroyTrampoline(tls *libc.TLS, h uintptr) {
	var c *Conn
	switch v := handleValue(h).(type) {
	case *funcEntry:
		c = v.conn
	case *collation:
		c = v.conn
	}
	if c != nil {
		c.funcs.drop(h)
	} else {
		freeHandle(h)
	}
}

// enter returns the FuncContext and argument slice for one call, reusing
// the entry's own unless a call of the same function is already running.
func (e *funcEntry) enter(tls *libc.TLS, ctx uintptr, argc int32, argv uintptr) (*FuncContext, []Value, bool) {
	if e.busy {
		fc := &FuncContext{conn: e.conn, tls: tls, p: ctx}
		return fc, valuesAt(tls, make([]Value, 0, argc), argv, int(argc)), false
	}
	e.busy = true
	e.fc = FuncContext{conn: e.conn, tls: tls, p: ctx}
	e.args = valuesAt(tls, e.args, argv, int(argc))
	return &e.fc, e.args, true
}

func (e *funcEntry) leave(own bool) {
	if own {
		clear(e.args)
		e.fc = FuncContext{}
		e.busy = false
	}
}

// fail makes the running call fail with err, naming the function.
func (e *funcEntry) fail(fc *FuncContext, err error) {
	fc.conn.setCallbackError(err)
	msg := "function " + e.name + ": " + err.Error()
	z := fc.conn.buf.cstr(fc.tls, msg)
	if z == 0 {
		lib.Xsqlite3_result_error_nomem(fc.tls, fc.p)
		return
	}
	lib.Xsqlite3_result_error(fc.tls, fc.p, z, int32(len(msg)))
	if code := callbackErrorCode(err); code != ErrError {
		lib.Xsqlite3_result_error_code(fc.tls, fc.p, int32(code))
	}
}

// callbackErrorCode is the result code a statement fails with when a Go
// callback returns err.
func callbackErrorCode(err error) ErrorCode {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ErrInterrupt
	}
	var code ErrorCode
	if errors.As(err, &code) && code != 0 {
		return code
	}
	var se *Error
	if errors.As(err, &se) && se.Code != 0 {
		return se.Code
	}
	return ErrError
}

// PanicError is the error a statement wraps when a Go callback (function,
// aggregate, window function, collation) panicked. Its Error method shows
// the panic value; Unwrap returns it when it is an error.
type PanicError struct {
	Value any    // what the callback panicked with
	Stack []byte // the panicking goroutine's stack, for debugging
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Unwrap returns the value panicked with when it is an error.
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// recoverAs turns a recovered panic value into the error to report.
func recoverAs(r any) error { return &PanicError{Value: r, Stack: debug.Stack()} }

func funcScalarTrampoline(tls *libc.TLS, ctx uintptr, argc int32, argv uintptr) {
	e, _ := handleValue(lib.Xsqlite3_user_data(tls, ctx)).(*funcEntry)
	if e == nil {
		lib.Xsqlite3_result_error_code(tls, ctx, lib.SQLITE_MISUSE)
		return
	}
	fc, args, own := e.enter(tls, ctx, argc, argv)
	defer e.leave(own)
	defer func() {
		if r := recover(); r != nil {
			e.fail(fc, recoverAs(r))
		}
	}()
	if err := e.scalar(fc, args); err != nil {
		e.fail(fc, err)
	}
}

// aggregate finds the computation of the group being run: its handle is
// kept in the group's aggregate context, made on first use unless peek.
func (e *funcEntry) aggregate(fc *FuncContext, peek bool) (inst *aggInstance, slot uintptr, err error) {
	size := int32(8)
	if peek {
		size = 0
	}
	slot = lib.Xsqlite3_aggregate_context(fc.tls, fc.p, size)
	if slot == 0 {
		if peek {
			return nil, 0, nil
		}
		return nil, 0, Errorf(ErrNoMem, "out of memory for aggregate %s", e.name)
	}
	if h := readPtr(slot); h != 0 {
		inst, _ = handleValue(h).(*aggInstance)
		return inst, slot, nil
	}
	if peek {
		return nil, slot, nil
	}
	inst = e.newInstance()
	writePtr(slot, newHandle(inst))
	return inst, slot, nil
}

// newInstance calls the registered constructor.
func (e *funcEntry) newInstance() *aggInstance {
	if e.newWin != nil {
		w := e.newWin()
		if w == nil {
			panic("constructor of window function " + e.name + " returned nil")
		}
		return &aggInstance{agg: w, win: w}
	}
	a := e.newAgg()
	if a == nil {
		panic("constructor of aggregate " + e.name + " returned nil")
	}
	return &aggInstance{agg: a}
}

// aggCall runs one Step, Inverse or Value call of an aggregate.
func aggCall(tls *libc.TLS, ctx uintptr, argc int32, argv uintptr, call func(*aggInstance, *FuncContext, []Value) error) {
	e, _ := handleValue(lib.Xsqlite3_user_data(tls, ctx)).(*funcEntry)
	if e == nil {
		lib.Xsqlite3_result_error_code(tls, ctx, lib.SQLITE_MISUSE)
		return
	}
	fc, args, own := e.enter(tls, ctx, argc, argv)
	defer e.leave(own)
	var inst *aggInstance
	defer func() {
		if r := recover(); r != nil {
			if inst != nil {
				inst.failed = true
			}
			e.fail(fc, recoverAs(r))
		}
	}()
	inst, _, err := e.aggregate(fc, false)
	if err == nil {
		err = call(inst, fc, args)
	}
	if err != nil {
		if inst != nil {
			inst.failed = true
		}
		e.fail(fc, err)
	}
}

func funcStepTrampoline(tls *libc.TLS, ctx uintptr, argc int32, argv uintptr) {
	aggCall(tls, ctx, argc, argv, func(inst *aggInstance, fc *FuncContext, args []Value) error {
		return inst.agg.Step(fc, args)
	})
}

func funcInverseTrampoline(tls *libc.TLS, ctx uintptr, argc int32, argv uintptr) {
	aggCall(tls, ctx, argc, argv, func(inst *aggInstance, fc *FuncContext, args []Value) error {
		return inst.win.Inverse(fc, args)
	})
}

func funcValueTrampoline(tls *libc.TLS, ctx uintptr) {
	aggCall(tls, ctx, 0, 0, func(inst *aggInstance, fc *FuncContext, _ []Value) error {
		return inst.win.Value(fc)
	})
}

// funcFinalTrampoline ends a group's computation: it sets the result and
// frees the group's handle. SQLite calls it at the end of each group, and
// also for a group still open when its statement is reset or finalized.
func funcFinalTrampoline(tls *libc.TLS, ctx uintptr) {
	e, _ := handleValue(lib.Xsqlite3_user_data(tls, ctx)).(*funcEntry)
	if e == nil {
		lib.Xsqlite3_result_error_code(tls, ctx, lib.SQLITE_MISUSE)
		return
	}
	fc, _, own := e.enter(tls, ctx, 0, 0)
	defer e.leave(own)
	defer func() {
		if r := recover(); r != nil {
			e.fail(fc, recoverAs(r))
		}
	}()
	inst, slot, _ := e.aggregate(fc, true)
	if slot != 0 {
		h := readPtr(slot)
		if h == 0 {
			return // a Step could not create the computation and failed
		}
		writePtr(slot, 0)
		freeHandle(h)
	}
	if inst == nil {
		// No row reached the group: a fresh computation gives the result
		// of an empty set.
		inst = e.newInstance()
	}
	if inst.failed {
		return
	}
	if err := inst.agg.Final(fc); err != nil {
		e.fail(fc, err)
	}
}
