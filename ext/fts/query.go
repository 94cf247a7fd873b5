package fts

import (
	"fmt"
	"strings"
)

// This file parses and prints the FTS5 query language
// (https://sqlite.org/fts5.html#full_text_query_syntax), so queries can be
// inspected and rewritten (see Table.QuerySuggest) and printed back in a
// form FTS5 reads the same way.
//
// The parser follows FTS5's own grammar (fts5parse.y) and lexer
// (fts5ExprGetToken), not just the documentation, and accepts exactly the
// queries FTS5 accepts, with these differences:
//
//   - FTS5 resolves column names while parsing, so for it "nope: x" is
//     "no such column: nope"; the parser accepts any column name (checking
//     them needs the table: Table.QuerySuggest fixes them).
//   - FTS5 treats a query whose first byte is "*" as a special debugging
//     query ("*reads", "*id"); the parser rejects those.
//   - A NEAR distance is kept as the digits written; FTS5 reads very long
//     ones with integer overflow.
//
// Everything else — whitespace being only space, tab, CR and LF; a NUL
// byte ending the query; implicit AND joining only phrases and NEAR groups,
// never a parenthesised query ("a (b OR c)" is a syntax error); keywords
// AND, OR, NOT and NEAR being upper case barewords — is as FTS5 does it,
// checked against FTS5 itself by TestParserAgreesWithFTS5.

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
	dist    string // digits, "" when not given
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
	if n.dist != "" {
		b.WriteString(", " + n.dist)
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

// binop is AND, OR, NOT, or "" for the implicit AND of adjacent phrases
// and NEAR groups.
type binop struct {
	op          string
	left, right node
}

func (o *binop) write(b *strings.Builder) {
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

// isBarewordByte reports whether c may be part of a bareword, as FTS5's
// sqlite3Fts5IsBareword decides: ASCII letters, digits, "_", the
// substitute character 0x1A, and every byte of a non-ASCII character.
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

// tokKind is the kind of a query token.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokString
	tokAnd
	tokOr
	tokNot
	tokLP
	tokRP
	tokLCP
	tokRCP
	tokColon
	tokComma
	tokPlus
	tokStar
	tokMinus
	tokCaret
)

// token is one token of a query: kind, its text (dequoted for strings) and
// where it starts.
type token struct {
	kind   tokKind
	text   string
	quoted bool
	pos    int
	raw    string // as written, for messages
	err    error  // a lexical error (kind is then tokEOF)
}

type parser struct {
	s    string
	pos  int   // where the lexer continues
	tok  token // the current token
	peek *token
}

// parseQuery parses an FTS5 query. A NUL byte ends the query, as it does
// for FTS5.
func parseQuery(q string) (node, error) {
	if i := strings.IndexByte(q, 0); i >= 0 {
		q = q[:i]
	}
	p := &parser{s: q}
	p.next()
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF || p.tok.err != nil {
		return nil, p.syntaxError()
	}
	return n, nil
}

// lex reads the token at p.pos. A lexical error is an EOF token carrying
// the error, and ends the token stream.
func (p *parser) lex() token {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
	start := p.pos
	if start == len(p.s) {
		return token{kind: tokEOF, pos: start}
	}
	var k tokKind
	switch c := p.s[start]; c {
	case '(':
		k = tokLP
	case ')':
		k = tokRP
	case '{':
		k = tokLCP
	case '}':
		k = tokRCP
	case ':':
		k = tokColon
	case ',':
		k = tokComma
	case '+':
		k = tokPlus
	case '*':
		k = tokStar
	case '-':
		k = tokMinus
	case '^':
		k = tokCaret
	case '"':
		var b strings.Builder
		for i := start + 1; i < len(p.s); i++ {
			if p.s[i] != '"' {
				b.WriteByte(p.s[i])
				continue
			}
			if i+1 < len(p.s) && p.s[i+1] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			p.pos = i + 1
			return token{kind: tokString, text: b.String(), quoted: true, pos: start, raw: p.s[start:p.pos]}
		}
		p.pos = len(p.s)
		return token{kind: tokEOF, pos: start, err: &QueryError{Query: p.s, Offset: start, Msg: "unterminated string"}}
	default:
		if !isBarewordByte(c) {
			p.pos = len(p.s)
			return token{kind: tokEOF, pos: start, err: &QueryError{Query: p.s, Offset: start, Msg: fmt.Sprintf("syntax error near %q", rune(c))}}
		}
		for p.pos < len(p.s) && isBarewordByte(p.s[p.pos]) {
			p.pos++
		}
		t := token{kind: tokString, text: p.s[start:p.pos], pos: start}
		t.raw = t.text
		switch t.text {
		case "AND":
			t.kind = tokAnd
		case "OR":
			t.kind = tokOr
		case "NOT":
			t.kind = tokNot
		}
		return t
	}
	p.pos++
	return token{kind: k, pos: start, raw: p.s[start:p.pos]}
}

// next moves to the next token.
func (p *parser) next() {
	if p.peek != nil {
		p.tok, p.peek = *p.peek, nil
	} else {
		p.tok = p.lex()
	}
}

// lookahead returns the token after the current one.
func (p *parser) lookahead() token {
	if p.peek == nil {
		t := p.lex()
		p.peek = &t
	}
	return *p.peek
}

// syntaxError reports the current token as unexpected.
func (p *parser) syntaxError() error {
	if p.tok.err != nil {
		return p.tok.err
	}
	near := p.tok.raw
	if p.tok.kind == tokEOF {
		return &QueryError{Query: p.s, Offset: p.tok.pos, Msg: "unexpected end of query"}
	}
	return &QueryError{Query: p.s, Offset: p.tok.pos, Msg: fmt.Sprintf("syntax error near %q", near)}
}

// expect consumes a token of kind k.
func (p *parser) expect(k tokKind) error {
	if p.tok.kind != k {
		return p.syntaxError()
	}
	p.next()
	return nil
}

// Precedence, loosest first: OR, AND, NOT, then implicit AND, which joins
// only phrases and NEAR groups (fts5parse.y's exprlist).
func (p *parser) parseOr() (node, error) {
	return p.parseBinary(tokOr, "OR", p.parseAnd)
}

func (p *parser) parseAnd() (node, error) {
	return p.parseBinary(tokAnd, "AND", p.parseNot)
}

func (p *parser) parseNot() (node, error) {
	return p.parseBinary(tokNot, "NOT", p.parseUnit)
}

func (p *parser) parseBinary(k tokKind, op string, operand func() (node, error)) (node, error) {
	left, err := operand()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == k {
		p.next()
		right, err := operand()
		if err != nil {
			return nil, err
		}
		left = &binop{op: op, left: left, right: right}
	}
	return left, nil
}

// parseUnit reads "(query)", "cols: (query)", or a list of phrases and
// NEAR groups joined by implicit AND.
func (p *parser) parseUnit() (node, error) {
	if p.tok.kind == tokLP {
		return p.parseGroup(nil)
	}
	var list node
	for p.startsCNear() {
		cols, err := p.parseColspec()
		if err != nil {
			return nil, err
		}
		var n node
		if cols != nil && list == nil && p.tok.kind == tokLP {
			return p.parseGroup(cols)
		}
		n, err = p.parseNearset(cols)
		if err != nil {
			return nil, err
		}
		if list == nil {
			list = n
		} else {
			list = &binop{left: list, right: n}
		}
	}
	if list == nil {
		return nil, p.syntaxError()
	}
	return list, nil
}

// startsCNear reports whether the current token can begin a phrase or
// NEAR group, with or without a column filter.
func (p *parser) startsCNear() bool {
	switch p.tok.kind {
	case tokString, tokCaret, tokMinus, tokLCP:
		return true
	}
	return false
}

func (p *parser) parseGroup(cols *colspec) (node, error) {
	p.next() // (
	inner, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if err := p.expect(tokRP); err != nil {
		return nil, err
	}
	return &group{cols: cols, inner: inner}, nil
}

// parseColspec reads "col :", "{a b} :" or "- col :" if present (a string
// is a column name only when a colon follows it).
func (p *parser) parseColspec() (*colspec, error) {
	c := &colspec{}
	switch p.tok.kind {
	case tokString:
		if p.lookahead().kind != tokColon {
			return nil, nil
		}
	case tokMinus:
		c.negate = true
		p.next()
	case tokLCP:
	default:
		return nil, nil
	}
	switch {
	case p.tok.kind == tokLCP:
		c.braces = true
		p.next()
		for p.tok.kind == tokString {
			c.cols = append(c.cols, p.tok.text)
			p.next()
		}
		if len(c.cols) == 0 {
			return nil, p.syntaxError()
		}
		if err := p.expect(tokRCP); err != nil {
			return nil, err
		}
	case p.tok.kind == tokString:
		c.cols = []string{p.tok.text}
		p.next()
	default:
		return nil, p.syntaxError()
	}
	if err := p.expect(tokColon); err != nil {
		return nil, err
	}
	return c, nil
}

// parseNearset reads "^phrase", "phrase" or "NEAR(phrase ... [, N])".
func (p *parser) parseNearset(cols *colspec) (node, error) {
	if p.tok.kind == tokCaret {
		p.next()
		ph, err := p.parsePhrase()
		if err != nil {
			return nil, err
		}
		ph.cols, ph.caret = cols, true
		return ph, nil
	}
	if p.tok.kind == tokString && p.lookahead().kind == tokLP {
		if p.tok.quoted || p.tok.text != "NEAR" {
			return nil, p.syntaxError()
		}
		p.next()
		p.next() // (
		n := &near{cols: cols}
		for p.tok.kind == tokString {
			ph, err := p.parsePhrase()
			if err != nil {
				return nil, err
			}
			n.phrases = append(n.phrases, ph)
		}
		if len(n.phrases) == 0 {
			return nil, p.syntaxError()
		}
		if p.tok.kind == tokComma {
			p.next()
			if p.tok.kind != tokString {
				return nil, p.syntaxError()
			}
			d := p.tok
			if d.quoted || strings.Trim(d.text, "0123456789") != "" {
				return nil, &QueryError{Query: p.s, Offset: d.pos, Msg: fmt.Sprintf("NEAR distance must be an integer, not %q", d.raw)}
			}
			n.dist = d.text
			p.next()
		}
		if err := p.expect(tokRP); err != nil {
			return nil, err
		}
		return n, nil
	}
	ph, err := p.parsePhrase()
	if err != nil {
		return nil, err
	}
	ph.cols = cols
	return ph, nil
}

// parsePhrase reads "string[*] + string[*] ...".
func (p *parser) parsePhrase() (*phrase, error) {
	ph := &phrase{}
	for {
		if p.tok.kind != tokString {
			return nil, p.syntaxError()
		}
		t := term{text: p.tok.text}
		p.next()
		if p.tok.kind == tokStar {
			t.prefix = true
			p.next()
		}
		ph.terms = append(ph.terms, t)
		if p.tok.kind != tokPlus {
			return ph, nil
		}
		p.next()
	}
}

// format prints a parsed query.
func format(n node) string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}
