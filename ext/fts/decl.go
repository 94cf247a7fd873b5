package fts

import (
	"fmt"
	"strconv"
	"strings"
)

// This file reads and writes the declaration of an FTS5 table, CREATE
// VIRTUAL TABLE name USING fts5(arg, ...), the way FTS5 reads its
// arguments (https://sqlite.org/fts5.html#fts5_table_creation_and_initialization):
// each argument is a column name, maybe followed by UNINDEXED, or an
// option "key = value"; a value is a bareword or a quoted string; the
// tokenize and prefix options hold lists of words themselves.

// decl is what an FTS5 table's declaration says.
type decl struct {
	columns   []string
	unindexed []bool
	options   map[string][]string // option name (lower case) → values, in order given
}

// option returns the last value given for an option, or "".
func (d *decl) option(name string) string {
	v := d.options[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// parseDecl reads the declaration sqlite_schema holds for an FTS5 table.
func parseDecl(sql string) (*decl, error) {
	args, module, err := moduleArgs(sql)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(module, "fts5") {
		return nil, fmt.Errorf("fts: table uses module %q, not fts5", module)
	}
	d := &decl{options: map[string][]string{}}
	for _, arg := range args {
		one, rest, quoted, err := gobbleWord(arg)
		if err != nil {
			return nil, err
		}
		rest = strings.TrimLeft(rest, fts5Space)
		isOption := strings.HasPrefix(rest, "=")
		if isOption {
			if quoted {
				return nil, fmt.Errorf("fts: bad table argument %q", arg)
			}
			rest = strings.TrimLeft(rest[1:], fts5Space)
		}
		two := ""
		if rest != "" {
			two, rest, _, err = gobbleWord(rest)
			if err != nil {
				return nil, err
			}
			if strings.TrimLeft(rest, fts5Space) != "" {
				return nil, fmt.Errorf("fts: bad table argument %q", arg)
			}
		}
		if isOption {
			key := strings.ToLower(one)
			d.options[key] = append(d.options[key], two)
			continue
		}
		if two != "" && !strings.EqualFold(two, "unindexed") {
			return nil, fmt.Errorf("fts: bad column argument %q", arg)
		}
		d.columns = append(d.columns, one)
		d.unindexed = append(d.unindexed, two != "")
	}
	if len(d.columns) == 0 {
		return nil, fmt.Errorf("fts: declaration names no columns")
	}
	return d, nil
}

// fts5Space is the white space FTS5 skips between the parts of an argument.
const fts5Space = " \t\n\r\f\v"

// gobbleWord reads a bareword or a quoted word ('...', "...", `...`,
// [...]) at the start of s (after white space), returning it dequoted and
// what follows it.
func gobbleWord(s string) (word, rest string, quoted bool, err error) {
	s = strings.TrimLeft(s, fts5Space)
	if s == "" {
		return "", "", false, fmt.Errorf("fts: missing word in table declaration")
	}
	switch q := s[0]; q {
	case '\'', '"', '`', '[':
		end := q
		if q == '[' {
			end = ']'
		}
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] != end {
				b.WriteByte(s[i])
				continue
			}
			if end != ']' && i+1 < len(s) && s[i+1] == end {
				b.WriteByte(end)
				i++
				continue
			}
			return b.String(), s[i+1:], true, nil
		}
		return "", "", false, fmt.Errorf("fts: unterminated quote in table declaration %q", s)
	}
	i := 0
	for i < len(s) && isBarewordByte(s[i]) {
		i++
	}
	if i == 0 {
		return "", "", false, fmt.Errorf("fts: unexpected %q in table declaration", s)
	}
	return s[:i], s[i:], false, nil
}

// words splits an option value holding a list (tokenize, prefix) into its
// dequoted words.
func words(v string) ([]string, error) {
	var out []string
	for {
		v = strings.TrimLeft(v, fts5Space)
		if v == "" {
			return out, nil
		}
		w, rest, _, err := gobbleWord(v)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
		v = rest
	}
}

// moduleArgs splits "CREATE VIRTUAL TABLE name USING module(args)" into
// the module name and the text of each argument, as SQLite hands them to
// the module.
func moduleArgs(sql string) (args []string, module string, err error) {
	toks := sqlTokens(sql)
	using := -1
	for i, t := range toks {
		if strings.EqualFold(t.text, "USING") {
			using = i
			break
		}
	}
	if using < 0 || using+1 >= len(toks) {
		return nil, "", fmt.Errorf("fts: not a virtual table declaration: %q", sql)
	}
	module = unquoteIdent(toks[using+1].text)
	if using+2 >= len(toks) || toks[using+2].text != "(" {
		return nil, module, nil
	}
	depth, start := 0, -1
	for _, t := range toks[using+2:] {
		switch {
		case t.text == "(":
			depth++
			if depth == 1 {
				start = -1
				continue
			}
		case t.text == ")":
			depth--
			if depth == 0 {
				if start >= 0 {
					args = append(args, strings.TrimSpace(sql[start:t.pos]))
				}
				return args, module, nil
			}
		case t.text == "," && depth == 1:
			if start >= 0 {
				args = append(args, strings.TrimSpace(sql[start:t.pos]))
			}
			start = -1
			continue
		}
		if start < 0 {
			start = t.pos
		}
	}
	return nil, module, fmt.Errorf("fts: unbalanced parentheses in %q", sql)
}

type sqlToken struct {
	text string
	pos  int
}

// sqlTokens splits SQL text into tokens, skipping white space and
// comments: quoted strings and identifiers, words, and single characters.
func sqlTokens(sql string) []sqlToken {
	var out []sqlToken
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
			continue
		case strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return out
			}
			i += j + 1
			continue
		case strings.HasPrefix(sql[i:], "/*"):
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 4
			continue
		}
		start := i
		switch c {
		case '\'', '"', '`', '[':
			end := c
			if c == '[' {
				end = ']'
			}
			i++
			for i < len(sql) {
				if sql[i] == end {
					if end != ']' && i+1 < len(sql) && sql[i+1] == end {
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
		default:
			if isBarewordByte(c) || c == '$' {
				for i < len(sql) && (isBarewordByte(sql[i]) || sql[i] == '$') {
					i++
				}
			} else {
				i++
			}
		}
		out = append(out, sqlToken{text: sql[start:i], pos: start})
	}
	return out
}

// unquoteIdent removes SQL identifier quotes.
func unquoteIdent(s string) string {
	w, rest, quoted, err := gobbleWord(s)
	if err != nil || !quoted || rest != "" {
		return s
	}
	return w
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteString quotes an SQL string literal.
func quoteString(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// quoteWord writes one word of a list option (tokenize, prefix) so that
// FTS5 reads it back as is.
func quoteWord(s string) string {
	if isBareword(s) {
		return s
	}
	return quoteString(s)
}

// buildDecl writes the CREATE VIRTUAL TABLE statement for an FTS5 table.
func buildDecl(schema, name string, columns []string, unindexed map[string]bool, options [][2]string) string {
	var b strings.Builder
	b.WriteString("CREATE VIRTUAL TABLE ")
	b.WriteString(quoteIdent(schema) + "." + quoteIdent(name))
	b.WriteString(" USING fts5(")
	for i, col := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(col))
		if unindexed[col] {
			b.WriteString(" UNINDEXED")
		}
	}
	for _, o := range options {
		b.WriteString(", " + o[0] + " = " + quoteString(o[1]))
	}
	b.WriteString(")")
	return b.String()
}

// joinWords writes a list option's value.
func joinWords(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = quoteWord(w)
	}
	return strings.Join(q, " ")
}

// joinInts writes the prefix option's value.
func joinInts(ns []int) string {
	q := make([]string, len(ns))
	for i, n := range ns {
		q[i] = strconv.Itoa(n)
	}
	return strings.Join(q, " ")
}
