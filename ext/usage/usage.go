// Package usage measures the resources a block of work uses: wall clock
// and CPU time, the operating system's counters (getrusage: page faults,
// context switches, block I/O, ...), and SQLite's own counters for a
// connection: the statement counters summed over every statement run in
// the block (virtual machine steps, full scan steps, sorts, ...) and the
// differences of the connection's counters (lookaside, page cache,
// memory).
//
// Measure returns a Usage; Do prints one, showing only the figures that
// changed:
//
//	Process CPU consumption 215.512ms
//	             Wall clock 404.617ms
//	 SQLite full table scan 1,365
//	 SQLite sort operations 2
//	   SQLite vm operations 1,015,353
//
// Start and Meter.Stop measure a span that does not fit in a function.
//
// # Concurrency
//
// The SQLite figures come from one *sqlite.Conn (or none, when conn is
// nil) and follow its rule: Start, Stop and the work measured run on the
// goroutine driving the connection (with asqlite.Conn, inside Run). The
// process figures cover every goroutine of the process, unless the Thread
// scope is chosen.
package usage

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/asqlite/asqlite/ext/internal/units"
	"github.com/asqlite/asqlite/sqlite"
)

// Scope chooses whose CPU time and operating system counters are measured.
type Scope int

const (
	// Process measures the whole process: every goroutine, the garbage
	// collector included.
	Process Scope = iota
	// Thread measures only the OS thread of the goroutine that calls
	// Start (and Measure or Do): the goroutine is locked to its thread
	// until Stop. Work the block hands to other goroutines is not
	// counted. Linux only; elsewhere Start fails.
	Thread
)

// Options configure a measurement. The zero value measures the process.
type Options struct {
	Scope Scope
	// Indent is printed at the start of each line by Do and WriteTo.
	Indent string
}

// Usage is what a block of work used: differences between its end and its
// start. Fields the system cannot measure are zero.
type Usage struct {
	Scope Scope
	// Wall is the time that passed.
	Wall time.Duration
	// CPU is the processor time used, User plus System.
	CPU, User, System time.Duration
	// Rusage holds the operating system's counters.
	Rusage Rusage

	// Stmt sums the counters of the statement runs that started and ended
	// in the block (StmtCounters.MemUsed is left zero: memory in use is a
	// level, not a count). Statements is the number of those runs.
	Stmt       sqlite.StmtCounters
	Statements int
	// Conn holds the differences of the connection's counters.
	Conn ConnCounters
}

// Rusage holds differences of getrusage counters
// (https://man7.org/linux/man-pages/man2/getrusage.2.html).
type Rusage struct {
	MaxRSS              int64 // growth of the peak resident set size, in bytes
	MinorFaults         int64 // page faults served without I/O
	MajorFaults         int64 // page faults that needed I/O
	Swaps               int64
	BlockInputs         int64 // file system reads
	BlockOutputs        int64 // file system writes
	MessagesSent        int64 // IPC messages
	MessagesReceived    int64
	Signals             int64
	VoluntarySwitches   int64 // context switches while waiting for something
	InvoluntarySwitches int64 // context switches forced by the scheduler
}

// ConnCounters holds differences of a connection's counters
// (https://sqlite.org/c3ref/c_dbstatus_options.html). Memory figures are
// in bytes; a negative difference means memory was released.
type ConnCounters struct {
	LookasideUsed     int // lookaside slots in use
	LookasideHit      int // allocations served from lookaside
	LookasideMissSize int // allocations too big for lookaside
	LookasideMissFull int // allocations missed because lookaside was full
	CacheUsed         int // page cache memory
	SchemaUsed        int // schema memory
	StmtUsed          int // prepared statement memory
	CacheHit          int // page cache hits
	CacheMiss         int // page cache misses
	CacheWrite        int // pages written
	CacheSpill        int // dirty pages written in the middle of transactions
	DeferredFKs       int // change of the unresolved deferred foreign key flag
	TempBufSpill      int // bytes spilled to temporary files
}

// sample is what getrusage reports at one moment.
type sample struct {
	user, system time.Duration
	r            Rusage
}

// Meter is a measurement in progress, from Start to Stop.
type Meter struct {
	conn   *sqlite.Conn
	opts   Options
	start  time.Time
	ru     sample
	ruOK   bool
	conn0  ConnCounters
	connOK bool
	runs   map[sqlite.StmtID]sqlite.StmtCounters // counters of runs in progress at their start
	sum    sqlite.StmtCounters
	ended  int
	remove func()
	done   bool
	result Usage
}

// Start begins measuring; conn may be nil to measure the process only, and
// opts nil for the zero Options. It fails if conn is closed, or if the
// Thread scope is asked for where it is not supported.
//
// https://sqlite.org/c3ref/stmt_status.html
func Start(conn *sqlite.Conn, opts *Options) (*Meter, error) {
	m := &Meter{conn: conn}
	if opts != nil {
		m.opts = *opts
	}
	if conn != nil {
		c, err := connCounters(conn)
		if err != nil {
			return nil, fmt.Errorf("usage: %w", err)
		}
		m.conn0, m.connOK = c, true
		m.runs = map[sqlite.StmtID]sqlite.StmtCounters{}
		m.remove, err = conn.AddTrace(sqlite.TraceStmt|sqlite.TraceProfile, m.onTrace)
		if err != nil {
			return nil, fmt.Errorf("usage: %w", err)
		}
	}
	thread := m.opts.Scope == Thread
	if thread {
		runtime.LockOSThread()
	}
	m.ru, m.ruOK = getrusage(thread)
	if thread && !m.ruOK {
		runtime.UnlockOSThread()
		if m.remove != nil {
			m.remove()
		}
		return nil, errors.New("usage: the thread scope needs getrusage(RUSAGE_THREAD), which this system lacks")
	}
	m.start = time.Now()
	return m, nil
}

func (m *Meter) onTrace(ev sqlite.TraceEvent) {
	switch ev.Kind {
	case sqlite.TraceStmt:
		if _, running := m.runs[ev.ID]; !running && !ev.InTrigger() {
			m.runs[ev.ID] = ev.Counters()
		}
	case sqlite.TraceProfile:
		start, ok := m.runs[ev.ID]
		if !ok {
			return // started before the measurement
		}
		delete(m.runs, ev.ID)
		d := ev.Counters().Sub(start)
		d.MemUsed = 0
		m.sum = m.sum.Add(d)
		m.ended++
	}
}

// Stop ends the measurement and returns the usage. Calling it again
// returns the same Usage.
func (m *Meter) Stop() Usage {
	if m.done {
		return m.result
	}
	m.done = true
	u := Usage{Scope: m.opts.Scope, Wall: time.Since(m.start)}
	if m.ruOK {
		if now, ok := getrusage(m.opts.Scope == Thread); ok {
			u.User, u.System = now.user-m.ru.user, now.system-m.ru.system
			u.CPU = u.User + u.System
			u.Rusage = now.r.sub(m.ru.r)
		}
	}
	if m.opts.Scope == Thread {
		runtime.UnlockOSThread()
	}
	if m.conn != nil {
		m.remove()
		u.Stmt, u.Statements = m.sum, m.ended
		if c, err := connCounters(m.conn); err == nil && m.connOK {
			u.Conn = c.sub(m.conn0)
		}
	}
	m.result = u
	return u
}

// Measure measures fn, run on the calling goroutine, and returns its usage
// and fn's error. conn and opts are as for Start. If fn panics, the
// measurement is stopped and the panic goes on.
func Measure(conn *sqlite.Conn, opts *Options, fn func() error) (Usage, error) {
	m, err := Start(conn, opts)
	if err != nil {
		return Usage{}, err
	}
	defer m.Stop() // if fn panics
	err = fn()
	return m.Stop(), err
}

// Do measures fn like Measure and prints the usage to w (nothing when w is
// nil), even when fn fails. It returns fn's error, or else the error of
// writing to w.
func Do(conn *sqlite.Conn, w io.Writer, opts *Options, fn func() error) error {
	m, err := Start(conn, opts)
	if err != nil {
		return err
	}
	defer m.Stop() // if fn panics
	err = fn()
	u := m.Stop()
	var werr error
	if w != nil {
		_, werr = u.write(w, m.opts.Indent)
	}
	if err != nil {
		return err
	}
	return werr
}

func (a Rusage) sub(b Rusage) Rusage {
	return Rusage{
		MaxRSS:              a.MaxRSS - b.MaxRSS,
		MinorFaults:         a.MinorFaults - b.MinorFaults,
		MajorFaults:         a.MajorFaults - b.MajorFaults,
		Swaps:               a.Swaps - b.Swaps,
		BlockInputs:         a.BlockInputs - b.BlockInputs,
		BlockOutputs:        a.BlockOutputs - b.BlockOutputs,
		MessagesSent:        a.MessagesSent - b.MessagesSent,
		MessagesReceived:    a.MessagesReceived - b.MessagesReceived,
		Signals:             a.Signals - b.Signals,
		VoluntarySwitches:   a.VoluntarySwitches - b.VoluntarySwitches,
		InvoluntarySwitches: a.InvoluntarySwitches - b.InvoluntarySwitches,
	}
}

// connCounters reads the connection's counters. The lookaside hit and miss
// counts are kept by SQLite as high-water marks; the others are current
// values.
func connCounters(c *sqlite.Conn) (ConnCounters, error) {
	var out ConnCounters
	for _, f := range [...]struct {
		op    sqlite.DBStatusOp
		hiwtr bool
		dst   *int
	}{
		{sqlite.DBStatusLookasideUsed, false, &out.LookasideUsed},
		{sqlite.DBStatusLookasideHit, true, &out.LookasideHit},
		{sqlite.DBStatusLookasideMissSize, true, &out.LookasideMissSize},
		{sqlite.DBStatusLookasideMissFull, true, &out.LookasideMissFull},
		{sqlite.DBStatusCacheUsed, false, &out.CacheUsed},
		{sqlite.DBStatusSchemaUsed, false, &out.SchemaUsed},
		{sqlite.DBStatusStmtUsed, false, &out.StmtUsed},
		{sqlite.DBStatusCacheHit, false, &out.CacheHit},
		{sqlite.DBStatusCacheMiss, false, &out.CacheMiss},
		{sqlite.DBStatusCacheWrite, false, &out.CacheWrite},
		{sqlite.DBStatusCacheSpill, false, &out.CacheSpill},
		{sqlite.DBStatusDeferredFKs, false, &out.DeferredFKs},
		{sqlite.DBStatusTempBufSpill, false, &out.TempBufSpill},
	} {
		cur, hi, err := c.Status(f.op, false)
		if err != nil {
			return ConnCounters{}, err
		}
		if f.hiwtr {
			*f.dst = hi
		} else {
			*f.dst = cur
		}
	}
	return out, nil
}

func (a ConnCounters) sub(b ConnCounters) ConnCounters {
	return ConnCounters{
		LookasideUsed:     a.LookasideUsed - b.LookasideUsed,
		LookasideHit:      a.LookasideHit - b.LookasideHit,
		LookasideMissSize: a.LookasideMissSize - b.LookasideMissSize,
		LookasideMissFull: a.LookasideMissFull - b.LookasideMissFull,
		CacheUsed:         a.CacheUsed - b.CacheUsed,
		SchemaUsed:        a.SchemaUsed - b.SchemaUsed,
		StmtUsed:          a.StmtUsed - b.StmtUsed,
		CacheHit:          a.CacheHit - b.CacheHit,
		CacheMiss:         a.CacheMiss - b.CacheMiss,
		CacheWrite:        a.CacheWrite - b.CacheWrite,
		CacheSpill:        a.CacheSpill - b.CacheSpill,
		DeferredFKs:       a.DeferredFKs - b.DeferredFKs,
		TempBufSpill:      a.TempBufSpill - b.TempBufSpill,
	}
}

// Line is one printed figure of a Usage.
type Line struct {
	Label string // what is counted, such as "SQLite vm operations"
	Value string // the formatted difference, such as "1,015,353"
}

// Lines returns the figures of u that are not zero, labelled and
// formatted, in the order Do prints them: times, operating system
// counters, SQLite statement counters, connection counters.
func (u Usage) Lines() []Line {
	var lines []Line
	dur := func(label string, d time.Duration) {
		if d != 0 {
			lines = append(lines, Line{label, units.Duration(d)})
		}
	}
	count := func(label string, n int64) {
		if n != 0 {
			lines = append(lines, Line{label, units.Count(n)})
		}
	}
	bytes := func(label string, n int64) {
		if n != 0 {
			lines = append(lines, Line{label, units.Bytes(n)})
		}
	}
	who := "Process"
	if u.Scope == Thread {
		who = "Thread"
	}
	dur(who+" CPU consumption", u.CPU)
	dur("Wall clock", u.Wall)
	dur("CPU time in user mode", u.User)
	dur("CPU time in system mode", u.System)

	r := u.Rusage
	bytes("Peak resident memory growth", r.MaxRSS)
	count("Page faults - no I/O", r.MinorFaults)
	count("Page faults with I/O", r.MajorFaults)
	count("Swaps", r.Swaps)
	count("Block input operations", r.BlockInputs)
	count("Block output operations", r.BlockOutputs)
	count("IPC messages sent", r.MessagesSent)
	count("IPC messages received", r.MessagesReceived)
	count("Signals received", r.Signals)
	count("Voluntary context switches", r.VoluntarySwitches)
	count("Involuntary context switches", r.InvoluntarySwitches)

	s := u.Stmt
	count("SQLite full table scan", int64(s.FullScanSteps))
	count("SQLite sort operations", int64(s.Sorts))
	count("SQLite auto index rows added", int64(s.AutoIndexRows))
	count("SQLite vm operations", int64(s.VMSteps))
	count("SQLite statement reprepares", int64(s.Reprepares))
	count("SQLite statements completed", int64(u.Statements))
	count("SQLite bloom filter hits", int64(s.FilterHits))
	count("SQLite bloom filter misses", int64(s.FilterMisses))

	c := u.Conn
	count("SQLite lookaside slots used", int64(c.LookasideUsed))
	count("SQLite allocations using lookaside", int64(c.LookasideHit))
	count("SQLite allocations too big for lookaside", int64(c.LookasideMissSize))
	count("SQLite allocations lookaside full", int64(c.LookasideMissFull))
	count("SQLite pager memory", int64(c.CacheUsed))
	count("SQLite schema memory", int64(c.SchemaUsed))
	count("SQLite statement memory", int64(c.StmtUsed))
	count("SQLite pager cache hits", int64(c.CacheHit))
	count("SQLite pager cache misses", int64(c.CacheMiss))
	count("SQLite pager cache writes", int64(c.CacheWrite))
	count("SQLite pager cache writes during transaction", int64(c.CacheSpill))
	count("SQLite unresolved foreign keys", int64(c.DeferredFKs))
	count("SQLite temp spill from memory to disk", int64(c.TempBufSpill))
	return lines
}

// WriteTo prints the figures of u that are not zero, one a line, labels
// aligned on the right. It prints nothing when nothing changed.
func (u Usage) WriteTo(w io.Writer) (int64, error) { return u.write(w, "") }

func (u Usage) write(w io.Writer, indent string) (int64, error) {
	lines := u.Lines()
	width := 0
	for _, l := range lines {
		width = max(width, len(l.Label))
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(indent)
		b.WriteString(strings.Repeat(" ", width-len(l.Label)))
		b.WriteString(l.Label)
		b.WriteByte(' ')
		b.WriteString(l.Value)
		b.WriteByte('\n')
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
