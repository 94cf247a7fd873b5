package shell

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// mode is an output mode of .mode.
type mode int

const (
	modeList mode = iota
	modeCSV
	modeJSON
	modeLine
	modeColumn
	modeBox
	modeTable
	modeMarkdown
	modeQuote
	modeInsert
	modeHTML
	modeTabs
	modeASCII
	modeTcl
)

var modeNames = []string{"list", "csv", "json", "line", "column", "box", "table", "markdown", "quote", "insert", "html", "tabs", "ascii", "tcl"}

func (m mode) String() string { return modeNames[m] }

// columnar reports whether m lays rows out in aligned columns, which
// needs every row before the first is written.
func (m mode) columnar() bool {
	return m == modeColumn || m == modeBox || m == modeTable || m == modeMarkdown
}

// cell is one value of a result row.
type cell struct {
	typ  sqlite.ColumnType
	text string // as sqlite3 shows it: the text up to a NUL, a REAL as %!.15g
	blob []byte // the bytes of a BLOB
	real float64
}

func readCell(stmt *sqlite.Stmt, i int) cell {
	c := cell{typ: stmt.ColumnType(i)}
	switch c.typ {
	case sqlite.Null:
	case sqlite.Float:
		c.real = stmt.ColumnFloat(i)
		c.text = formatReal(c.real, 15)
	case sqlite.Blob:
		c.blob = stmt.ColumnBytes(i, nil)
		c.text = cString(string(c.blob))
	default:
		c.text = cString(stmt.ColumnText(i))
	}
	return c
}

// cString cuts s at its first NUL, as the C strings sqlite3 prints are.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// writeRows steps stmt to its end, writing its rows in the current mode.
func (s *Shell) writeRows(stmt *sqlite.Stmt) error {
	w := bufio.NewWriter(s.out)
	defer w.Flush()
	n := stmt.ColumnCount()
	names := make([]string, n)
	for i := range names {
		names[i] = cString(stmt.ColumnName(i))
	}
	switch stmt.IsExplain() {
	case 2:
		return s.writePlan(stmt)
	case 1:
		if slices.Equal(names, explainColumns) {
			return s.writeExplain(stmt)
		}
	}
	var rows [][]cell
	count := 0
	for {
		ok, err := stmt.Step()
		if err != nil {
			if s.mode == modeJSON && count > 0 {
				w.WriteString("]\n")
			}
			return err
		}
		if !ok {
			break
		}
		if n == 0 {
			continue
		}
		row := make([]cell, n)
		for i := range row {
			row[i] = readCell(stmt, i)
		}
		if s.mode.columnar() {
			rows = append(rows, row)
			continue
		}
		s.writeRow(w, names, row, count)
		count++
	}
	if s.mode.columnar() {
		s.writeColumnar(w, names, rows)
	}
	if s.mode == modeJSON && count > 0 {
		w.WriteString("]\n")
	}
	return nil
}

// writeRow writes row, the count'th of its statement, in a mode that
// writes row by row.
func (s *Shell) writeRow(w *bufio.Writer, names []string, row []cell, count int) {
	switch s.mode {
	case modeList, modeTabs, modeASCII:
		if count == 0 && s.headers {
			w.WriteString(strings.Join(names, s.colSep) + s.rowSep)
		}
		for i, c := range row {
			if i > 0 {
				w.WriteString(s.colSep)
			}
			w.WriteString(s.show(c))
		}
		w.WriteString(s.rowSep)
	case modeLine:
		width := 5
		for _, name := range names {
			width = max(width, len(name))
		}
		if count > 0 {
			w.WriteString(s.rowSep)
		}
		for i, c := range row {
			fmt.Fprintf(w, "%*s = %s%s", width, names[i], s.show(c), s.rowSep)
		}
	case modeCSV:
		if count == 0 && s.headers {
			for i, name := range names {
				s.writeCSV(w, name, i < len(names)-1)
			}
			w.WriteString(s.rowSep)
		}
		for i, c := range row {
			if c.typ == sqlite.Null {
				w.WriteString(s.nullValue)
				if i < len(row)-1 {
					w.WriteString(s.colSep)
				}
				continue
			}
			s.writeCSV(w, c.text, i < len(row)-1)
		}
		w.WriteString(s.rowSep)
	case modeJSON:
		if count == 0 {
			w.WriteString("[{")
		} else {
			w.WriteString(",\n{")
		}
		for i, c := range row {
			writeJSONString(w, names[i])
			w.WriteByte(':')
			switch c.typ {
			case sqlite.Null:
				w.WriteString("null")
			case sqlite.Float:
				w.WriteString(quoteReal(c.real, false, true))
			case sqlite.Blob:
				writeJSONString(w, string(c.blob))
			case sqlite.Text:
				writeJSONString(w, c.text)
			default:
				w.WriteString(c.text)
			}
			if i < len(row)-1 {
				w.WriteByte(',')
			}
		}
		w.WriteByte('}')
	case modeQuote, modeInsert:
		if s.mode == modeInsert {
			w.WriteString("INSERT INTO " + s.insertName)
			if s.headers {
				w.WriteByte('(')
				for i, name := range names {
					if i > 0 {
						w.WriteByte(',')
					}
					w.WriteString(quoteIdentIfNeeded(name))
				}
				w.WriteByte(')')
			}
		} else if count == 0 && s.headers {
			for i, name := range names {
				if i > 0 {
					w.WriteString(s.colSep)
				}
				w.WriteString(quoteString(name))
			}
			w.WriteString(s.rowSep)
		}
		for i, c := range row {
			switch {
			case s.mode == modeInsert && i == 0:
				w.WriteString(" VALUES(")
			case s.mode == modeInsert:
				w.WriteByte(',')
			case i > 0:
				w.WriteString(s.colSep)
			}
			w.WriteString(sqlLiteral(c, s.mode == modeInsert))
		}
		if s.mode == modeQuote {
			w.WriteString("\n")
		} else {
			w.WriteString(");\n")
		}
	case modeTcl:
		if count == 0 && s.headers {
			for i, name := range names {
				if i > 0 {
					w.WriteString(s.colSep)
				}
				writeCString(w, name)
			}
			w.WriteString(s.rowSep)
		}
		for i, c := range row {
			if i > 0 {
				w.WriteString(s.colSep)
			}
			writeCString(w, s.show(c))
		}
		w.WriteString(s.rowSep)
	case modeHTML:
		if count == 0 && s.headers {
			w.WriteString("<TR>")
			for _, name := range names {
				w.WriteString("<TH>" + htmlEscape(name) + "</TH>\n")
			}
			w.WriteString("</TR>\n")
		}
		w.WriteString("<TR>")
		for _, c := range row {
			w.WriteString("<TD>" + htmlEscape(s.show(c)) + "</TD>\n")
		}
		w.WriteString("</TR>\n")
	}
}

// show is the text of c in the modes that print NULL as .nullvalue.
func (s *Shell) show(c cell) string {
	if c.typ == sqlite.Null {
		return s.nullValue
	}
	return c.text
}

// writeCSV writes one CSV field, quoted when it holds a character that
// needs it (as sqlite3 decides: a control character, space, quote
// or non-ASCII byte, or the separator) or is empty.
func (s *Shell) writeCSV(w *bufio.Writer, z string, sep bool) {
	quote := z == "" || strings.Contains(z, s.colSep)
	for i := 0; i < len(z) && !quote; i++ {
		c := z[i]
		quote = c <= ' ' || c == '"' || c == '\'' || c >= 0x7f
	}
	if quote {
		w.WriteString(`"` + strings.ReplaceAll(z, `"`, `""`) + `"`)
	} else {
		w.WriteString(z)
	}
	if sep {
		w.WriteString(s.colSep)
	}
}

// writeJSONString writes z as a JSON string the way sqlite3 does: bytes
// at and above 0x80 pass through unchanged.
func writeJSONString(w *bufio.Writer, z string) {
	w.WriteByte('"')
	for i := 0; i < len(z); i++ {
		c := z[i]
		switch {
		case c == '\\' || c == '"':
			w.WriteByte('\\')
			w.WriteByte(c)
		case c == '\b':
			w.WriteString(`\b`)
		case c == '\f':
			w.WriteString(`\f`)
		case c == '\n':
			w.WriteString(`\n`)
		case c == '\r':
			w.WriteString(`\r`)
		case c == '\t':
			w.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(w, `\u%04x`, c)
		default:
			w.WriteByte(c)
		}
	}
	w.WriteByte('"')
}

// writeCString writes z as a C (and Tcl) string literal, as sqlite3's
// tcl mode does.
func writeCString(w *bufio.Writer, z string) { w.WriteString(cLiteral(z)) }

// cLiteral is z as a C string literal, as sqlite3 writes them: bytes
// that are not printable ASCII in octal.
func cLiteral(z string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(z); i++ {
		switch c := z[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '"':
			b.WriteString(`\"`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < ' ' || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// quoteReal is a REAL as quote, insert and json modes write it, with 20
// significant digits, so that 91/7.0 is 12.999999999999999999 as sqlite3
// 3.40 writes it; insert mode (insert true) writes whole numbers as
// integers with ".0" and infinities as 1e999, as does json (inf true).
func quoteReal(r float64, insert, inf bool) string {
	switch {
	case (insert || inf) && math.IsInf(r, 1):
		return "1e999"
	case (insert || inf) && math.IsInf(r, -1):
		return "-1e999"
	case insert && r >= -0x1p63 && r < 0x1p63 && r == math.Trunc(r):
		return strconv.FormatInt(int64(r), 10) + ".0"
	}
	return formatReal(r, 20)
}

// sqlLiteral is c as an SQL literal, as quote and insert modes write it;
// in insert mode, newlines and carriage returns in text are written with
// replace() and char() so that each row stays on one line.
func sqlLiteral(c cell, escapeNewlines bool) string {
	switch c.typ {
	case sqlite.Null:
		return "NULL"
	case sqlite.Integer:
		return c.text
	case sqlite.Float:
		return quoteReal(c.real, escapeNewlines, false)
	case sqlite.Blob:
		return fmt.Sprintf("X'%x'", c.blob)
	}
	if escapeNewlines {
		return quoteEscapedString(c.text)
	}
	return quoteString(c.text)
}

func quoteString(z string) string { return "'" + strings.ReplaceAll(z, "'", "''") + "'" }

// quoteEscapedString quotes z for one line of SQL: its newlines and
// carriage returns are written as a marker that replace() turns back.
func quoteEscapedString(z string) string {
	nl, cr := strings.Contains(z, "\n"), strings.Contains(z, "\r")
	if !nl && !cr {
		return quoteString(z)
	}
	var b strings.Builder
	var nlMark, crMark string
	if nl {
		b.WriteString("replace(")
		nlMark = unusedString(z, `\n`, `\012`)
	}
	if cr {
		b.WriteString("replace(")
		crMark = unusedString(z, `\r`, `\015`)
	}
	q := strings.ReplaceAll(z, "'", "''")
	q = strings.ReplaceAll(q, "\n", nlMark)
	q = strings.ReplaceAll(q, "\r", crMark)
	b.WriteString("'" + q + "'")
	if cr {
		fmt.Fprintf(&b, ",'%s',char(13))", crMark)
	}
	if nl {
		fmt.Fprintf(&b, ",'%s',char(10))", nlMark)
	}
	return b.String()
}

// unusedString returns a or b, whichever z does not contain, or else a
// numbered variant of a that z does not contain.
func unusedString(z, a, b string) string {
	if !strings.Contains(z, a) {
		return a
	}
	if !strings.Contains(z, b) {
		return b
	}
	for i := 0; ; i++ {
		m := fmt.Sprintf("(%s%d)", a, i)
		if !strings.Contains(z, m) {
			return m
		}
	}
}

func htmlEscape(z string) string {
	return htmlReplacer.Replace(z)
}

var htmlReplacer = strings.NewReplacer("<", "&lt;", "&", "&amp;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// quoteIdentIfNeeded double-quotes name unless it is a plain identifier
// that is not a keyword, as sqlite3 does for column and table names.
func quoteIdentIfNeeded(name string) string {
	plain := name != "" && !isKeyword(name)
	for i := 0; i < len(name) && plain; i++ {
		c := name[i]
		plain = c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9'
	}
	if plain {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// writeColumnar writes rows aligned in columns (column, box, table and
// markdown modes). A cell's text is cut into lines at its newlines and
// control characters (and at its column's .width, if set), tabs expand to
// the next multiple of 8, and when a cell takes more than one line rows
// are divided by rules, as sqlite3 3.40 lays them out.
func (s *Shell) writeColumnar(w io.Writer, names []string, rows [][]cell) {
	n := len(names)
	if len(rows) == 0 || n == 0 {
		return
	}
	// Markdown is text to be read by other programs, in sqlite3's bytes
	// exactly; the others are for the terminal, aligned by display width.
	rw := runeWidth
	if s.mode == modeMarkdown {
		rw = oneColumn
	}
	setWidth := func(i int) int {
		if i < len(s.widths) {
			return s.widths[i]
		}
		return 0
	}
	abs := func(wx int) int {
		if wx < 0 {
			return -wx
		}
		return wx
	}
	// The width a column's lines wrap at: its .width, else --wrap.
	absWidth := func(i int) int {
		if wx := setWidth(i); wx != 0 {
			return abs(wx)
		}
		return s.wrap
	}
	actual := make([]int, n)
	for i := range actual {
		actual[i] = abs(setWidth(i))
	}
	// The grid of display lines: the header line, then each row's lines.
	var grid [][]string
	var rowDiv []bool // rowDiv[k]: a row of the data ends at grid line k+1
	head := make([]string, n)
	for i, name := range names {
		head[i], _ = displayLine(name, absWidth(i), rw)
	}
	grid = append(grid, head)
	multiLine := false
	for _, row := range rows {
		rest := make([]string, n)
		more := make([]bool, n)
		for i, c := range row {
			switch {
			case s.quoteCells:
				rest[i] = quotedCell(c)
			case c.typ == sqlite.Null:
				rest[i] = s.nullValue
			default:
				rest[i] = c.text
			}
			more[i] = true
		}
		for {
			line := make([]string, n)
			next := false
			for i := range line {
				if !more[i] {
					continue
				}
				var tail string
				var hasTail bool
				line[i], tail, hasTail = displayLineTail(rest[i], absWidth(i), rw, s.wordWrap)
				rest[i], more[i] = tail, hasTail
				next = next || hasTail
			}
			grid = append(grid, line)
			rowDiv = append(rowDiv, !next)
			if !next {
				break
			}
			multiLine = true
		}
	}
	for _, line := range grid {
		for i, z := range line {
			actual[i] = max(actual[i], displayWidth(z, rw))
		}
	}
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	rule := func(left, mid, right, dash string) {
		bw.WriteString(left)
		for i, wd := range actual {
			bw.WriteString(strings.Repeat(dash, wd+2))
			if i < n-1 {
				bw.WriteString(mid)
			}
		}
		bw.WriteString(right + "\n")
	}
	centered := func(z string, wd int) string {
		pad := wd - displayWidth(z, rw)
		return strings.Repeat(" ", pad/2) + z + strings.Repeat(" ", (pad+1)/2)
	}
	var colSep, rowSep, rowStart string
	switch s.mode {
	case modeColumn:
		colSep, rowSep = "  ", "\n"
		if s.headers {
			for i, z := range grid[0] {
				bw.WriteString(padCell(z, actual[i], setWidth(i) < 0, rw))
				bw.WriteString(map[bool]string{true: "\n", false: "  "}[i == n-1])
			}
			for i, wd := range actual {
				bw.WriteString(strings.Repeat("-", wd))
				bw.WriteString(map[bool]string{true: "\n", false: "  "}[i == n-1])
			}
		}
	case modeTable, modeMarkdown:
		colSep, rowSep, rowStart = " | ", " |\n", "| "
		if s.mode == modeTable {
			rule("+", "+", "+", "-")
		}
		bw.WriteString("| ")
		for i, z := range grid[0] {
			bw.WriteString(centered(z, actual[i]))
			bw.WriteString(map[bool]string{true: " |\n", false: " | "}[i == n-1])
		}
		if s.mode == modeTable {
			rule("+", "+", "+", "-")
		} else {
			rule("|", "|", "|", "-")
		}
	case modeBox:
		colSep, rowSep, rowStart = " │ ", " │\n", "│ "
		rule("┌", "┬", "┐", "─")
		bw.WriteString("│ ")
		for i, z := range grid[0] {
			bw.WriteString(centered(z, actual[i]))
			bw.WriteString(map[bool]string{true: " │\n", false: " │ "}[i == n-1])
		}
		rule("├", "┼", "┤", "─")
	}
	for k, line := range grid[1:] {
		bw.WriteString(rowStart)
		for i, z := range line {
			bw.WriteString(padCell(z, actual[i], setWidth(i) < 0, rw))
			if i < n-1 {
				bw.WriteString(colSep)
			}
		}
		bw.WriteString(rowSep)
		if multiLine && rowDiv[k] && k+2 < len(grid) {
			switch s.mode {
			case modeTable:
				rule("+", "+", "+", "-")
			case modeBox:
				rule("├", "┼", "┤", "─")
			case modeColumn:
				bw.WriteString("\n")
			}
		}
	}
	switch s.mode {
	case modeTable:
		rule("+", "+", "+", "-")
	case modeBox:
		rule("└", "┴", "┘", "─")
	}
}

// padCell pads z with spaces to wd columns, on the left when right is
// set; a longer z is cut to wd columns.
func padCell(z string, wd int, right bool, rw func(rune) int) string {
	dw := displayWidth(z, rw)
	if dw > wd {
		z = cutToWidth(z, wd, rw)
		dw = displayWidth(z, rw)
	}
	if right {
		return strings.Repeat(" ", wd-dw) + z
	}
	return z + strings.Repeat(" ", wd-dw)
}

// quotedCell is c as the columnar modes' --quote shows it: text quoted,
// blobs in hex, numbers and NULL as SQL writes them.
func quotedCell(c cell) string {
	switch c.typ {
	case sqlite.Null:
		return "NULL"
	case sqlite.Text:
		return quoteString(c.text)
	case sqlite.Blob:
		return fmt.Sprintf("x'%x'", c.blob)
	}
	return c.text
}
