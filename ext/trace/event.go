package trace

import (
	"strconv"
	"strings"
	"time"

	"github.com/asqlite/asqlite/ext/internal/units"
	"github.com/asqlite/asqlite/sqlite"
)

// Kind is what an Event reports.
type Kind int

const (
	// StmtStart: a statement starts running. SQL is its text; Nested
	// marks a statement run on behalf of the running one (by a virtual
	// table such as pragma_function_list, or by a Go function).
	StmtStart Kind = iota + 1
	// TriggerStart: a trigger program starts inside the running statement
	// Stmt. Trigger names it and SQL is "TRIGGER name". With
	// Options.Triggers, each statement of the trigger's body also gives a
	// TriggerStart, with Trigger "" and SQL the statement's text.
	TriggerStart
	// StmtEnd: a run of the statement ended (completed, failed or was
	// reset), with its Duration, Rows, Changes and Counters.
	StmtEnd
	// RowChange: a row is about to be inserted, deleted or updated (Op,
	// Schema, Table, OldRowID, NewRowID, Old, New, Depth).
	RowChange
	// TxBegin: the connection is in a transaction: a statement started
	// while one was open, or a statement that writes started (opening
	// one), or a row changed. It is reported once per transaction.
	TxBegin
	// TxCommit: a transaction is committing. SQLite reports the commits
	// of transactions that wrote: one that only read ends without it.
	TxCommit
	// TxRollback: a transaction rolled back.
	TxRollback
)

// String returns the kind's name, such as "StmtStart".
func (k Kind) String() string {
	switch k {
	case StmtStart:
		return "StmtStart"
	case TriggerStart:
		return "TriggerStart"
	case StmtEnd:
		return "StmtEnd"
	case RowChange:
		return "RowChange"
	case TxBegin:
		return "TxBegin"
	case TxCommit:
		return "TxCommit"
	case TxRollback:
		return "TxRollback"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one thing a trace reports. Which fields are set depends on
// Kind; the others are zero. An Event holds plain values, valid after the
// callback that received it returns.
type Event struct {
	Kind Kind

	// Stmt identifies the statement (StmtStart, TriggerStart, StmtEnd).
	// The ID of a finalized statement may be reused by a later one.
	Stmt sqlite.StmtID
	// SQL is the statement's text, without a final semicolon (StmtStart,
	// StmtEnd), or what starts in a trigger (TriggerStart).
	SQL string
	// Nested reports a statement run on behalf of another one, such as by
	// a virtual table (StmtStart, StmtEnd).
	Nested bool
	// Trigger is the name of the trigger starting (TriggerStart).
	Trigger string

	// Duration is how long the run took, from its first step to its end,
	// including the time the program spent between rows (StmtEnd).
	Duration time.Duration
	// Rows is the number of result rows the run produced (StmtEnd).
	Rows int64
	// Changes is the number of rows the run inserted, updated or deleted,
	// its triggers' changes included (StmtEnd).
	Changes int64
	// Counters are the run's statement counters (StmtEnd); MemUsed is the
	// memory the statement held at its end.
	Counters sqlite.StmtCounters

	// Op, Schema and Table say what row change happens (RowChange).
	Op            sqlite.Op
	Schema, Table string
	// OldRowID is the rowid before a DELETE or UPDATE, NewRowID the rowid
	// after an INSERT or UPDATE (RowChange). They mean nothing for
	// WITHOUT ROWID tables.
	OldRowID, NewRowID int64
	// Old holds the row's values before a DELETE or UPDATE, New those
	// after an INSERT or UPDATE, as int64, float64, string, []byte or nil
	// (RowChange). Both are nil when the trace reports changes without
	// values (ChangeRowIDs, or a Session holds the pre-update hook).
	Old, New []any
	// Depth is 0 for a change the statement makes itself, 1 for one made
	// by a trigger it fired, and so on (RowChange with values).
	Depth int
}

// String formats the event as one line, like the printed trace does
// (without the indentation and truncation of Options).
func (e Event) String() string { return e.line(-1, DefaultThresholds) }

// line formats the event. truncate < 0 means no limit.
func (e Event) line(truncate int, th Thresholds) string {
	switch e.Kind {
	case StmtStart:
		mark := ">"
		if e.Nested {
			mark = "V"
		}
		return mark + " " + shorten(e.SQL, truncate)
	case TriggerStart:
		return "T " + shorten(e.SQL, truncate)
	case StmtEnd:
		return e.figures(th)
	case RowChange:
		return e.change(truncate)
	case TxBegin:
		return "!BEGIN"
	case TxCommit:
		return "!COMMIT"
	case TxRollback:
		return "!ROLLBACK"
	}
	return e.Kind.String()
}

// figures formats a StmtEnd: time, rows, changes and the counters that
// reach their thresholds.
func (e Event) figures(th Thresholds) string {
	var b strings.Builder
	b.WriteString("Time: ")
	b.WriteString(units.Duration(e.Duration))
	field := func(name string, v int64) {
		b.WriteString("  ")
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(units.Count(v))
	}
	if e.Rows != 0 {
		field("Rows", e.Rows)
	}
	if e.Changes != 0 {
		field("Changes", e.Changes)
	}
	c := e.Counters
	for _, f := range [...]struct {
		name      string
		v, thresh int
	}{
		{"FullScan", c.FullScanSteps, th.FullScanSteps},
		{"Sort", c.Sorts, th.Sorts},
		{"AutoIndex", c.AutoIndexRows, th.AutoIndexRows},
		{"VmStep", c.VMSteps, th.VMSteps},
	} {
		if f.v > 0 && f.v >= f.thresh {
			field(f.name, int64(f.v))
		}
	}
	if c.MemUsed > 0 && c.MemUsed >= th.MemUsed {
		b.WriteString("  Mem: ")
		b.WriteString(units.Bytes(int64(c.MemUsed)))
	}
	return b.String()
}

// change formats a RowChange: "INS 1 (0)", "UPD 6>106 (...)", "DEL 2 ('x')".
func (e Event) change(truncate int) string {
	var b strings.Builder
	var vals []any
	switch e.Op {
	case sqlite.OpInsert:
		b.WriteString("INS ")
		b.WriteString(strconv.FormatInt(e.NewRowID, 10))
		vals = e.New
	case sqlite.OpDelete:
		b.WriteString("DEL ")
		b.WriteString(strconv.FormatInt(e.OldRowID, 10))
		vals = e.Old
	default:
		b.WriteString("UPD ")
		b.WriteString(strconv.FormatInt(e.OldRowID, 10))
		if e.NewRowID != e.OldRowID {
			b.WriteByte('>')
			b.WriteString(strconv.FormatInt(e.NewRowID, 10))
		}
		vals = e.New
	}
	if vals == nil {
		return b.String()
	}
	b.WriteString(" (")
	for i, v := range vals {
		if truncate >= 0 && b.Len() > truncate {
			b.WriteString(", ...")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if e.Op == sqlite.OpUpdate && i < len(e.Old) && sameValue(e.Old[i], v) {
			b.WriteString("...") // unchanged by the UPDATE
			continue
		}
		b.WriteString(literal(v, truncate))
	}
	b.WriteString(")")
	return shorten(b.String(), truncate)
}

// sameValue reports whether two values read from SQLite are the same.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case []byte:
		b, ok := b.([]byte)
		return ok && string(a) == string(b)
	case nil, int64, float64, string:
		return a == b
	}
	return false
}

// literal formats v as an SQL literal: 12, 1.5, 'it”s', X'00ff', NULL.
// Text and blobs longer than limit (when >= 0) are cut, ending in "...".
func literal(v any, limit int) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eIN") {
			s += ".0"
		}
		return s
	case string:
		cut := false
		if limit >= 0 && len(v) > limit { // bytes: a quick test before counting characters
			short := cutRunes(v, limit)
			v, cut = short, len(short) < len(v)
		}
		s := "'" + strings.ReplaceAll(v, "'", "''") + "'"
		if cut {
			s += "..."
		}
		return s
	case []byte:
		const hex = "0123456789ABCDEF"
		n, cut := len(v), false
		if limit >= 0 && 2*n > limit {
			n, cut = limit/2, true
		}
		b := make([]byte, 0, 2*n+6)
		b = append(b, "X'"...)
		for _, c := range v[:n] {
			b = append(b, hex[c>>4], hex[c&15])
		}
		b = append(b, '\'')
		if cut {
			b = append(b, "..."...)
		}
		return string(b)
	}
	return "?"
}

// shorten collapses the runs of white space in s to single spaces and cuts
// it to n characters (n < 0: no limit), ending in "..." when it was cut.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if n < 0 || len(s) <= n {
		return s
	}
	if c := cutRunes(s, n); len(c) < len(s) {
		return c + "..."
	}
	return s
}

// cutRunes returns the first n characters of s.
func cutRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
