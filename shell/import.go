package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// importReader reads the fields of a CSV (or separator-delimited) file
// with the rules of sqlite3's .import: a field in double quotes may hold
// separators, newlines and doubled quotes; a row separator preceded by
// "\r" drops it; a UTF-8 byte order mark at the start is skipped.
type importReader struct {
	r        *bufio.Reader
	name     string
	colSep   byte
	rowSep   byte
	ascii    bool // ascii mode: no quoting
	line     int
	term     int // what ended the last field: a separator or -1 at EOF
	notFirst bool
	field    []byte
	warn     io.Writer
}

const eof = -1

func (p *importReader) get() int {
	c, err := p.r.ReadByte()
	if err != nil {
		return eof
	}
	return int(c)
}

// next reads one field; ok is false at the end of the input.
func (p *importReader) next() (field string, ok bool) {
	p.field = p.field[:0]
	c := p.get()
	if c == eof {
		p.term = eof
		return "", false
	}
	cSep, rSep := int(p.colSep), int(p.rowSep)
	switch {
	case p.ascii:
		for c != eof && c != cSep && c != rSep {
			p.field = append(p.field, byte(c))
			c = p.get()
		}
		if c == rSep {
			p.line++
		}
		p.term = c
	case c == '"':
		startLine := p.line
		pc, ppc := 0, 0
		for {
			c = p.get()
			if c == rSep {
				p.line++
			}
			if c == '"' && pc == '"' {
				pc = 0
				continue
			}
			if (c == cSep && pc == '"') || (c == rSep && pc == '"') ||
				(c == rSep && pc == '\r' && ppc == '"') || (c == eof && pc == '"') {
				// Drop the closing quote and what followed it.
				n := len(p.field) - 1
				for n > 0 && p.field[n] != '"' {
					n--
				}
				p.field = p.field[:max(n, 0)]
				p.term = c
				break
			}
			if pc == '"' && c != '\r' {
				fmt.Fprintf(p.warn, "%s:%d: unescaped \" character\n", p.name, p.line)
			}
			if c == eof {
				fmt.Fprintf(p.warn, "%s:%d: unterminated \"-quoted field\n", p.name, startLine)
				p.term = c
				break
			}
			p.field = append(p.field, byte(c))
			ppc, pc = pc, c
		}
	default:
		if !p.notFirst && c == 0xef {
			if b, err := p.r.Peek(2); err == nil && b[0] == 0xbb && b[1] == 0xbf {
				p.r.Discard(2)
				p.notFirst = true
				return p.next()
			}
		}
		if c != cSep && c != rSep {
			p.field = append(p.field, byte(c))
			c = p.scanPlain()
		}
		if c == rSep {
			p.line++
			if n := len(p.field); n > 0 && p.field[n-1] == '\r' {
				p.field = p.field[:n-1]
			}
		}
		p.term = c
	}
	p.notFirst = true
	return string(p.field), true
}

// scanPlain appends the bytes of an unquoted field to p.field, up to a
// separator, which it returns (or eof). It scans the reader's buffer
// rather than byte by byte: most of an import's fields are plain.
func (p *importReader) scanPlain() int {
	for {
		buf, _ := p.r.Peek(p.r.Buffered())
		if len(buf) == 0 {
			c := p.get()
			if c == eof || c == int(p.colSep) || c == int(p.rowSep) {
				return c
			}
			p.field = append(p.field, byte(c))
			continue
		}
		for i, b := range buf {
			if b == p.colSep || b == p.rowSep {
				p.field = append(p.field, buf[:i]...)
				p.r.Discard(i + 1)
				return int(b)
			}
		}
		p.field = append(p.field, buf...)
		p.r.Discard(len(buf))
	}
}

// dotImport imports a CSV file into a table, creating it from the first
// row's names if it does not exist, in one transaction.
func (s *Shell) dotImport(ctx context.Context, args []string) error {
	var files []string
	skip := 0
	csvMode, asciiMode := s.mode == modeCSV, s.mode == modeASCII
	schema := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--csv", "-csv":
			csvMode, asciiMode = true, false
		case "--ascii", "-ascii":
			asciiMode, csvMode = true, false
		case "--skip", "-skip", "--schema", "-schema":
			if i+1 >= len(args) {
				return usageError("import")
			}
			i++
			if strings.HasSuffix(a, "skip") {
				n, err := strconv.Atoi(args[i])
				if err != nil || n < 0 {
					return fmt.Errorf("%q is not a number of lines to skip", args[i])
				}
				skip = n
			} else {
				schema = args[i]
			}
		case "-v":
		default:
			if strings.HasPrefix(a, "-") {
				return fmt.Errorf("unknown option %q for .import", a)
			}
			files = append(files, a)
		}
	}
	if len(files) != 2 {
		return usageError("import")
	}
	file, table := files[0], files[1]
	p := &importReader{name: file, warn: s.stderr, line: 1}
	switch {
	case csvMode:
		p.colSep, p.rowSep = ',', '\n'
	case asciiMode:
		p.colSep, p.rowSep, p.ascii = 0x1f, 0x1e, true
	default:
		rowSep := s.rowSep
		if rowSep == "\r\n" {
			rowSep = "\n"
		}
		if len(s.colSep) != 1 {
			return errors.New("multi-character column separators not allowed for import")
		}
		if len(rowSep) != 1 {
			return errors.New("multi-character row separators not allowed for import")
		}
		p.colSep, p.rowSep = s.colSep[0], rowSep[0]
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("cannot open %q", file)
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	bar := s.startProgress("import")
	defer bar.done()
	p.r = bufio.NewReaderSize(&countingReader{r: f, size: size, progress: bar}, 1<<16)

	prev := s.conn.SetContext(ctx)
	defer s.conn.SetContext(prev)
	for ; skip > 0; skip-- {
		for {
			if _, ok := p.next(); !ok || p.term != int(p.colSep) {
				break
			}
		}
	}
	qualified := quoteAlways(table)
	if schema != "" {
		qualified = quoteAlways(schema) + "." + qualified
	}
	// As sqlite3 does, the table exists if selecting from it works: without
	// --schema the name resolves as in SQL, temp first, then main, then
	// the attached databases.
	probe, err := s.conn.Prepare("SELECT * FROM " + qualified)
	if err != nil {
		if !strings.HasPrefix(sqliteMessage(err), "no such table: ") {
			return errors.New(sqliteMessage(err))
		}
		var names []string
		for {
			name, ok := p.next()
			if !ok {
				break
			}
			names = append(names, name)
			if p.term != int(p.colSep) {
				break
			}
		}
		if len(names) == 0 {
			return fmt.Errorf("empty file: %s", file)
		}
		cols, renames := importColumnNames(names)
		if len(renames) > 0 {
			fmt.Fprintf(s.stderr, "Columns renamed during .import %s due to duplicates:\n%s\n", file, strings.Join(renames, ",\n"))
		}
		// Four columns to a line, as sqlite3 writes them.
		var defs strings.Builder
		for i, c := range cols {
			switch {
			case i > 0 && i%4 == 0:
				defs.WriteString(",\n ")
			case i > 0:
				defs.WriteString(", ")
			}
			defs.WriteString(quoteAlways(c) + " TEXT")
		}
		create := fmt.Sprintf("CREATE TABLE %s(\n%s)", qualified, defs.String())
		if err := s.conn.Exec(create); err != nil {
			fmt.Fprintf(s.stderr, "%s\n failed:\n%s\n", create, sqliteMessage(err))
			return fmt.Errorf("%w: %w", errReported, err)
		}
		if probe, err = s.conn.Prepare("SELECT * FROM " + qualified); err != nil {
			return errors.New(sqliteMessage(err))
		}
	}
	nCol := probe.ColumnCount()
	probe.Close()
	row := "(?" + strings.Repeat(",?", nCol-1) + ")"
	ins, err := s.conn.Prepare(fmt.Sprintf("INSERT INTO %s VALUES%s", qualified, row))
	if err != nil {
		return errors.New(sqliteMessage(err))
	}
	defer ins.Close()
	// Rows go in groups, many to a statement, which saves most of the
	// cost of running one statement per row.
	group := max(1, min(64, 32766/nCol))
	insGroup, err := s.conn.Prepare(fmt.Sprintf("INSERT INTO %s VALUES%s%s", qualified, row, strings.Repeat(","+row, group-1)))
	if err != nil {
		return err
	}
	defer insGroup.Close()
	own := s.conn.AutoCommit()
	if own {
		if err := s.conn.Exec("BEGIN"); err != nil {
			return err
		}
	}
	err = s.importRows(ctx, p, ins, insGroup, group, nCol)
	if own {
		if err != nil {
			// The rollback must run even when ctx has ended.
			s.conn.SetContext(context.WithoutCancel(ctx))
			s.conn.Exec("ROLLBACK")
			return err
		}
		return s.conn.Exec("COMMIT")
	}
	return err
}

// importRow is one record of the file, ready to insert: its first
// len(vals) columns are text, the others NULL; warn, if set, is printed
// before it is inserted, so that messages keep the file's order.
type importRow struct {
	vals   []string
	line   int
	warn   string
	insert bool
}

// readRows splits the file into rows for nCol columns, as sqlite3 does:
// missing fields are NULL, extra fields are dropped, both with a warning.
// It sends them in batches until the file ends or stop is closed.
func (p *importReader) readRows(nCol int, batches chan<- []importRow, stop <-chan struct{}) {
	defer close(batches)
	cSep := int(p.colSep)
	const batchSize = 256
	batch := make([]importRow, 0, batchSize)
	// The reader's own warnings join the row's.
	var warn strings.Builder
	p.warn = &warn
	for p.term != eof {
		warn.Reset()
		r := importRow{line: p.line, vals: make([]string, 0, nCol)}
		i := 0
		for ; i < nCol; i++ {
			z, ok := p.next()
			if !ok && i == 0 {
				break
			}
			if p.ascii && z == "" && i == 0 {
				break
			}
			if !ok {
				break // the rest are NULL
			}
			r.vals = append(r.vals, z)
			if i < nCol-1 && p.term != cSep {
				r.warn = warn.String()
				warn.Reset()
				r.warn += fmt.Sprintf("%s:%d: expected %d columns but found %d - filling the rest with NULL\n", p.name, r.line, nCol, i+1)
				i = nCol
			}
		}
		if p.term == cSep {
			for {
				p.next()
				i++
				if p.term != cSep {
					break
				}
			}
			r.warn += warn.String()
			warn.Reset()
			r.warn += fmt.Sprintf("%s:%d: expected %d columns but found %d - extras ignored\n", p.name, r.line, nCol, i)
		}
		r.warn += warn.String()
		r.insert = i >= nCol
		if r.insert || r.warn != "" {
			batch = append(batch, r)
		}
		if len(batch) == batchSize {
			select {
			case batches <- batch:
			case <-stop:
				return
			}
			batch = make([]importRow, 0, batchSize)
		}
	}
	if len(batch) > 0 {
		select {
		case batches <- batch:
		case <-stop:
		}
	}
}

// importRows inserts the rows of p: with insGroup, which inserts group
// rows at a time, or with ins, one at a time, for the last rows and for a
// group that failed, so that each row that fails is reported with its
// line. The file is read and split on a goroutine of its own meanwhile,
// which keeps both cores of a small machine busy.
func (s *Shell) importRows(ctx context.Context, p *importReader, ins, insGroup *sqlite.Stmt, group, nCol int) error {
	batches := make(chan []importRow, 4)
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		p.readRows(nCol, batches, stop)
	}()
	defer func() {
		close(stop)
		<-finished
	}()
	bind := func(stmt *sqlite.Stmt, first int, r importRow) error {
		for i := range nCol {
			var err error
			if i < len(r.vals) {
				err = stmt.BindText(first+i, r.vals[i])
			} else {
				err = stmt.BindNull(first + i)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	exec := func(stmt *sqlite.Stmt) error {
		_, err := stmt.Step()
		if rerr := stmt.Reset(); err == nil {
			err = rerr
		}
		return err
	}
	one := func(r importRow) error {
		if r.warn != "" {
			io.WriteString(s.stderr, r.warn)
		}
		if !r.insert {
			return nil
		}
		if err := bind(ins, 1, r); err != nil {
			return err
		}
		if err := exec(ins); err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(s.stderr, "%s:%d: INSERT failed: %v\n", p.name, r.line, err)
		}
		return nil
	}
	var pending []importRow // rows read, not yet inserted
	flush := func(all bool) error {
		for len(pending) > 0 {
			n, k := 0, 0 // rows to insert, rows taken
			for k < len(pending) && n < group {
				if pending[k].insert {
					n++
				}
				k++
			}
			if n < group && !all {
				return nil
			}
			rows := pending[:k]
			pending = pending[k:]
			if n == group {
				var warns strings.Builder
				j := 0
				for _, r := range rows {
					warns.WriteString(r.warn)
					if r.insert {
						if err := bind(insGroup, 1+j*nCol, r); err != nil {
							return err
						}
						j++
					}
				}
				io.WriteString(s.stderr, warns.String())
				err := exec(insGroup)
				if err == nil {
					continue
				}
				if ctx.Err() != nil {
					return err
				}
				// The statement inserted none of them: again, one by one.
				for i := range rows {
					rows[i].warn = ""
				}
			}
			for _, r := range rows {
				if err := one(r); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for batch := range batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		pending = append(pending, batch...)
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}

// importColumnNames returns the names of the columns of a table made from
// a header row, and the renames done, with sqlite3's rule: an empty name
// is "?"; the names that are equal, ignoring ASCII case, to another get
// "_" and their 1-based position; and if that makes a name equal to
// another one, the positions get leading zeros, as many as it takes.
// When looking for the zeros needed sqlite3 pads the positions to the
// digits of the number of columns, which it does not do in the names it
// makes: the rule is kept, it decides which names a table gets.
func importColumnNames(header []string) (names, renames []string) {
	n := len(header)
	names = make([]string, n)
	folded := make(map[string]int, n)
	for i, h := range header {
		if h == "" {
			h = "?"
		}
		names[i] = h
		folded[asciiLower(h)]++
	}
	repeated := make([]bool, n)
	dup := false
	for i, h := range names {
		repeated[i] = folded[asciiLower(h)] > 1
		dup = dup || repeated[i]
	}
	if !dup {
		return names, nil
	}
	digits := int(math.Ceil(math.Log10(float64(n) + 0.5)))
	withSuffix := func(i, zeros, width int) string {
		if !repeated[i] {
			return names[i]
		}
		return fmt.Sprintf("%s_%s%0*d", names[i], strings.Repeat("0", zeros), width, i+1)
	}
	zeros := 0
	for ; ; zeros++ {
		seen := make(map[string]bool, n)
		clash := false
		for i := range names {
			k := asciiLower(withSuffix(i, zeros, digits))
			clash = clash || seen[k]
			seen[k] = true
		}
		if !clash {
			break
		}
	}
	for i, h := range names {
		if repeated[i] {
			names[i] = withSuffix(i, zeros, 1)
			renames = append(renames, quoteAlways(h)+" to "+quoteAlways(names[i]))
		}
	}
	return names, renames
}

// asciiLower folds ASCII letters to lower case, as SQLite's NOCASE does,
// byte by byte: other bytes, even invalid UTF-8, stay as they are.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// sqliteMessage is SQLite's own message for err, as sqlite3 prints it.
func sqliteMessage(err error) string {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Msg != "" {
		return se.Msg
	}
	return err.Error()
}

// quoteAlways double-quotes an identifier.
func quoteAlways(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
