package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/ext/dump"
	"github.com/asqlite/asqlite/ext/fts"
	"github.com/asqlite/asqlite/ext/inspect"
	"github.com/asqlite/asqlite/ext/trace"
	"github.com/asqlite/asqlite/ext/usage"
	"github.com/asqlite/asqlite/sqlite"
)

// dotCmd is one dot-command: its name, usage and what it does.
type dotCmd struct {
	name, args, help string
	run              func(s *Shell, ctx context.Context, args []string) error
}

var dotCmds []dotCmd

func init() {
	dotCmds = []dotCmd{
		{"backup", "?DB? FILE", "copy database DB (main if omitted) into the database FILE", (*Shell).dotBackup},
		{"bail", "on|off", "stop at the first error (off at start)", boolSetting("bail", func(s *Shell) *bool { return &s.bail })},
		{"changes", "on|off", "after each SQL line, print the rows it changed", boolSetting("changes", func(s *Shell) *bool { return &s.changes })},
		{"databases", "", "print each attached database with its file", (*Shell).dotDatabases},
		{"dump", "", "write the whole database as SQL text", (*Shell).dotDump},
		{"echo", "on|off", "print each command before running it", boolSetting("echo", func(s *Shell) *bool { return &s.echo })},
		{"exit", "?CODE?", "leave the shell with exit status CODE", (*Shell).dotExit},
		{"ftsq", "TABLE QUERY", "search an FTS5 table; on no match, suggest a corrected query", (*Shell).dotFTSQ},
		{"headers", "on|off", "print column names above the rows", (*Shell).dotHeaders},
		{"help", "?PATTERN?", "describe the commands whose names contain PATTERN", (*Shell).dotHelp},
		{"import", "FILE TABLE", "load CSV FILE into TABLE, created if missing (--csv, --ascii, --skip N, --schema S)", (*Shell).dotImport},
		{"indexes", "?TABLE?", "list the indexes (of the tables matching TABLE)", (*Shell).dotIndexes},
		{"mode", "MODE ?TABLE?", "choose how rows are written (list, csv, json, box, ...); with no MODE, print it", (*Shell).dotMode},
		{"nullvalue", "STRING", "write NULL values as STRING", (*Shell).dotNullValue},
		{"once", "?FILE?", "send the output of the next command only to FILE", (*Shell).dotOnce},
		{"open", "?--new? ?--readonly? ?FILE?", "close the database and open FILE (in memory if omitted)", (*Shell).dotOpen},
		{"output", "?FILE?", "send output to FILE, or back to the terminal if omitted", (*Shell).dotOutput},
		{"pages", "?TABLE?", "print how the pages of each table (or of TABLE) are used", (*Shell).dotPages},
		{"parameter", "CMD ...", "values for SQL parameters: set NAME VALUE, unset NAME, list, clear", (*Shell).dotParameter},
		{"plan", "SQL", "describe SQL without running it: columns, parameters, what it uses, plan", (*Shell).dotPlan},
		{"print", "STRING...", "print the STRINGs, separated by spaces", (*Shell).dotPrint},
		{"quit", "", "leave the shell", (*Shell).dotQuit},
		{"read", "FILE", "run the commands and SQL in FILE", (*Shell).dotRead},
		{"restore", "?DB? FILE", "replace database DB (main if omitted) by a copy of FILE", (*Shell).dotRestore},
		{"schema", "?--indent? ?--nosys? ?LIKE-PATTERN?", "print the CREATE statements (of the objects matching PATTERN; --nosys leaves out sqlite_ objects, --indent lays them out)", (*Shell).dotSchema},
		{"separator", "COL ?ROW?", "set the column (and row) separators of list and csv output", (*Shell).dotSeparator},
		{"show", "", "print the settings", (*Shell).dotShow},
		{"stats", "?on|off?", "print memory and cache figures (and the DB's, see SetDB); on: after each SQL line too", (*Shell).dotStats},
		// After the other s commands: the prefix ".s" still means .schema.
		{"save", "?DB? FILE", "the same as .backup", (*Shell).dotBackup},
		{"tables", "?TABLE?", "list the tables and views (matching the LIKE pattern TABLE)", (*Shell).dotTables},
		{"timeout", "MS", "wait up to MS milliseconds for a locked database", (*Shell).dotTimeout},
		{"timer", "on|off", "after each SQL line, print the time it took", boolSetting("timer", func(s *Shell) *bool { return &s.timer })},
		{"trace", "on|off", "trace each statement on stderr: time, rows, changes, counters", (*Shell).dotTrace},
		{"usage", "on|off", "after each SQL line, print the resources it used", boolSetting("usage", func(s *Shell) *bool { return &s.usage })},
		{"width", "NUM1 NUM2 ...", "set the widths of the columns of column, box, table and markdown output", (*Shell).dotWidth},
	}
}

// dotCommand runs one dot-command line.
func (s *Shell) dotCommand(ctx context.Context, line string) error {
	args, err := splitArgs(strings.TrimPrefix(line, "."))
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return nil
	}
	name := args[0]
	// Like sqlite3, accept a prefix of a command's name (".h" for
	// ".headers"); an ambiguous one picks the first name in order.
	for _, c := range dotCmds {
		if c.name == name {
			return c.run(s, ctx, args[1:])
		}
	}
	for _, c := range dotCmds {
		if strings.HasPrefix(c.name, name) {
			return c.run(s, ctx, args[1:])
		}
	}
	return fmt.Errorf("unknown command or invalid arguments:  %q. Enter \".help\" for help", name)
}

// splitArgs splits a dot-command line into arguments as sqlite3 does:
// separated by white space, with '...' and "..." quoting (C escapes
// inside double quotes).
func splitArgs(line string) ([]string, error) {
	var args []string
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if i >= len(line) {
			return args, nil
		}
		switch q := line[i]; q {
		case '"', '\'':
			j := i + 1
			for j < len(line) && line[j] != q {
				if q == '"' && line[j] == '\\' && j+1 < len(line) {
					j++
				}
				j++
			}
			arg := line[i+1 : min(j, len(line))]
			if q == '"' {
				arg = resolveBackslashes(arg)
			}
			args = append(args, arg)
			i = j + 1
		default:
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
				j++
			}
			args = append(args, resolveBackslashes(line[i:j]))
			i = j
		}
	}
}

// resolveBackslashes replaces C escapes (\t, \n, \\, octal \NNN, ...)
// in a dot-command argument, as sqlite3 does.
func resolveBackslashes(z string) string {
	if !strings.Contains(z, "\\") {
		return z
	}
	var b strings.Builder
	for i := 0; i < len(z); i++ {
		c := z[i]
		if c != '\\' || i+1 >= len(z) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = z[i]; c {
		case 'a':
			c = '\a'
		case 'b':
			c = '\b'
		case 't':
			c = '\t'
		case 'n':
			c = '\n'
		case 'v':
			c = '\v'
		case 'f':
			c = '\f'
		case 'r':
			c = '\r'
		default:
			if c >= '0' && c <= '7' {
				c -= '0'
				for k := 0; k < 2 && i+1 < len(z) && z[i+1] >= '0' && z[i+1] <= '7'; k++ {
					i++
					c = c<<3 + z[i] - '0'
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// UsageError is the error of a dot-command called with the wrong
// arguments; its message is the command's usage.
type UsageError struct{ Command, Args string }

func (e *UsageError) Error() string { return strings.TrimSpace("Usage: ." + e.Command + " " + e.Args) }

func usageError(name string) error {
	for _, c := range dotCmds {
		if c.name == name {
			return &UsageError{Command: name, Args: c.args}
		}
	}
	return &UsageError{Command: name}
}

// parseBool reads an on/off argument as sqlite3 does: on, off, yes, no,
// true, false or a number; anything else is reported and taken as off.
func (s *Shell) parseBool(arg string) bool {
	switch strings.ToLower(arg) {
	case "on", "yes", "true":
		return true
	case "off", "no", "false":
		return false
	}
	n, err := strconv.Atoi(arg)
	if err != nil {
		fmt.Fprintf(s.stderr, "ERROR: Not a boolean value: %q. Assuming \"no\".\n", arg)
	}
	return n != 0
}

func boolSetting(name string, field func(*Shell) *bool) func(*Shell, context.Context, []string) error {
	return func(s *Shell, _ context.Context, args []string) error {
		if len(args) != 1 {
			return usageError(name)
		}
		*field(s) = s.parseBool(args[0])
		return nil
	}
}

func (s *Shell) dotHeaders(_ context.Context, args []string) error {
	if len(args) != 1 {
		return usageError("headers")
	}
	s.headers, s.headersSet = s.parseBool(args[0]), true
	return nil
}

func (s *Shell) dotHelp(_ context.Context, args []string) error {
	for _, c := range dotCmds {
		if len(args) > 0 && !strings.Contains(c.name, strings.TrimPrefix(args[0], ".")) {
			continue
		}
		fmt.Fprintf(s.out, ".%-22s %s\n", strings.TrimSpace(c.name+" "+c.args), c.help)
	}
	return nil
}

func (s *Shell) dotQuit(context.Context, []string) error { return &ExitError{} }

func (s *Shell) dotExit(_ context.Context, args []string) error {
	code := 0
	if len(args) > 0 {
		code, _ = strconv.Atoi(args[0])
	}
	return &ExitError{Code: code}
}

// setMode switches to m, with the separators sqlite3's .mode sets.
func (s *Shell) setMode(m mode) {
	s.mode = m
	switch m {
	case modeList:
		s.colSep, s.rowSep = "|", "\n"
	case modeLine, modeColumn:
		s.rowSep = "\n"
		if m == modeColumn && !s.headersSet {
			s.headers = true
		}
	case modeCSV:
		s.colSep, s.rowSep = ",", "\r\n"
	case modeTabs:
		s.colSep = "\t"
	case modeQuote:
		s.colSep, s.rowSep = ",", "\n"
	case modeASCII:
		s.colSep, s.rowSep = "\x1f", "\x1e"
	case modeTcl:
		s.colSep, s.rowSep = " ", "\n"
	case modeInsert:
		s.insertName = quoteIdentIfNeeded("table")
	}
	if m.columnar() {
		s.wrap, s.wordWrap, s.quoteCells = 60, false, false // sqlite3's defaults
	}
}

// modeSearch is the order in which sqlite3 matches an abbreviated mode
// name (".mode c" is column, ".mode t" tcl), with the mode each stands for.
var modeSearch = []struct{ full, mode string }{
	{"lines", "line"}, {"columns", "column"}, {"list", "list"}, {"html", "html"},
	{"tcl", "tcl"}, {"csv", "csv"}, {"tabs", "tabs"}, {"insert", "insert"},
	{"quote", "quote"}, {"ascii", "ascii"}, {"markdown", "markdown"},
	{"table", "table"}, {"box", "box"}, {"json", "json"},
}

func (s *Shell) dotMode(_ context.Context, args []string) error {
	if len(args) == 0 {
		if s.mode.columnar() {
			fmt.Fprintf(s.out, "current output mode: %s --wrap %d --wordwrap %s --%s\n", s.mode, s.wrap,
				map[bool]string{true: "on", false: "off"}[s.wordWrap], map[bool]string{true: "quote", false: "noquote"}[s.quoteCells])
		} else if s.mode == modeTabs {
			// sqlite3's tabs mode is list with a tab separator, and says so.
			fmt.Fprintf(s.out, "current output mode: list\n")
		} else {
			fmt.Fprintf(s.out, "current output mode: %s\n", s.mode)
		}
		return nil
	}
	name := args[0]
	if name == "qbox" {
		name = "box" // with --quote, below
	}
	i := -1
	for _, m := range modeSearch {
		if name != "" && strings.HasPrefix(m.full, name) {
			i = slices.Index(modeNames, m.mode)
			break
		}
	}
	if i < 0 {
		return errors.New("mode should be one of: ascii box column csv html insert json line list markdown qbox quote table tabs tcl")
	}
	s.setMode(mode(i))
	s.quoteCells = args[0] == "qbox"
	for j := 1; j < len(args); j++ {
		switch a := args[j]; {
		case a == "--wrap" && j+1 < len(args):
			j++
			n, err := strconv.Atoi(args[j])
			if err != nil || n < 0 || n > maxWidth {
				return fmt.Errorf("%q is not a width (at most %d)", args[j], maxWidth)
			}
			s.wrap = n
		case a == "--wordwrap" && j+1 < len(args):
			j++
			s.wordWrap = s.parseBool(args[j])
		case a == "-ww":
			s.wordWrap = true
		case a == "--quote":
			s.quoteCells = true
		case a == "--noquote":
			s.quoteCells = false
		case mode(i) == modeInsert && !strings.HasPrefix(a, "-"):
			s.insertName = quoteIdentIfNeeded(a)
		default:
			return fmt.Errorf("bad option: %s", a)
		}
	}
	return nil
}

func (s *Shell) dotNullValue(_ context.Context, args []string) error {
	if len(args) != 1 {
		return usageError("nullvalue")
	}
	s.nullValue = args[0]
	return nil
}

func (s *Shell) dotSeparator(_ context.Context, args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return usageError("separator")
	}
	s.colSep = args[0]
	if len(args) > 1 {
		s.rowSep = args[1]
	}
	return nil
}

// maxWidth bounds the widths of .width and --wrap, which the shell pads
// every cell to.
const maxWidth = 10000

func (s *Shell) dotWidth(_ context.Context, args []string) error {
	s.widths = s.widths[:0]
	for _, a := range args {
		n, err := strconv.Atoi(a)
		if err != nil || n > maxWidth || n < -maxWidth {
			return fmt.Errorf("%q is not a width (at most %d)", a, maxWidth)
		}
		s.widths = append(s.widths, n)
	}
	return nil
}

// dotShow prints the settings as sqlite3 does, then those sqlite3 does
// not have.
func (s *Shell) dotShow(context.Context, []string) error {
	onOff := map[bool]string{true: "on", false: "off"}
	out := s.outName
	if out == "" {
		out = "stdout"
	}
	var widths strings.Builder
	for _, w := range s.widths {
		fmt.Fprintf(&widths, "%d ", w)
	}
	modeLine := s.mode.String()
	if s.mode.columnar() {
		modeLine = fmt.Sprintf("%s --wrap %d --wordwrap %s --%s", s.mode, s.wrap, onOff[s.wordWrap], map[bool]string{true: "quote", false: "noquote"}[s.quoteCells])
	}
	for _, kv := range [][2]string{
		{"echo", onOff[s.echo]},
		{"eqp", "off"},
		{"explain", "auto"},
		{"headers", onOff[s.headers]},
		{"mode", modeLine},
		{"nullvalue", cLiteral(s.nullValue)},
		{"output", out},
		{"colseparator", cLiteral(s.colSep)},
		{"rowseparator", cLiteral(s.rowSep)},
		{"stats", onOff[s.stats]},
		{"width", widths.String()},
		{"filename", s.filename},
		{"bail", onOff[s.bail]},
		{"changes", onOff[s.changes]},
		{"timer", onOff[s.timer]},
		{"trace", onOff[s.trace != nil]},
		{"usage", onOff[s.usage]},
	} {
		fmt.Fprintf(s.out, "%12s: %s\n", kv[0], kv[1])
	}
	return nil
}

// query runs sql with args and returns the text of its rows' columns.
func (s *Shell) query(ctx context.Context, sql string, args ...any) ([][]string, error) {
	prev := s.conn.SetContext(ctx)
	defer s.conn.SetContext(prev)
	var rows [][]string
	for st, err := range s.conn.Query(sql, args...) {
		if err != nil {
			return nil, err
		}
		row := make([]string, st.ColumnCount())
		for i := range row {
			row[i] = st.ColumnText(i)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// schemas lists the attached databases, main first.
func (s *Shell) schemas(ctx context.Context) ([]string, error) {
	rows, err := s.query(ctx, "SELECT name FROM pragma_database_list ORDER BY seq")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r[0]
	}
	return names, nil
}

// listNames lists the objects of type typ (and, for tables, views) in
// every schema whose name is LIKE pattern, in columns as sqlite3 does.
func (s *Shell) listNames(ctx context.Context, typ string, args []string, cmd string) error {
	if len(args) > 1 {
		return usageError(cmd)
	}
	pattern := "%"
	if len(args) == 1 {
		pattern = args[0]
	}
	schemas, err := s.schemas(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, schema := range schemas {
		prefix := schema + "."
		if schema == "main" {
			prefix = ""
		}
		q := fmt.Sprintf(`SELECT name FROM %s.sqlite_schema WHERE type IN (%s) AND name NOT LIKE 'sqlite_%%' AND name LIKE ?1`, quoteIdentIfNeeded(schema), typ)
		if cmd == "indexes" {
			q = fmt.Sprintf(`SELECT name FROM %s.sqlite_schema WHERE type='index' AND tbl_name LIKE ?1`, quoteIdentIfNeeded(schema))
		}
		rows, err := s.query(ctx, q, pattern)
		if err != nil {
			return err
		}
		for _, r := range rows {
			names = append(names, prefix+r[0])
		}
	}
	slices.Sort(names)
	if cmd == "indexes" {
		for _, n := range names {
			fmt.Fprintln(s.out, n)
		}
		return nil
	}
	writeInColumns(s.out, names)
	return nil
}

// writeInColumns lays names out in columns down then across, 80
// characters wide, as sqlite3's .tables does.
func writeInColumns(w io.Writer, names []string) {
	if len(names) == 0 {
		return
	}
	maxLen := 0
	for _, n := range names {
		maxLen = max(maxLen, len(n))
	}
	cols := max(80/(maxLen+2), 1)
	rows := (len(names) + cols - 1) / cols
	for i := range rows {
		var b strings.Builder
		for j := i; j < len(names); j += rows {
			if j >= rows {
				b.WriteString("  ")
			}
			fmt.Fprintf(&b, "%-*s", maxLen, names[j])
		}
		fmt.Fprintln(w, b.String())
	}
}

func (s *Shell) dotTables(ctx context.Context, args []string) error {
	return s.listNames(ctx, "'table','view'", args, "tables")
}

func (s *Shell) dotIndexes(ctx context.Context, args []string) error {
	return s.listNames(ctx, "'index'", args, "indexes")
}

// dotSchema prints the CREATE statements of the objects whose table name
// is LIKE the pattern (GLOB if it has *, ? or [), or whose "schema.table"
// is, if the pattern has a dot, with the query and the rewriting of
// sqlite3's .schema: an object outside main is named with its schema,
// and a view or virtual table gets its columns in a comment.
func (s *Shell) dotSchema(ctx context.Context, args []string) error {
	pattern, havePattern, indent, noSys := "", false, false, false
	for _, a := range args {
		opt := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		switch {
		case a != opt && opt == "indent":
			indent = true
		case a != opt && opt == "nosys":
			noSys = true
		case a != opt:
			fmt.Fprintf(s.stderr, "Unknown option: \"%s\"\n", a)
			return errReported
		case !havePattern:
			pattern, havePattern = a, true
		default:
			return usageError("schema")
		}
	}
	emit := func(sql string) {
		if indent {
			fmt.Fprint(s.out, prettySchemaLine(sql))
		} else {
			fmt.Fprint(s.out, schemaLineTail(sql, ";\n"))
		}
	}
	where := ""
	if havePattern {
		// The schema table has no row of its own: sqlite3 prints its
		// definition, under the name given, when the pattern matches one
		// of its names.
		rows, err := s.query(ctx, `SELECT 'sqlite_master' LIKE ?1 ESCAPE '\' OR 'sqlite_schema' LIKE ?1 ESCAPE '\'
			OR 'sqlite_temp_master' LIKE ?1 ESCAPE '\' OR 'sqlite_temp_schema' LIKE ?1 ESCAPE '\'`, pattern)
		if err != nil {
			return err
		}
		if rows[0][0] == "1" {
			emit(fmt.Sprintf("CREATE TABLE %s (\n  type text,\n  name text,\n  tbl_name text,\n  rootpage integer,\n  sql text\n)", pattern))
		}
		where = "lower(tbl_name)"
		if strings.Contains(pattern, ".") {
			where = "lower(printf('%s.%s', ?2, tbl_name))"
		}
		if strings.ContainsAny(pattern, "*?[") {
			where += " GLOB ?1 AND "
		} else {
			where += ` LIKE ?1 ESCAPE '\' AND `
		}
	}
	if noSys {
		where += "name NOT LIKE 'sqlite_%' AND "
	}
	params := func(schema string) []any {
		switch {
		case !havePattern:
			return nil
		case strings.Contains(pattern, "."):
			return []any{pattern, schema}
		}
		return []any{pattern}
	}
	schemas, err := s.schemas(ctx)
	if err != nil {
		return err
	}
	for _, schema := range schemas {
		q := fmt.Sprintf(`SELECT sql, name FROM %s.sqlite_schema WHERE %ssql IS NOT NULL ORDER BY rowid`, quoteAlways(schema), where)
		rows, err := s.query(ctx, q, params(schema)...)
		if err != nil {
			return err
		}
		if strings.EqualFold(schema, "main") {
			schema = ""
		}
		for _, r := range rows {
			emit(s.addSchemaName(ctx, r[0], schema, r[1]))
		}
	}
	if !havePattern {
		return nil
	}
	// As sqlite3 does, a pattern also finds the table-valued functions,
	// printed as a comment with their columns, after the objects.
	q := fmt.Sprintf(`SELECT name FROM pragma_module_list WHERE %s1 ORDER BY name`,
		strings.NewReplacer("tbl_name", "name", "?2", "'main'").Replace(where))
	mods, err := s.query(ctx, q, pattern)
	if err != nil {
		return nil // the introspection pragmas may be left out of the build
	}
	for _, m := range mods {
		if fake := s.fakeSchema(ctx, "", m[0]); fake != "" {
			emit("/* " + fake + " */")
		}
	}
	return nil
}

// addSchemaName rewrites the CREATE statement sql of the object name in
// schema ("" for main) as sqlite3's .schema prints it: the object's name
// qualified with its schema, and, for a view or a virtual table, its
// columns in a comment.
func (s *Shell) addSchemaName(ctx context.Context, sql, schema, name string) string {
	rest, ok := strings.CutPrefix(sql, "CREATE ")
	if !ok {
		return sql
	}
	for _, kind := range []string{"TABLE", "INDEX", "UNIQUE INDEX", "VIEW", "TRIGGER", "VIRTUAL TABLE"} {
		after, ok := strings.CutPrefix(rest, kind+" ")
		if !ok {
			continue
		}
		if schema != "" {
			sql = "CREATE " + kind + " " + schemaPrefix(schema) + after
		}
		if kind[0] == 'V' {
			if fake := s.fakeSchema(ctx, schema, name); fake != "" {
				sql += "\n/* " + fake + " */"
			}
		}
		return sql
	}
	return sql
}

// schemaPrefix is "schema." as sqlite3 writes it before a name: quoted if
// it must be, but temp never is.
func schemaPrefix(schema string) string {
	if strings.EqualFold(schema, "temp") {
		return schema + "."
	}
	return quoteIdentIfNeeded(schema) + "."
}

// fakeSchema is "name(col,...)" for the table or view name of schema
// ("" for main), or "" if it has no columns.
func (s *Shell) fakeSchema(ctx context.Context, schema, name string) string {
	in := schema
	if in == "" {
		in = "main"
	}
	cols, err := s.query(ctx, "SELECT name FROM pragma_table_info(?1, ?2)", name, in)
	if err != nil || len(cols) == 0 {
		return ""
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdentIfNeeded(c[0])
	}
	prefix := ""
	if schema != "" {
		prefix = schemaPrefix(schema)
	}
	return fmt.Sprintf("%s%s(%s)", prefix, quoteIdentIfNeeded(name), strings.Join(names, ","))
}

// prettySchemaLine is what .schema --indent prints for sql, as sqlite3
// lays it out: runs of spaces made one; and if that is still 79 bytes or
// more, each column or constraint of the outer parentheses on a line of
// its own. Views and triggers are printed as they are.
func prettySchemaLine(sql string) string {
	if len(sql) >= 11 && (strings.EqualFold(sql[:11], "CREATE VIEW") || strings.EqualFold(sql[:11], "CREATE TRIG")) {
		return sql + ";\n"
	}
	isSpace := func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
	var z []byte
	i := 0
	for i < len(sql) && isSpace(sql[i]) {
		i++
	}
	for ; i < len(sql); i++ {
		c := sql[i]
		if isSpace(c) {
			if z[len(z)-1] == '\r' {
				z[len(z)-1] = '\n'
			}
			if last := z[len(z)-1]; isSpace(last) || last == '(' {
				continue
			}
		} else if (c == '(' || c == ')') && len(z) > 0 && isSpace(z[len(z)-1]) {
			z = z[:len(z)-1]
		}
		z = append(z, c)
	}
	for len(z) > 0 && isSpace(z[len(z)-1]) {
		z = z[:len(z)-1]
	}
	if len(z) < 79 {
		return schemaLineTail(string(z), ";\n")
	}
	// Only whitespace, or a comment, up to the end of the line.
	wsToEOL := func(z []byte) bool {
		for i, c := range z {
			switch {
			case c == '\n' || c == '-' && i+1 < len(z) && z[i+1] == '-':
				return true
			case !isSpace(c):
				return false
			}
		}
		return true
	}
	var b strings.Builder
	var line []byte
	var cEnd byte
	nParen, nLine := 0, 0
	for i := 0; i < len(z); i++ {
		c := z[i]
		// sqlite3 counts the parentheses inside quotes too.
		switch {
		case c == cEnd:
			cEnd = 0
		case c == '"' || c == '\'' || c == '`':
			cEnd = c
		case c == '[':
			cEnd = ']'
		case c == '-' && i+1 < len(z) && z[i+1] == '-':
			cEnd = '\n'
		case c == '(':
			nParen++
		case c == ')':
			nParen--
			if nLine > 0 && nParen == 0 && len(line) > 0 {
				b.WriteString(schemaLineTail(string(line), "\n"))
				line = line[:0]
			}
		}
		line = append(line, c)
		if nParen == 1 && cEnd == 0 && (c == '(' || c == '\n' || c == ',' && !wsToEOL(z[i+1:])) {
			if c == '\n' {
				line = line[:len(line)-1]
			}
			b.WriteString(schemaLineTail(string(line), "\n  "))
			line = line[:0]
			nLine++
			for i+1 < len(z) && isSpace(z[i+1]) {
				i++
			}
		}
	}
	b.WriteString(schemaLineTail(string(line), ";\n"))
	return b.String()
}

func (s *Shell) dotPrint(_ context.Context, args []string) error {
	_, err := fmt.Fprintln(s.out, strings.Join(args, " "))
	return err
}

func (s *Shell) dotDatabases(ctx context.Context, _ []string) error {
	schemas, err := s.schemas(ctx)
	if err != nil {
		return err
	}
	for _, schema := range schemas {
		file := s.conn.Filename(schema)
		if file == "" {
			file = `""`
		}
		ro := map[bool]string{true: "r/o", false: "r/w"}[s.conn.ReadOnly(schema)]
		txn := map[sqlite.TxnState]string{sqlite.TxnNone: "", sqlite.TxnRead: " read-txn", sqlite.TxnWrite: " write-txn"}[s.conn.TxnState(schema)]
		fmt.Fprintf(s.out, "%s: %s %s%s\n", schema, file, ro, txn)
	}
	return nil
}

func (s *Shell) dotDump(ctx context.Context, args []string) error {
	if len(args) > 0 {
		// sqlite3 takes table patterns here; ext/dump writes whole
		// databases, which is what loads back identically.
		return fmt.Errorf(".dump writes the whole database: table patterns and options (%s) are not supported", args[0])
	}
	prev := s.conn.SetContext(ctx)
	defer s.conn.SetContext(prev)
	if s.outFile == nil {
		return dump.Dump(s.conn, s.out, nil)
	}
	// To a file (.output, .once): the terminal shows the progress.
	bar := s.startProgress("dump")
	defer bar.done()
	return dump.Dump(s.conn, &countingWriter{w: s.out, progress: bar}, nil)
}

// maxReadDepth bounds .read within .read, so that a script reading
// itself fails rather than exhausting the stack.
const maxReadDepth = 50

func (s *Shell) dotRead(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageError("read")
	}
	if s.readDepth >= maxReadDepth {
		return fmt.Errorf(".read nested more than %d deep (does %s read itself?)", maxReadDepth, args[0])
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	s.readDepth++
	err = s.run(ctx, bufio.NewReader(f), true)
	s.readDepth--
	if errors.Is(err, ErrFailed) {
		return fmt.Errorf("%w: %w", errReported, err)
	}
	return err
}

// setOutput sends the results to the file name ("" or "stdout": back to
// the shell's writer).
func (s *Shell) setOutput(name string) error {
	if err := s.closeOutput(); err != nil {
		return err
	}
	if name == "" || name == "stdout" {
		return nil
	}
	if strings.HasPrefix(name, "|") {
		return errors.New("output to a pipe is not supported")
	}
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("cannot open %q: %w", name, err)
	}
	s.outFile, s.out, s.outName = f, f, name
	return nil
}

func (s *Shell) closeOutput() error {
	if s.outFile == nil {
		return nil
	}
	err := s.outFile.Close()
	s.outFile, s.out, s.outName = nil, s.stdout, ""
	return err
}

func (s *Shell) dotOutput(_ context.Context, args []string) error {
	if len(args) > 1 {
		return usageError("output")
	}
	s.onceReset = false
	return s.setOutput(strings.Join(args, ""))
}

func (s *Shell) dotOnce(_ context.Context, args []string) error {
	if len(args) != 1 {
		return usageError("once")
	}
	if err := s.setOutput(args[0]); err != nil {
		return err
	}
	s.onceReset = true
	return nil
}

func (s *Shell) dotOpen(_ context.Context, args []string) error {
	var flags sqlite.OpenFlags
	name := ""
	newDB := false
	for _, a := range args {
		switch a {
		case "--new":
			newDB = true
		case "--readonly":
			flags |= sqlite.OpenReadOnly
		default:
			if strings.HasPrefix(a, "-") {
				return fmt.Errorf("unknown option: %s", a)
			}
			if name != "" {
				return fmt.Errorf("extra argument: %q", a)
			}
			name = a
		}
	}
	if name == "" {
		name = ":memory:"
	}
	if newDB && name != ":memory:" {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	conn, err := sqlite.Open(name, flags)
	if err != nil {
		return fmt.Errorf("unable to open database %q: %w", name, err)
	}
	s.stopTrace()
	if s.ownConn {
		s.conn.Close()
	}
	s.conn, s.ownConn, s.filename = conn, true, name
	s.db = nil
	if s.timeout > 0 {
		conn.SetBusyTimeout(s.timeout)
	}
	return nil
}

func (s *Shell) dotTimeout(_ context.Context, args []string) error {
	if len(args) != 1 {
		return usageError("timeout")
	}
	ms, err := strconv.Atoi(args[0])
	if err != nil || ms < 0 || ms > math.MaxInt32 {
		return fmt.Errorf("%q is not a number of milliseconds", args[0])
	}
	s.timeout = time.Duration(ms) * time.Millisecond
	s.conn.SetBusyTimeout(s.timeout)
	return nil
}

func (s *Shell) dotParameter(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError("parameter")
	}
	exec := func(sql string, params ...any) error {
		prev := s.conn.SetContext(ctx)
		defer s.conn.SetContext(prev)
		return s.conn.Exec(sql, params...)
	}
	switch args[0] {
	case "init":
		return s.createParameters(ctx)
	case "clear":
		return exec("DROP TABLE IF EXISTS temp.sqlite_parameters")
	case "list":
		exists, err := s.conn.TableExists("temp", "sqlite_parameters")
		if err != nil || !exists {
			return err
		}
		rows, err := s.query(ctx, "SELECT key, quote(value) FROM temp.sqlite_parameters ORDER BY key")
		if err != nil {
			return err
		}
		w := 0
		for _, r := range rows {
			w = max(w, len(r[0]))
		}
		for _, r := range rows {
			fmt.Fprintf(s.out, "%-*s %s\n", w, r[0], r[1])
		}
		return nil
	case "set":
		if len(args) != 3 {
			return errors.New("usage: .parameter set NAME VALUE")
		}
		if err := s.createParameters(ctx); err != nil {
			return err
		}
		// The value is an SQL expression, or else text, as in sqlite3.
		if err := exec(fmt.Sprintf("REPLACE INTO temp.sqlite_parameters(key,value) VALUES(?1,%s)", args[2]), args[1]); err != nil {
			return exec("REPLACE INTO temp.sqlite_parameters(key,value) VALUES(?1,?2)", args[1], args[2])
		}
		return nil
	case "unset":
		if len(args) != 2 {
			return errors.New("usage: .parameter unset NAME")
		}
		exists, err := s.conn.TableExists("temp", "sqlite_parameters")
		if err != nil || !exists {
			return err
		}
		return exec("DELETE FROM temp.sqlite_parameters WHERE key=?1", args[1])
	}
	return usageError("parameter")
}

// backupArgs reads "?DB? FILE".
func backupArgs(cmd string, args []string) (schema, file string, err error) {
	switch len(args) {
	case 1:
		return "main", args[0], nil
	case 2:
		return args[0], args[1], nil
	}
	return "", "", usageError(cmd)
}

func (s *Shell) dotBackup(ctx context.Context, args []string) error {
	schema, file, err := backupArgs("backup", args)
	if err != nil {
		return err
	}
	dst, err := sqlite.Open(file, 0)
	if err != nil {
		return fmt.Errorf("cannot open %q: %w", file, err)
	}
	bar := s.startProgress("backup")
	err = s.conn.BackupTo(ctx, dst, &sqlite.BackupOptions{SrcSchema: schema, Progress: bar.pages})
	bar.done()
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Shell) dotRestore(ctx context.Context, args []string) error {
	schema, file, err := backupArgs("restore", args)
	if err != nil {
		return err
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("cannot open %q: %w", file, err)
	}
	src, err := sqlite.Open(file, sqlite.OpenReadOnly)
	if err != nil {
		return fmt.Errorf("cannot open %q: %w", file, err)
	}
	defer src.Close()
	bar := s.startProgress("restore")
	err = src.BackupTo(ctx, s.conn, &sqlite.BackupOptions{DstSchema: schema, Progress: bar.pages})
	bar.done()
	return err
}

func (s *Shell) stopTrace() {
	if s.trace != nil {
		s.trace()
		s.trace = nil
	}
}

func (s *Shell) dotTrace(_ context.Context, args []string) error {
	if len(args) != 1 {
		return usageError("trace")
	}
	on := s.parseBool(args[0])
	s.stopTrace()
	if !on {
		return nil
	}
	stop, err := trace.Start(s.conn, s.stderr, &trace.Options{Transactions: true})
	if err != nil {
		return err
	}
	s.trace = func() { stop() }
	return nil
}

func (s *Shell) dotPages(ctx context.Context, args []string) error {
	if len(args) > 1 {
		return usageError("pages")
	}
	prev := s.conn.SetContext(ctx)
	defer s.conn.SetContext(prev)
	du, err := inspect.AnalyzePages(s.conn, "main", inspect.ScopeTable)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "page size %d, %d pages, %d free\n", du.PageSize, du.PageCount, du.FreePages)
	fmt.Fprintf(s.out, "%-24s %8s %8s %10s %6s\n", "table", "pages", "cells", "payload", "used")
	for _, u := range du.Usage {
		if len(args) == 1 && !strings.EqualFold(u.Name, args[0]) {
			continue
		}
		fmt.Fprintf(s.out, "%-24s %8d %8d %10d %5.1f%%\n", u.Name, u.Pages, u.Cells, u.Payload, 100*u.Utilization())
	}
	return nil
}

func (s *Shell) dotPlan(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError("plan")
	}
	prev := s.conn.SetContext(ctx)
	defer s.conn.SetContext(prev)
	qd, err := inspect.QueryInfo(s.conn, strings.Join(args, " "))
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "statement:  %s\n", qd.First)
	fmt.Fprintf(s.out, "read-only:  %s\n", map[bool]string{true: "yes", false: "no"}[qd.ReadOnly])
	if len(qd.Params) > 0 {
		fmt.Fprintf(s.out, "parameters: %s\n", strings.Join(qd.Params, ", "))
	}
	if len(qd.Columns) > 0 {
		fmt.Fprintln(s.out, "columns:")
		width := 0
		for _, c := range qd.Columns {
			width = max(width, len(c.Name))
		}
		for _, c := range qd.Columns {
			from := "(expression)"
			if c.Table != "" {
				from = "from " + c.Database + "." + c.Table + "." + c.Origin
			}
			fmt.Fprintf(s.out, "  %-*s  %-8s %s\n", width, c.Name, c.DeclType, from)
		}
	}
	if len(qd.Actions) > 0 {
		fmt.Fprintln(s.out, "uses:")
		seen := map[string]bool{}
		for _, a := range qd.Actions {
			if line := a.String(); !seen[line] {
				seen[line] = true
				fmt.Fprintf(s.out, "  %s\n", line)
			}
		}
	}
	if qd.Plan != nil {
		fmt.Fprint(s.out, qd.Plan.String())
		if !strings.HasSuffix(qd.Plan.String(), "\n") {
			fmt.Fprintln(s.out)
		}
	}
	return nil
}

func (s *Shell) dotFTSQ(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return usageError("ftsq")
	}
	prev := s.conn.SetContext(ctx)
	defer s.conn.SetContext(prev)
	t, err := fts.Open(s.conn, args[0])
	if err != nil {
		return err
	}
	query := strings.Join(args[1:], " ")
	n := 0
	for m, err := range t.Search(query) {
		if err != nil {
			return err
		}
		fmt.Fprintln(s.out, m.String())
		n++
	}
	if n == 0 {
		if better, ok, err := t.QuerySuggest(query); err == nil && ok {
			fmt.Fprintf(s.out, "no match; did you mean: %s\n", better)
		}
	}
	return nil
}

// dotStats prints the memory and cache figures of the library and of
// the connection, with the names sqlite3's .stats gives them, then the
// figures of the DB the connection belongs to, if SetDB named one.
func (s *Shell) dotStats(_ context.Context, args []string) error {
	switch len(args) {
	case 0:
	case 1:
		s.stats = s.parseBool(args[0])
		return nil
	default:
		return usageError("stats")
	}
	for _, g := range []struct {
		name  string
		op    sqlite.StatusOp
		bytes bool
	}{
		{"Memory Used", sqlite.StatusMemoryUsed, true},
		{"Number of Outstanding Allocations", sqlite.StatusMallocCount, false},
		{"Number of Pcache Overflow Bytes", sqlite.StatusPageCacheOverflow, true},
		{"Largest Allocation", sqlite.StatusMallocSize, true},
		{"Largest Pcache Allocation", sqlite.StatusPageCacheSize, true},
	} {
		cur, hi, err := sqlite.GlobalStatus(g.op, false)
		if err != nil {
			return err
		}
		if cur == 0 && hi == 0 {
			continue // not counted: the engine keeps no memory statistics
		}
		unit := map[bool]string{true: " bytes", false: ""}[g.bytes]
		if g.op == sqlite.StatusMallocSize || g.op == sqlite.StatusPageCacheSize {
			fmt.Fprintf(s.out, "%-37s%d%s\n", g.name+":", hi, unit)
		} else {
			fmt.Fprintf(s.out, "%-37s%d (max %d)%s\n", g.name+":", cur, hi, unit)
		}
	}
	for _, c := range []struct {
		name    string
		op      sqlite.DBStatusOp
		useHigh bool // the figure is the high-water mark
		max     bool // show the high-water mark too
		bytes   bool
	}{
		{"Lookaside Slots Used", sqlite.DBStatusLookasideUsed, false, true, false},
		{"Successful lookaside attempts", sqlite.DBStatusLookasideHit, true, false, false},
		{"Lookaside failures due to size", sqlite.DBStatusLookasideMissSize, true, false, false},
		{"Lookaside failures due to OOM", sqlite.DBStatusLookasideMissFull, true, false, false},
		{"Pager Heap Usage", sqlite.DBStatusCacheUsed, false, false, true},
		{"Page cache hits", sqlite.DBStatusCacheHit, false, false, false},
		{"Page cache misses", sqlite.DBStatusCacheMiss, false, false, false},
		{"Page cache writes", sqlite.DBStatusCacheWrite, false, false, false},
		{"Page cache spills", sqlite.DBStatusCacheSpill, false, false, false},
		{"Schema Heap Usage", sqlite.DBStatusSchemaUsed, false, false, true},
		{"Statement Heap/Lookaside Usage", sqlite.DBStatusStmtUsed, false, false, true},
	} {
		cur, hi, err := s.conn.Status(c.op, false)
		if err != nil {
			return err
		}
		v := cur
		if c.useHigh {
			v = hi
		}
		line := fmt.Sprintf("%-37s%d", c.name+":", v)
		if c.max {
			line += fmt.Sprintf(" (max %d)", hi)
		}
		if c.bytes {
			line += " bytes"
		}
		fmt.Fprintln(s.out, line)
	}
	if s.db != nil {
		s.printDBStats(s.db.Stats())
	}
	return nil
}

// printDBStats prints a DB's figures in the layout of .stats.
func (s *Shell) printDBStats(st asqlite.Stats) {
	mean := 0.0
	if st.Batches > 0 {
		mean = float64(st.BatchedWrites) / float64(st.Batches)
	}
	for _, l := range [][2]string{
		{"DB writes", fmt.Sprintf("%d (errors %d)", st.Writes, st.WriteErrors)},
		{"DB commits", fmt.Sprintf("%d (rollbacks %d)", st.Commits, st.Rollbacks)},
		{"DB group commits", fmt.Sprintf("%d, %.1f writes each (max %d); failed %d, writes redone %d", st.Batches, mean, st.MaxBatch, st.GroupFailures, st.Redone)},
		{"DB write queue", fmt.Sprintf("%d of %d (waits for room %d, full %d, abandoned %d)", st.QueueDepth, st.QueueCapacity, st.QueueWaits, st.QueueFull, st.Abandoned)},
		{"DB time in queue", fmt.Sprintf("%v (max %v)", st.QueueWait, st.MaxQueueWait)},
		{"DB readers", fmt.Sprintf("%d (idle %d)", st.Readers, st.IdleReaders)},
		{"DB reads", fmt.Sprintf("%d (errors %d, time-limited %d, waited %d for %v)", st.Reads, st.ReadErrors, st.TimeLimited, st.ReadWaits, st.ReadWait)},
		{"DB checkpoints", fmt.Sprintf("%d (WAL restarts %d, busy %d, errors %d)", st.Checkpoints, st.WALRestarts, st.CheckpointBusy, st.CheckpointErrors)},
		{"DB WAL pages", fmt.Sprint(st.WALPages)},
	} {
		fmt.Fprintf(s.out, "%-37s%s\n", l[0]+":", l[1])
	}
}

// measure runs fn, with its resource usage printed after it when .usage
// is on.
func (s *Shell) measure(fn func() error) error {
	if !s.usage {
		return fn()
	}
	return usage.Do(s.conn, s.out, nil, fn)
}

// createParameters creates the table of .parameter, whose name SQLite
// reserves: as sqlite3 does, it allows that for the moment it takes.
func (s *Shell) createParameters(ctx context.Context) error {
	prev := s.conn.SetContext(ctx)
	defer s.conn.SetContext(prev)
	old, err := s.conn.SetDBConfig(sqlite.DBConfigWritableSchema, true)
	if err != nil {
		return err
	}
	defer s.conn.SetDBConfig(sqlite.DBConfigWritableSchema, old)
	return s.conn.Exec(`CREATE TABLE IF NOT EXISTS temp.sqlite_parameters(key TEXT PRIMARY KEY, value) WITHOUT ROWID`)
}

// schemaLineTail is sql followed by tail as sqlite3's .schema prints it: a
// table with a quoted name gets IF NOT EXISTS, and the semicolon that ends
// a statement goes after a comment that ends the text, not inside it.
func schemaLineTail(sql, tail string) string {
	if strings.HasPrefix(tail, ";") && (strings.Contains(sql, "/*") || strings.Contains(sql, "--")) {
		for _, term := range []string{"", "*/", "\n"} {
			if sqlite.Complete(sql + term + ";") {
				sql += term
				break
			}
		}
	}
	if rest, ok := strings.CutPrefix(sql, "CREATE TABLE "); ok && (strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "'")) {
		sql = "CREATE TABLE IF NOT EXISTS " + rest
	}
	return sql + tail
}
