package trace

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// Options choose what a trace reports. The zero value reports the
// statements the program runs, with their figures.
type Options struct {
	// VTables reports the statements run on behalf of another statement:
	// by virtual tables (pragma_function_list runs PRAGMA function_list,
	// FTS5 runs its own queries) or by Go functions.
	VTables bool
	// Triggers reports each statement of a trigger's body as it starts;
	// without it only the start of the trigger program is reported.
	Triggers bool
	// Changes chooses how row changes are reported; see ChangeMode.
	Changes ChangeMode
	// Transactions reports transactions beginning, committing and rolling
	// back.
	Transactions bool

	// Thresholds hide the counters of a statement run that stay below
	// them; nil means DefaultThresholds.
	Thresholds *Thresholds
	// Truncate cuts printed SQL and row values to that many characters:
	// 0 means 75, a negative value means no limit. Events are never cut.
	Truncate int
	// Indent is printed at the start of each line.
	Indent string

	// OnEvent, if set, receives every event reported, on the goroutine
	// driving the connection, before it is printed. It must not use the
	// connection. If it panics, the statement being traced fails with an
	// error wrapping a *sqlite.PanicError.
	OnEvent func(Event)
}

// ChangeMode chooses how a trace reports row changes.
type ChangeMode int

const (
	// NoChanges reports no row changes.
	NoChanges ChangeMode = iota
	// ChangeValues reports each row inserted, deleted or updated, with
	// its values, its rowids and the trigger depth, in rowid and WITHOUT
	// ROWID tables, through SQLite's pre-update hook.
	//
	// SQLite has a single pre-update hook, which the session extension
	// uses too. If a sqlite.Session is open on the connection when the
	// trace starts, the trace reports changes like ChangeRowIDs instead;
	// while the trace runs, creating a Session on the connection fails
	// with sqlite.ErrMisuse.
	//
	// https://sqlite.org/c3ref/preupdate_blobwrite.html
	ChangeValues
	// ChangeRowIDs reports the kind of change and the rowid, without
	// values, through the update hook: rowid tables only, and no change
	// by REPLACE conflict resolution or truncating DELETE. It coexists
	// with sessions.
	//
	// https://sqlite.org/c3ref/update_hook.html
	ChangeRowIDs
)

// Thresholds are the smallest values of a statement run's counters that
// the printed trace shows. A counter at zero is never shown.
//
// https://sqlite.org/c3ref/c_stmtstatus_counter.html
type Thresholds struct {
	FullScanSteps int // steps of full table scans ("FullScan")
	Sorts         int // sort operations ("Sort")
	AutoIndexRows int // rows added to automatic indexes ("AutoIndex")
	VMSteps       int // virtual machine operations ("VmStep")
	MemUsed       int // bytes of memory the statement holds ("Mem")
}

// DefaultThresholds show a counter when it suggests work worth a look: a
// thousand full scan steps, any sort, a hundred automatic index rows or
// virtual machine steps, 16KB of statement memory.
var DefaultThresholds = Thresholds{
	FullScanSteps: 1000,
	Sorts:         1,
	AutoIndexRows: 100,
	VMSteps:       100,
	MemUsed:       16 << 10,
}

// Start begins tracing conn, printing to w (nil prints nothing: events go
// only to opts.OnEvent). opts may be nil for the zero Options. It returns
// the function that stops the trace, which reports the first error w
// returned, if any (the trace stops writing after it). Calling stop again
// does nothing and returns nil.
//
// Start fails only if conn is nil or closed.
//
// https://sqlite.org/c3ref/trace_v2.html
func Start(conn *sqlite.Conn, w io.Writer, opts *Options) (stop func() error, err error) {
	if conn == nil {
		return nil, errors.New("trace: nil connection")
	}
	if _, _, err := conn.Status(sqlite.DBStatusDeferredFKs, false); err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	t := &tracer{conn: conn, stmts: map[sqlite.StmtID]*run{}}
	if opts != nil {
		t.opts = *opts
	}
	t.thresholds = DefaultThresholds
	if t.opts.Thresholds != nil {
		t.thresholds = *t.opts.Thresholds
	}
	if t.opts.Truncate == 0 {
		t.opts.Truncate = 75
	}
	if w != nil {
		t.out = &printer{w: w, truncate: t.opts.Truncate, indent: t.opts.Indent, thresholds: t.thresholds}
	}

	var removes []func()
	add := func(remove func(), err error) error {
		removes = append(removes, remove)
		return err
	}
	err = add(conn.AddTrace(sqlite.TraceStmt|sqlite.TraceRow|sqlite.TraceProfile, t.onTrace))
	switch t.opts.Changes {
	case ChangeValues:
		rm, perr := conn.AddPreUpdateHook(t.onPreUpdate)
		if perr != nil {
			// A Session holds SQLite's only pre-update hook.
			err = errors.Join(err, add(conn.AddUpdateHook(t.onUpdate)))
		} else {
			removes = append(removes, rm)
		}
	case ChangeRowIDs:
		err = errors.Join(err, add(conn.AddUpdateHook(t.onUpdate)))
	}
	if t.opts.Transactions {
		err = errors.Join(err, add(conn.AddCommitHook(t.onCommit)), add(conn.AddRollbackHook(t.onRollback)))
	}
	if err != nil {
		for _, remove := range removes {
			remove()
		}
		return nil, fmt.Errorf("trace: %w", err)
	}
	stopped := false
	return func() error {
		if stopped {
			return nil
		}
		stopped = true
		for i := len(removes) - 1; i >= 0; i-- {
			removes[i]()
		}
		if t.out != nil {
			return t.out.err
		}
		return nil
	}, nil
}

// Do traces conn while fn runs, printing to w like Start, and returns fn's
// error, or else the error of writing to w. fn runs on the calling
// goroutine, which must be the one driving conn.
func Do(conn *sqlite.Conn, w io.Writer, opts *Options, fn func() error) error {
	stop, err := Start(conn, w, opts)
	if err != nil {
		return err
	}
	defer stop()
	if err := fn(); err != nil {
		return err
	}
	return stop()
}

// tracer is the state of one trace.
type tracer struct {
	conn       *sqlite.Conn
	opts       Options
	thresholds Thresholds
	out        *printer
	stmts      map[sqlite.StmtID]*run // statement runs in progress
	tx         Kind                   // the last transaction event reported
}

// run is a statement run in progress.
type run struct {
	sql     string
	nested  bool
	hidden  bool // a nested statement, not reported (Options.VTables off)
	start   sqlite.StmtCounters
	changes int64 // the connection's total changes when it started
	rows    int64
}

func (t *tracer) emit(e Event) {
	if t.opts.OnEvent != nil {
		t.opts.OnEvent(e)
	}
	if t.out != nil {
		t.out.event(e)
	}
}

func (t *tracer) onTrace(ev sqlite.TraceEvent) {
	switch ev.Kind {
	case sqlite.TraceStmt:
		r := t.stmts[ev.ID]
		if r != nil {
			// Running already: a trigger program, or a statement of its
			// body, starts.
			if r.hidden {
				return
			}
			if name := ev.Trigger(); name != "" {
				t.emit(Event{Kind: TriggerStart, Stmt: ev.ID, Trigger: name, SQL: "TRIGGER " + name})
			} else if t.opts.Triggers {
				t.emit(Event{Kind: TriggerStart, Stmt: ev.ID, SQL: triggerStmt(ev.Text())})
			}
			return
		}
		if ev.InTrigger() {
			return // its statement started before the trace
		}
		if !t.conn.AutoCommit() || !ev.ReadOnly() {
			t.begin()
		}
		r = &run{
			sql:     strings.TrimRight(ev.SQL(), "; \t\r\n"),
			nested:  ev.Nested(),
			start:   ev.Counters(),
			changes: t.conn.TotalChanges(),
		}
		r.hidden = r.nested && !t.opts.VTables
		t.stmts[ev.ID] = r
		if !r.hidden {
			t.emit(Event{Kind: StmtStart, Stmt: ev.ID, SQL: r.sql, Nested: r.nested})
		}
	case sqlite.TraceRow:
		if r := t.stmts[ev.ID]; r != nil {
			r.rows++
		}
	case sqlite.TraceProfile:
		if t.tx == TxBegin && t.conn.AutoCommit() {
			// The transaction ended with no commit or rollback hook: it
			// only read. The next one is reported anew.
			t.tx = 0
		}
		r := t.stmts[ev.ID]
		if r == nil {
			return // started before the trace
		}
		delete(t.stmts, ev.ID)
		if r.hidden {
			return
		}
		t.emit(Event{
			Kind:     StmtEnd,
			Stmt:     ev.ID,
			SQL:      r.sql,
			Nested:   r.nested,
			Duration: ev.Duration,
			Rows:     r.rows,
			Changes:  t.conn.TotalChanges() - r.changes,
			Counters: ev.Counters().Sub(r.start),
		})
	}
}

// triggerStmt returns the statement of a trigger's body from the text
// SQLite traces for it: "-- " and the statement, once more prefixed by
// "-- " when the statement firing the trigger is itself nested.
func triggerStmt(text string) string {
	for range 2 {
		text = strings.TrimPrefix(text, "-- ")
	}
	return text
}

func (t *tracer) onPreUpdate(u *sqlite.PreUpdate) {
	t.begin()
	e := Event{Kind: RowChange, Op: u.Op, Schema: u.Schema, Table: u.Table,
		OldRowID: u.OldRowID, NewRowID: u.NewRowID, Depth: u.Depth()}
	n := u.Count()
	values := func(get func(int) (sqlite.Value, error)) []any {
		vals := make([]any, n)
		for i := range n {
			if v, err := get(i); err == nil {
				vals[i] = v.Any()
			}
		}
		return vals
	}
	switch u.Op {
	case sqlite.OpInsert:
		e.New = values(u.New)
	case sqlite.OpDelete:
		e.Old = values(u.Old)
	default:
		e.Old, e.New = values(u.Old), values(u.New)
	}
	t.emit(e)
}

func (t *tracer) onUpdate(op sqlite.Op, schema, table string, rowid int64) {
	t.begin()
	t.emit(Event{Kind: RowChange, Op: op, Schema: schema, Table: table, OldRowID: rowid, NewRowID: rowid})
}

// begin reports a transaction beginning, once per transaction.
func (t *tracer) begin() { t.transaction(TxBegin) }

func (t *tracer) onCommit() bool {
	t.transaction(TxCommit)
	return false
}

func (t *tracer) onRollback() { t.transaction(TxRollback) }

func (t *tracer) transaction(k Kind) {
	if !t.opts.Transactions || t.tx == k {
		return
	}
	t.tx = k
	t.emit(Event{Kind: k})
}

// printer writes events as lines.
type printer struct {
	w          io.Writer
	truncate   int
	indent     string
	thresholds Thresholds
	err        error

	// The statement whose start or figures were printed last; the
	// figures of a run that follow other lines repeat its text.
	last   sqlite.StmtID
	lastOK bool
	buf    []byte
}

func (p *printer) event(e Event) {
	switch e.Kind {
	case StmtStart:
		p.line("", e.line(p.truncate, p.thresholds))
		p.last, p.lastOK = e.Stmt, true
	case TriggerStart:
		p.line("", e.line(p.truncate, p.thresholds))
		p.lastOK = false
	case StmtEnd:
		if !p.lastOK || p.last != e.Stmt {
			mark := "< "
			if e.Nested {
				mark = "V "
			}
			p.line(mark, shorten(e.SQL, p.truncate))
		}
		p.line("    ", e.line(p.truncate, p.thresholds))
		p.last, p.lastOK = e.Stmt, true
	case RowChange:
		p.line(strings.Repeat("  ", 1+e.Depth), e.line(p.truncate, p.thresholds))
	case TxBegin, TxCommit, TxRollback:
		p.line(" ", e.line(p.truncate, p.thresholds))
	}
}

func (p *printer) line(prefix, s string) {
	if p.err != nil {
		return
	}
	b := append(p.buf[:0], p.indent...)
	b = append(b, prefix...)
	b = append(b, s...)
	b = append(b, '\n')
	p.buf = b
	_, p.err = p.w.Write(b)
}
