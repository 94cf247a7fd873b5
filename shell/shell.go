// Package shell is an SQLite command-line shell, in the manner of the
// sqlite3 program, working on a *sqlite.Conn: it reads SQL statements and
// dot-commands (.mode, .tables, .import, ...) and writes their results to
// an io.Writer.
//
// A Shell holds the settings the dot-commands change (the output mode,
// headers, separators, the output file, ...) and the connection it runs
// on, which .open may replace. Run reads a script the way sqlite3 reads
// its standard input: a line starting with "." is a dot-command, other
// lines gather into SQL until sqlite.Complete says a statement ends.
// Exec runs one dot-command or one piece of complete SQL. For the same
// query and settings, the output modes list, csv, json, line, quote,
// insert, markdown, html, tabs, ascii and tcl write the bytes sqlite3 3.40
// writes (EXPLAIN and EXPLAIN QUERY PLAN take its layouts too);
// column, table and box align cells by their display width on a terminal
// (wide characters take two columns, combining marks none), where sqlite3
// counts characters.
//
// Interactive runs the shell on a terminal, with line editing, history
// and Tab completion.
//
// A Shell is not safe for concurrent use, and follows its connection's
// rule: one goroutine at a time. The context given to Run and Exec is
// installed on the connection while they run, so ending it interrupts the
// running statement; a failed statement is reported on the error writer
// and the shell goes on, as sqlite3 does.
package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/ext/usage"
	"github.com/asqlite/asqlite/sqlite"
)

// ExitError is returned by Run and Exec when .quit or .exit ends the
// shell; Code is the exit status asked for.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("shell: exit %d", e.Code) }

// ErrFailed is what Run returns, wrapped, when any statement or command of
// the script failed: the failures themselves went to the error writer, as
// in sqlite3, whose exit status is then 1.
var ErrFailed = errors.New("shell: errors in input")

// Shell runs SQL and dot-commands on a connection. The zero value is not
// usable; call New.
type Shell struct {
	conn      *sqlite.Conn
	db        *asqlite.DB // the DB conn belongs to, for .stats; nil: none
	ownConn   bool        // opened by .open: closed when replaced or by Close
	filename  string
	stdout    io.Writer
	stderr    io.Writer
	out       io.Writer // where results go: stdout or the .output file
	outFile   *os.File
	outName   string
	onceReset bool // .once: back to stdout after the next statement

	mode       mode
	insertName string // the table of insert mode, quoted if needed
	headers    bool
	headersSet bool // .headers was given, so column mode keeps it
	nullValue  string
	colSep     string
	rowSep     string
	widths     []int
	wrap       int  // columnar modes wrap longer lines (0: never)
	wordWrap   bool // ... between words when they can
	quoteCells bool // ... and show values as SQL literals

	echo      bool
	bail      bool
	changes   bool
	timer     bool
	stats     bool // .stats on: the figures after each SQL
	readDepth int  // .read files being read
	timeout   time.Duration
	trace     func() // stops .trace
	usage     bool
	progress  progressFunc // nil: no progress bars (not a terminal)
}

// New returns a shell on conn that writes results to stdout and errors to
// stderr, in list mode with sqlite3's default settings. The shell does
// not close conn; a connection it opens itself with .open it closes when
// it is replaced or in Close.
func New(conn *sqlite.Conn, stdout, stderr io.Writer) *Shell {
	s := &Shell{conn: conn, stdout: stdout, stderr: stderr, out: stdout, filename: conn.Filename("main")}
	if s.filename == "" {
		s.filename = ":memory:"
	}
	s.setMode(modeList)
	s.colSep, s.rowSep = "|", "\n"
	return s
}

// Conn returns the connection the shell runs on, which .open may have
// replaced.
func (s *Shell) Conn() *sqlite.Conn { return s.conn }

// SetDB tells the shell that its connection is one of db's (the shell
// runs in a [asqlite.DB.Write] or [asqlite.DB.Read] function, say): .stats
// then also prints db's figures, its write queue, group commits, readers
// and checkpoints. .open forgets it along with the connection.
func (s *Shell) SetDB(db *asqlite.DB) { s.db = db }

// Close closes the output file of .output and the connection the shell
// opened with .open, if any. It does not close the connection given to
// New.
func (s *Shell) Close() error {
	s.stopTrace()
	err := s.closeOutput()
	if s.ownConn {
		if cerr := s.conn.Close(); err == nil {
			err = cerr
		}
		s.ownConn = false
	}
	return err
}

// SetBail makes the shell stop at the first error, as sqlite3's -bail and
// .bail on do.
func (s *Shell) SetBail(on bool) { s.bail = on }

// SetEcho makes the shell print each command before running it.
func (s *Shell) SetEcho(on bool) { s.echo = on }

// Run reads a script from r and runs it to its end, a .quit or, with
// bail on, its first error. Errors are reported on the error writer with
// their line, as sqlite3 reports them ("Parse error near line 3: ...");
// Run then returns an error wrapping ErrFailed. It returns an *ExitError
// for .exit and .quit, and the context's error if ctx ended.
func (s *Shell) Run(ctx context.Context, r io.Reader) error {
	return s.run(ctx, bufio.NewReader(r), true)
}

func (s *Shell) run(ctx context.Context, br *bufio.Reader, withLines bool) error {
	var (
		sql       strings.Builder
		lineno    int
		startLine int
		failed    int
	)
	flush := func() error {
		text := sql.String()
		sql.Reset()
		if strings.TrimSpace(text) == "" {
			return nil
		}
		where := "Error"
		if withLines {
			where = fmt.Sprintf("near line %d", startLine)
		}
		return s.runLine(ctx, text, where)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, rerr := br.ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			return rerr
		}
		if line == "" && rerr == io.EOF {
			break
		}
		lineno++
		line = strings.TrimSuffix(line, "\n")
		var err error
		if sql.Len() == 0 && strings.HasPrefix(strings.TrimLeft(line, " \t"), ".") {
			err = s.runLine(ctx, strings.TrimLeft(line, " \t"), "")
		} else {
			if sql.Len() == 0 {
				if strings.TrimSpace(line) == "" {
					continue
				}
				startLine = lineno
			}
			sql.WriteString(line)
			sql.WriteByte('\n')
			// Only a line with a semicolon can end a statement (as sqlite3
			// decides): checking every line would rescan a statement of
			// many lines once per line.
			if strings.IndexByte(line, ';') >= 0 && sqlite.Complete(sql.String()) {
				err = flush()
			}
		}
		if err != nil {
			var exit *ExitError
			if errors.As(err, &exit) {
				return exitAfter(exit, failed)
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			failed++
			if s.bail {
				return fmt.Errorf("%w: %w", ErrFailed, err)
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	if err := flush(); err != nil {
		var exit *ExitError
		if errors.As(err, &exit) {
			return exitAfter(exit, failed)
		}
		failed++
	}
	if failed > 0 {
		return fmt.Errorf("%w: %d failed", ErrFailed, failed)
	}
	return nil
}

// exitAfter is the exit of .exit or .quit after failed errors: as in
// sqlite3, a script ending with .quit (or .exit 0) still exits 1 when any
// of it failed.
func exitAfter(exit *ExitError, failed int) *ExitError {
	if exit.Code == 0 && failed > 0 {
		return &ExitError{Code: 1}
	}
	return exit
}

// Exec runs one dot-command (input starting with ".") or SQL text that
// may hold several statements. Results go to the shell's output; an error
// is reported on the error writer, as sqlite3 reports the commands of its
// command line ("Error: in prepare, ..."), and returned.
func (s *Shell) Exec(ctx context.Context, input string) error {
	return s.runLine(ctx, input, "Error")
}

// runLine runs one dot-command or piece of SQL and reports its error;
// where says how ("near line 3", "Error", or "" for dot-commands).
func (s *Shell) runLine(ctx context.Context, input, where string) error {
	if s.echo {
		fmt.Fprintf(s.out, "%s\n", strings.TrimRight(input, "\n"))
	}
	if strings.HasPrefix(strings.TrimLeft(input, " \t"), ".") {
		once := s.onceReset
		err := s.dotCommand(ctx, strings.TrimLeft(input, " \t"))
		if once && s.onceReset {
			// .once sends the output of one command, a dot-command too.
			s.onceReset = false
			if cerr := s.closeOutput(); err == nil {
				err = cerr
			}
		}
		var exit *ExitError
		var usage *UsageError
		switch {
		case err == nil, errors.As(err, &exit), errors.Is(err, errReported):
		case errors.As(err, &usage):
			fmt.Fprintln(s.stderr, usage)
		default:
			fmt.Fprintf(s.stderr, "Error: %v\n", err)
		}
		return err
	}
	run := func() error { return s.measure(func() error { return s.execSQL(ctx, input, where) }) }
	var err error
	if s.timer {
		var u usage.Usage
		u, err = usage.Measure(nil, nil, run)
		fmt.Fprintf(s.out, "Run Time: real %.3f user %.6f sys %.6f\n", u.Wall.Seconds(), u.User.Seconds(), u.System.Seconds())
	} else {
		err = run()
	}
	if s.stats {
		s.dotStats(ctx, nil)
	}
	if s.changes && where != "Error" {
		fmt.Fprintf(s.out, "changes: %d   total_changes: %d\n", s.conn.Changes(), s.conn.TotalChanges())
	}
	if s.onceReset {
		s.onceReset = false
		if cerr := s.closeOutput(); err == nil {
			err = cerr
		}
	}
	return err
}

// errReported marks an error already written to the error writer.
var errReported = errors.New("reported")

// execSQL runs the statements of sql, writing the rows of each in the
// current mode.
func (s *Shell) execSQL(ctx context.Context, sql, where string) error {
	prev := s.conn.SetContext(ctx)
	defer s.conn.SetContext(prev)
	rest := sql
	for strings.TrimSpace(rest) != "" {
		stmt, tail, err := s.conn.PrepareTail(rest, 0)
		if err != nil {
			s.reportSQLError(err, where, true)
			return fmt.Errorf("%w: %w", errReported, err)
		}
		if stmt == nil {
			break
		}
		rest = tail
		err = s.bindParameters(stmt)
		if err == nil {
			err = s.writeRows(stmt)
		}
		stmt.Close()
		if err != nil {
			s.reportSQLError(err, where, false)
			return fmt.Errorf("%w: %w", errReported, err)
		}
	}
	return nil
}

func (s *Shell) reportSQLError(err error, where string, prepare bool) {
	msg := err.Error()
	var se *sqlite.Error
	if errors.As(err, &se) {
		msg = se.Msg
		// sqlite3 adds the primary result code unless it is SQLITE_ERROR.
		if code := se.Code.Primary(); code > sqlite.ErrError {
			msg += fmt.Sprintf(" (%d)", int(code))
		}
	}
	switch {
	case where == "Error" && prepare:
		fmt.Fprintf(s.stderr, "Error: in prepare, %s\n", msg)
	case where == "Error":
		fmt.Fprintf(s.stderr, "Error: stepping, %s\n", msg)
	case prepare:
		fmt.Fprintf(s.stderr, "Parse error%s: %s\n", strings.TrimRight(" "+where, " "), msg)
	default:
		fmt.Fprintf(s.stderr, "Runtime error%s: %s\n", strings.TrimRight(" "+where, " "), msg)
	}
	if prepare && se != nil && se.Offset >= 0 && se.Offset <= len(se.SQL) {
		// Show the line of the statement where SQLite stopped, as sqlite3 does.
		lineStart := strings.LastIndexByte(se.SQL[:se.Offset], '\n') + 1
		lineEnd := strings.IndexByte(se.SQL[se.Offset:], '\n')
		if lineEnd < 0 {
			lineEnd = len(se.SQL)
		} else {
			lineEnd += se.Offset
		}
		fmt.Fprintf(s.stderr, "  %s\n  %s^--- error here\n", se.SQL[lineStart:lineEnd], strings.Repeat(" ", se.Offset-lineStart))
	}
}

// bindParameters binds the statement's parameters from the
// temp.sqlite_parameters table of .parameter, NULL for those not set.
func (s *Shell) bindParameters(stmt *sqlite.Stmt) error {
	n := stmt.ParamCount()
	if n == 0 {
		return nil
	}
	exists, err := s.conn.TableExists("temp", "sqlite_parameters")
	if err != nil || !exists {
		return err
	}
	for i := 1; i <= n; i++ {
		name := stmt.ParamName(i)
		if name == "" {
			continue
		}
		for row, err := range s.conn.Query("SELECT value FROM temp.sqlite_parameters WHERE key=?", name) {
			if err != nil {
				return err
			}
			if err := stmt.BindValue(i, row.ColumnValue(0)); err != nil {
				return err
			}
		}
	}
	return nil
}
