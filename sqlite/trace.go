package sqlite

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// TraceMask selects trace events (https://sqlite.org/c3ref/c_trace.html).
type TraceMask uint32

// Trace event kinds, combined with | in a mask.
const (
	// TraceStmt: a statement starts running (its first Step), and each
	// time a trigger program starts within it.
	TraceStmt TraceMask = lib.SQLITE_TRACE_STMT
	// TraceProfile: a statement finished (ran to completion, failed, or
	// was reset); the event carries its run time.
	TraceProfile TraceMask = lib.SQLITE_TRACE_PROFILE
	// TraceRow: a statement produced a result row.
	TraceRow TraceMask = lib.SQLITE_TRACE_ROW
	// TraceClose: the connection is closing.
	TraceClose TraceMask = lib.SQLITE_TRACE_CLOSE
)

// String returns the kinds in m by their C names, joined by "|".
func (m TraceMask) String() string {
	if m == 0 {
		return "0"
	}
	var parts []string
	for _, k := range [...]struct {
		m TraceMask
		s string
	}{{TraceStmt, "SQLITE_TRACE_STMT"}, {TraceProfile, "SQLITE_TRACE_PROFILE"},
		{TraceRow, "SQLITE_TRACE_ROW"}, {TraceClose, "SQLITE_TRACE_CLOSE"}} {
		if m&k.m != 0 {
			parts = append(parts, k.s)
			m &^= k.m
		}
	}
	if m != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(m), 16))
	}
	return strings.Join(parts, "|")
}

// StmtID identifies a prepared statement in trace events: all events of
// one statement carry the same ID, and no two live statements of a
// connection share one (an ID may be reused after its statement is
// finalized). It is the engine's address of the statement, usable only as
// a key. Stmt.ID returns the ID of a statement prepared by this package.
type StmtID uintptr

// ID returns the statement's identity in trace events, 0 once closed.
func (s *Stmt) ID() StmtID {
	if s == nil {
		return 0
	}
	return StmtID(s.p)
}

// TraceEvent is one event of the statement tracer ([Conn.AddTrace]).
//
// Kind, ID and Duration are plain values. The methods read the statement
// from the engine, and work only during the call of the trace function that
// received the event; afterwards they return zero values.
//
// A tracer that wants per-statement figures correlates events by ID:
//
//   - TraceStmt arrives when the statement starts, before its rows. It
//     arrives again, with the same ID, each time a trigger program of the
//     statement starts (Trigger names it) and as each statement of the
//     trigger's body starts (InTrigger reports true for both). A statement
//     run by another one while it runs (by a virtual table such as
//     pragma_function_list, or by a Go function) has its own ID, and Nested
//     reports true.
//   - TraceRow arrives for each result row.
//   - TraceProfile arrives once when the run ends, with its Duration.
//
// Statement counters (Status, Counters) accumulate over all runs of a
// statement (the statement cache reuses statements), so take Counters at
// the run's first TraceStmt and subtract them from the Counters at its
// TraceProfile. Rows changed: at TraceProfile, Conn().Changes() gives the
// rows an INSERT, UPDATE or DELETE changed itself; the difference of
// Conn().TotalChanges() between the two events also counts its triggers'.
type TraceEvent struct {
	// Kind is the single kind of the event.
	Kind TraceMask
	// ID identifies the statement; 0 for TraceClose.
	ID StmtID
	// Duration is how long the statement ran, for TraceProfile: from its
	// first Step to its end (including time spent by the caller between
	// rows), timed by this package with the clock's resolution. (SQLite's
	// own figure, which has millisecond resolution, is used only for a run
	// that started before the tracer was installed.)
	Duration time.Duration

	c   *Conn
	x   uintptr // TraceStmt: the text SQLite passes
	seq uint64  // validity: the event's callback is running
}

// live reports whether the event's callback is still running.
func (e *TraceEvent) live() bool {
	return e.c != nil && e.c.db != 0 && slices.Contains(e.c.hooks.tr.live, e.seq)
}

func (e *TraceEvent) stmt() uintptr {
	if e.ID == 0 || !e.live() {
		return 0
	}
	return uintptr(e.ID)
}

// Conn returns the connection traced.
func (e TraceEvent) Conn() *Conn { return e.c }

// SQL returns the text of the statement as prepared. For a trigger's
// TraceStmt it is the text of the statement that fired the trigger.
//
// https://sqlite.org/c3ref/expanded_sql.html
func (e TraceEvent) SQL() string {
	p := e.stmt()
	if p == 0 {
		return ""
	}
	return gostring(lib.Xsqlite3_sql(e.c.tls, p))
}

// ExpandedSQL returns the statement's text with its bound parameters
// substituted.
//
// https://sqlite.org/c3ref/expanded_sql.html
func (e TraceEvent) ExpandedSQL() string {
	p := e.stmt()
	if p == 0 {
		return ""
	}
	z := lib.Xsqlite3_expanded_sql(e.c.tls, p)
	defer lib.Xsqlite3_free(e.c.tls, z)
	return gostring(z)
}

// Text returns, for TraceStmt, the text SQLite passes with the event: the
// statement's SQL, or a comment starting with "-- " for a trigger program
// ("-- TRIGGER name") or a nested statement ("-- " and its SQL). It is ""
// for other kinds.
//
// https://sqlite.org/c3ref/c_trace.html
func (e TraceEvent) Text() string {
	if e.Kind != TraceStmt || e.stmt() == 0 {
		return ""
	}
	return gostring(e.x)
}

// Nested reports, for TraceStmt, whether the statement runs on behalf of
// another statement of the connection that is running: a statement run by
// a virtual table (such as pragma_function_list) or a Go function, or a
// trigger of such a statement. Its ID differs from the running statement's.
func (e TraceEvent) Nested() bool {
	k, _ := e.origin()
	return k == originNested || k == originNestedTrigger
}

// InTrigger reports, for TraceStmt, whether the event marks a trigger
// program starting ("-- TRIGGER name") or one of the trigger's statements
// starting ("-- " and its SQL). Such events carry the ID of the statement
// that fired the trigger, which is already running.
func (e TraceEvent) InTrigger() bool {
	k, _ := e.origin()
	return k == originTrigger || k == originNestedTrigger
}

// Trigger returns, for TraceStmt, the name of the trigger whose program
// starts, or "".
func (e TraceEvent) Trigger() string {
	_, name := e.origin()
	return name
}

const (
	originTop = iota
	originNested
	originTrigger
	originNestedTrigger
)

// origin classifies a TraceStmt event by the text SQLite passes: the
// statement's own SQL (the same pointer) for a top-level statement,
// "-- "+SQL for a statement run inside another, and for trigger programs
// a comment ("-- TRIGGER name", then "-- " and each statement of the
// trigger) prefixed once more by "-- " when the firing statement is nested.
func (e TraceEvent) origin() (kind int, trigger string) {
	p := e.stmt()
	if e.Kind != TraceStmt || p == 0 || e.x == 0 {
		return originTop, ""
	}
	zSQL := lib.Xsqlite3_sql(e.c.tls, p)
	if e.x == zSQL {
		return originTop, ""
	}
	text, sql := gostring(e.x), gostring(zSQL)
	if len(text) == len(sql)+3 && strings.HasPrefix(text, "-- ") && text[3:] == sql {
		return originNested, ""
	}
	kind = originTrigger
	if strings.HasPrefix(text, "-- -- ") {
		kind, text = originNestedTrigger, text[3:]
	}
	trigger, _ = strings.CutPrefix(text, "-- TRIGGER ")
	if len(trigger) == len(text) {
		trigger = ""
	}
	return kind, trigger
}

// ReadOnly reports whether the statement makes no direct change to the
// database. https://sqlite.org/c3ref/stmt_readonly.html
func (e TraceEvent) ReadOnly() bool {
	p := e.stmt()
	return p != 0 && lib.Xsqlite3_stmt_readonly(e.c.tls, p) != 0
}

// Status returns the statement's counter op, resetting it if reset is true
// (which other observers of the counter will notice; prefer differences of
// Counters). See Stmt.Status.
func (e TraceEvent) Status(op StmtStatusOp, reset bool) int {
	p := e.stmt()
	if p == 0 {
		return 0
	}
	return stmtStatus(e.c.tls, p, op, reset)
}

// Counters returns all the statement's counters. See Stmt.Counters.
func (e TraceEvent) Counters() StmtCounters {
	p := e.stmt()
	if p == 0 {
		return StmtCounters{}
	}
	return stmtCounters(e.c.tls, p)
}

// Stmt returns the *Stmt of the event's statement when this package
// prepared it (Prepare, Prep, Exec, Query), or nil for statements the
// engine or other code prepared (such as those a virtual table runs).
func (e TraceEvent) Stmt() *Stmt {
	p := e.stmt()
	if p == 0 {
		return nil
	}
	t := &e.c.hooks.tr
	if s := t.last; s != nil && s.p == p && s.c == e.c {
		return s
	}
	for s := range e.c.stmts {
		if s.p == p {
			t.last = s
			return s
		}
	}
	return nil
}

// traceState multiplexes SQLite's single trace callback between the
// tracers of AddTrace.
type traceState struct {
	list  hookList[tracer]
	want  TraceMask            // kinds some tracer wants
	mask  TraceMask            // installed in the engine: want, plus TraceStmt to time profiles
	start map[StmtID]time.Time // when running statements started, to time profiles
	seq   uint64
	live  []uint64 // events whose callbacks are running, innermost last
	last  *Stmt    // the statement Stmt found last
}

type tracer struct {
	mask TraceMask
	fn   func(TraceEvent)
}

// AddTrace adds fn to the tracers receiving the trace events whose kinds
// are in mask (TraceStmt|TraceProfile|TraceRow|TraceClose), and returns the
// function removing it. Each tracer gets the events of its mask, in the
// order the tracers were added. A mask with none of these kinds fails with
// ErrMisuse.
//
// fn runs on the goroutine driving the connection, inside the statement,
// with the triggering call's context in [Conn.Context]. It must not run SQL
// on the connection. A panic in fn is recovered; for TraceStmt and TraceRow
// the statement is interrupted and its error wraps a [*PanicError] holding
// the panic value; for TraceProfile, which SQLite reports as the statement
// ends, the panic is dropped: nothing is left to fail, and as the cause of
// a later, unrelated error it would mislead.
//
// https://sqlite.org/c3ref/trace_v2.html
func (c *Conn) AddTrace(mask TraceMask, fn func(ev TraceEvent)) (remove func(), err error) {
	mask &= TraceStmt | TraceProfile | TraceRow | TraceClose
	if mask == 0 && c.check() == nil {
		return func() {}, Errorf(ErrMisuse, "adding a tracer with no trace event kind")
	}
	return addHook(c, &c.hooks.tr.list, tracer{mask: mask, fn: fn}, fn == nil, c.syncTrace)
}

func (c *Conn) syncTrace() {
	t := &c.hooks.tr
	var want TraceMask
	t.list.each(func(x tracer) bool {
		want |= x.mask
		return true
	})
	t.want = want
	mask := want
	if want&TraceProfile != 0 {
		mask |= TraceStmt
		if t.start == nil {
			t.start = make(map[StmtID]time.Time)
		}
	} else {
		t.start = nil
	}
	if mask == t.mask {
		return
	}
	t.mask = mask
	if mask == 0 {
		lib.Xsqlite3_trace_v2(c.tls, c.db, 0, 0, 0)
	} else {
		lib.Xsqlite3_trace_v2(c.tls, c.db, uint32(mask), cfunc(traceTrampoline), c.handle)
	}
}

func traceTrampoline(tls *libc.TLS, kind uint32, arg, p, x uintptr) int32 {
	c := hookConn(arg)
	if c == nil {
		return 0
	}
	t := &c.hooks.tr
	ev := TraceEvent{Kind: TraceMask(kind), c: c}
	switch ev.Kind {
	case TraceStmt:
		ev.ID, ev.x = StmtID(p), x
		if t.start != nil {
			if _, running := t.start[ev.ID]; !running {
				t.start[ev.ID] = time.Now()
			}
		}
		if t.want&TraceStmt == 0 {
			return 0
		}
	case TraceRow:
		ev.ID = StmtID(p)
	case TraceProfile:
		ev.ID = StmtID(p)
		if st, ok := t.start[ev.ID]; ok {
			ev.Duration = time.Since(st)
			delete(t.start, ev.ID)
		} else {
			ev.Duration = time.Duration(readInt64(x))
		}
	}
	t.seq++
	ev.seq = t.seq
	t.live = append(t.live, ev.seq)
	defer c.endTrace(&ev)
	t.list.each(func(tr tracer) bool {
		if tr.mask&ev.Kind != 0 {
			tr.fn(ev)
		}
		return true
	})
	return 0
}

// endTrace ends an event's validity and recovers a tracer's panic.
func (c *Conn) endTrace(ev *TraceEvent) {
	t := &c.hooks.tr
	// Events nest, so this one is the innermost live one (unless Close
	// reset the state meanwhile).
	if n := len(t.live); n > 0 && t.live[n-1] == ev.seq {
		t.live = t.live[:n-1]
	}
	v := recover()
	if v == nil {
		return
	}
	c.setCallbackError(hookPanicked("tracer", v))
	if c.db != 0 && (ev.Kind == TraceStmt || ev.Kind == TraceRow) {
		lib.Xsqlite3_interrupt(c.tls, c.db)
	}
}
