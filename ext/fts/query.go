package fts

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file parses and prints the FTS5 query language
// (https://sqlite.org/fts5.html#full_text_query_syntax), so queries can be
// inspected and rewritten (see QuerySuggest) and printed back in a form
// FTS5 reads the same way.

// node is one part of a parsed query.
type node interface{ write(b *strings.Builder) }

// colspec restricts a query to some columns: "col:", "{a b}:", "-col:".
type colspec struct {
	negate bool
	braces bool
	cols   []string
}

func (c *colspec) write(b *strings.Builder) {
	if c == nil {
		return
	}
	if c.negate {
		b.WriteByte('-')
	}
	if c.braces {
		b.WriteByte('{')
		for i, col := range c.cols {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeString(b, col)
		}
		b.WriteByte('}')
	} else {
		writeString(b, c.cols[0])
	}
	b.WriteString(": ")
}

// term is one string of a phrase: a bareword or "quoted", maybe a prefix.
type term struct {
	text   string
	prefix bool
}

// phrase is terms joined by "+" (or written together in one quoted string).
type phrase struct {
	cols  *colspec
	caret bool // ^: must start at the beginning of a column
	terms []term
}

func (p *phrase) write(b *strings.Builder) {
	p.cols.write(b)
	if p.caret {
		b.WriteByte('^')
	}
	for i, t := range p.terms {
		if i > 0 {
			b.WriteString(" + ")
		}
		writeString(b, t.text)
		if t.prefix {
			b.WriteByte('*')
		}
	}
}

// near is NEAR(phrase phrase ..., N).
type near struct {
	cols    *colspec
	phrases []*phrase
	dist    int // -1 when not given
}

func (n *near) write(b *strings.Builder) {
	n.cols.write(b)
	b.WriteString("NEAR(")
	for i, p := range n.phrases {
		if i > 0 {
			b.WriteByte(' ')
		}
		p.write(b)
	}
	if n.dist >= 0 {
		b.WriteString(", " + strconv.Itoa(n.dist))
	}
	b.WriteByte(')')
}

// group is a parenthesised query, maybe with a column filter.
type group struct {
	cols  *colspec
	inner node
}

func (g *group) write(b *strings.Builder) {
	g.cols.write(b)
	b.WriteByte('(')
	g.inner.write(b)
	b.WriteByte(')')
}

// binary is AND, OR, NOT, or "" for the implicit AND of adjacent queries.
type binary struct {
	op          string
	left, right node
}

func (o *binary) write(b *strings.Builder) {
	o.left.write(b)
	if o.op == "" {
		b.WriteByte(' ')
	} else {
		b.WriteString(" " + o.op + " ")
	}
	o.right.write(b)
}

// writeString writes s as a bareword when FTS5 would read it back as the
// same string, quoted otherwise.
func writeString(b *strings.Builder, s string) {
	if isBareword(s) && s != "AND" && s != "OR" && s != "NOT" && s != "NEAR" {
		b.WriteString(s)
		return
	}
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(s, `"`, `""`))
	b.WriteByte('"')
}

func isBarewordByte(c byte) bool {
	return c >= 0x80 || c == '_' || c == 0x1A || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isBareword(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if !isBarewordByte(s[i]) {
			return false
		}
	}
	return true
}

// QueryError reports a query FTS5 would not accept.
type QueryError struct {
	Query  string
	Offset int // byte offset of the problem
	Msg    string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("fts: bad query at byte %d: %s", e.Offset, e.Msg)
}

type parser struct {
	s   string
	pos int
}

// parseQuery parses an FTS5 query.
func parseQuery(q string) (node, error) {
	p := &parser{s: q}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.s) {
		return nil, p.errorf("unexpected %q", p.s[p.pos:])
	}
	if n == nil {
		return nil, p.errorf("empty query")
	}
	return n, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return &QueryError{Query: p.s, Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) space() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\n\r\f\v", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// keyword reports whether the bareword kw (AND, OR, NOT) comes next.
func (p *parser) keyword(kw string) bool {
	p.space()
	if !strings.HasPrefix(p.s[p.pos:], kw) {
		return false
	}
	end := p.pos + len(kw)
	return end == len(p.s) || !isBarewordByte(p.s[end])
}

// Precedence, loosest first: OR, AND, NOT, then implicit AND (adjacency).
func (p *parser) parseOr() (node, error) {
	left, err := p.parseAnd()
	if err != nil || left == nil {
		return left, err
	}
	for p.keyword("OR") {
		p.pos += 2
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if right == nil {
			return nil, p.errorf("OR needs a right-hand side")
		}
		left = &binary{op: "OR", left: left, right: right}
	}
	return left, nil
}

func (p *parser) parseAnd() (node, error) {
	left, err := p.parseNot()
	if err != nil || left == nil {
		return left, err
	}
	for p.keyword("AND") {
		p.pos += 3
		right, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		if right == nil {
			return nil, p.errorf("AND needs a right-hand side")
		}
		left = &binary{op: "AND", left: left, right: right}
	}
	return left, nil
}

func (p *parser) parseNot() (node, error) {
	left, err := p.parseSeq()
	if err != nil || left == nil {
		return left, err
	}
	for p.keyword("NOT") {
		p.pos += 3
		right, err := p.parseSeq()
		if err != nil {
			return nil, err
		}
		if right == nil {
			return nil, p.errorf("NOT needs a right-hand side")
		}
		left = &binary{op: "NOT", left: left, right: right}
	}
	return left, nil
}

func (p *parser) parseSeq() (node, error) {
	var left node
	for {
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] == ')' || p.keyword("AND") || p.keyword("OR") || p.keyword("NOT") {
			return left, nil
		}
		n, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		if left == nil {
			left = n
		} else {
			left = &binary{left: left, right: n}
		}
	}
}

func (p *parser) parsePrimary() (node, error) {
	cols, err := p.parseColspec()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		p.pos++
		inner, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, p.errorf("missing )")
		}
		p.pos++
		if inner == nil {
			return nil, p.errorf("empty parentheses")
		}
		return &group{cols: cols, inner: inner}, nil
	}
	if strings.HasPrefix(p.s[p.pos:], "NEAR") && strings.HasPrefix(strings.TrimLeft(p.s[p.pos+4:], " \t\n\r"), "(") {
		return p.parseNear(cols)
	}
	return p.parsePhrase(cols)
}

// parseColspec reads "col :", "{a b} :" or "- col :" if present.
func (p *parser) parseColspec() (*colspec, error) {
	p.space()
	save := p.pos
	c := &colspec{}
	if p.pos < len(p.s) && p.s[p.pos] == '-' {
		c.negate = true
		p.pos++
		p.space()
	}
	if p.pos < len(p.s) && p.s[p.pos] == '{' {
		c.braces = true
		p.pos++
		for {
			p.space()
			if p.pos < len(p.s) && p.s[p.pos] == '}' {
				p.pos++
				break
			}
			s, ok, err := p.parseString()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, p.errorf("bad column list")
			}
			c.cols = append(c.cols, s)
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, p.errorf("column list must be followed by :")
		}
		p.pos++
		return c, nil
	}
	s, ok, err := p.parseString()
	if err != nil {
		return nil, err
	}
	p.space()
	if ok && p.pos < len(p.s) && p.s[p.pos] == ':' {
		p.pos++
		c.cols = []string{s}
		return c, nil
	}
	if c.negate {
		p.pos = save
		return nil, p.errorf("- must start a column filter")
	}
	p.pos = save
	return nil, nil
}

// parseString reads a bareword or a "quoted string".
func (p *parser) parseString() (string, bool, error) {
	p.space()
	if p.pos >= len(p.s) {
		return "", false, nil
	}
	if p.s[p.pos] == '"' {
		var b strings.Builder
		for i := p.pos + 1; i < len(p.s); i++ {
			if p.s[i] == '"' {
				if i+1 < len(p.s) && p.s[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				p.pos = i + 1
				return b.String(), true, nil
			}
			b.WriteByte(p.s[i])
		}
		return "", false, p.errorf("unterminated string")
	}
	start := p.pos
	for p.pos < len(p.s) && isBarewordByte(p.s[p.pos]) {
		p.pos++
	}
	if start == p.pos {
		return "", false, nil
	}
	return p.s[start:p.pos], true, nil
}

func (p *parser) parsePhrase(cols *colspec) (*phrase, error) {
	ph := &phrase{cols: cols}
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == '^' {
		ph.caret = true
		p.pos++
	}
	for {
		s, ok, err := p.parseString()
		if err != nil {
			return nil, err
		}
		if !ok {
			if p.pos < len(p.s) {
				r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
				return nil, p.errorf("unexpected %q", r)
			}
			return nil, p.errorf("missing phrase")
		}
		t := term{text: s}
		if p.pos < len(p.s) && p.s[p.pos] == '*' {
			t.prefix = true
			p.pos++
		}
		ph.terms = append(ph.terms, t)
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == '+' {
			p.pos++
			continue
		}
		return ph, nil
	}
}

func (p *parser) parseNear(cols *colspec) (*near, error) {
	p.pos += 4
	p.space()
	p.pos++ // (
	n := &near{cols: cols, dist: -1}
	for {
		p.space()
		if p.pos >= len(p.s) {
			return nil, p.errorf("missing ) after NEAR")
		}
		switch p.s[p.pos] {
		case ')':
			p.pos++
			if len(n.phrases) == 0 {
				return nil, p.errorf("empty NEAR")
			}
			return n, nil
		case ',':
			p.pos++
			p.space()
			start := p.pos
			for p.pos < len(p.s) && '0' <= p.s[p.pos] && p.s[p.pos] <= '9' {
				p.pos++
			}
			d, err := strconv.Atoi(p.s[start:p.pos])
			if err != nil {
				return nil, p.errorf("NEAR distance must be a number")
			}
			n.dist = d
			p.space()
			if p.pos >= len(p.s) || p.s[p.pos] != ')' {
				return nil, p.errorf("missing ) after NEAR distance")
			}
			p.pos++
			return n, nil
		}
		ph, err := p.parsePhrase(nil)
		if err != nil {
			return nil, err
		}
		n.phrases = append(n.phrases, ph)
	}
}

// format prints a parsed query.
func format(n node) string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}
