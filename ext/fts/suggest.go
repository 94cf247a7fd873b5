package fts

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// vocabulary is the set of tokens an FTS5 table has indexed, with the number
// of rows each appears in. Query suggestion prefers frequent tokens.
type vocabulary struct {
	docs   map[string]int
	byLen  map[int][]vocabEntry // tokens by length in runes, for the closest-token search
	simple map[string]string    // case-folded, accent-stripped form → the most frequent token with it
	simp   *simplifier
}

func newVocabulary(docs map[string]int) *vocabulary {
	v := &vocabulary{docs: docs, byLen: map[int][]vocabEntry{}, simple: map[string]string{}, simp: newSimplifier(true, true)}
	for t, n := range docs {
		r := []rune(t)
		v.byLen[len(r)] = append(v.byLen[len(r)], vocabEntry{t, r})
		key := string(v.simp.apply([]byte(t)))
		if old, ok := v.simple[key]; !ok || n > docs[old] || n == docs[old] && t < old {
			v.simple[key] = t
		}
	}
	for _, ts := range v.byLen {
		// deterministic tie-breaking
		slices.SortFunc(ts, func(a, b vocabEntry) int { return strings.Compare(a.tok, b.tok) })
	}
	return v
}

// vocabEntry is a known token, also as runes for edit distances.
type vocabEntry struct {
	tok   string
	runes []rune
}

// sameSimplified returns the most frequent known token that differs from
// tok only by case, accents or compatibility forms.
func (v *vocabulary) sameSimplified(tok string) (string, bool) {
	t, ok := v.simple[string(v.simp.apply([]byte(tok)))]
	return t, ok && t != tok
}

func (v *vocabulary) has(tok string) bool { return v.docs[tok] > 0 }

// closest returns the known token nearest to tok by edit distance
// (insertions, deletions, substitutions and transpositions), at most 1 for
// short tokens and 2 for longer ones; among equally near tokens the one in
// most rows wins.
func (v *vocabulary) closest(tok string) (string, bool) {
	n := utf8.RuneCountInString(tok)
	if n <= 1 {
		return "", false
	}
	if n > 4 {
		return v.closestWithin(tok, 2)
	}
	return v.closestWithin(tok, 1)
}

// closestWithin returns the most frequent of the known tokens nearest to
// tok, at most maxDist edits away.
func (v *vocabulary) closestWithin(tok string, maxDist int) (string, bool) {
	src := []rune(tok)
	n := len(src)
	best, bestDist, bestDocs := "", maxDist+1, 0
	for l := n - maxDist; l <= n+maxDist; l++ {
		for _, cand := range v.byLen[l] {
			d := editDistance(src, cand.runes, maxDist+1)
			if d > maxDist {
				continue
			}
			if docs := v.docs[cand.tok]; d < bestDist || d == bestDist && docs > bestDocs {
				best, bestDist, bestDocs = cand.tok, d, docs
			}
		}
	}
	return best, best != ""
}

// editDistance is the optimal string alignment distance between a and b,
// giving up (returning limit) once it must reach limit.
func editDistance(a, b []rune, limit int) int {
	if abs(len(a)-len(b)) >= limit {
		return limit
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// suggester rewrites a parsed query so that every token is one the table
// knows and every column filter names a real column.
type suggester struct {
	vocab    *vocabulary
	columns  []string
	tokenize func(string) []string // the table's tokenizer, query mode
	changed  bool
}

// suggest returns the rewritten query, or false when nothing needed fixing
// or no fix was found.
func (s *suggester) suggest(query string) (string, bool, error) {
	n, err := parseQuery(query)
	if err != nil {
		return "", false, err
	}
	// One pass can enable another (a fixed word joins an unknown
	// neighbour), so repeat until nothing changes: the suggestion is then
	// final, QuerySuggest leaves it alone.
	changed := false
	for range 4 {
		s.changed = false
		n = s.node(n)
		if !s.changed {
			break
		}
		changed = true
	}
	if !changed {
		return "", false, nil
	}
	return format(n), true, nil
}

func (s *suggester) node(n node) node {
	switch n := n.(type) {
	case *binop:
		if n.op == "" {
			return s.sequence(n)
		}
		n.left, n.right = s.node(n.left), s.node(n.right)
		return n
	case *group:
		s.cols(n.cols)
		n.inner = s.node(n.inner)
		return n
	case *near:
		s.cols(n.cols)
		for _, p := range n.phrases {
			s.phrase(p)
		}
		return n
	case *phrase:
		s.cols(n.cols)
		s.phrase(n)
		return n
	}
	return n
}

// sequence fixes phrases joined by implicit AND ("a b c", parsed as
// ((a b) c)): adjacent single-term phrases may be one word typed with a
// space ("pea nut" for "peanut"), then each phrase is fixed on its own.
func (s *suggester) sequence(n *binop) node {
	var items []node
	var flatten func(node)
	flatten = func(x node) {
		if b, ok := x.(*binop); ok && b.op == "" {
			flatten(b.left)
			flatten(b.right)
			return
		}
		items = append(items, x)
	}
	flatten(n)
	out := items[:1]
	for _, it := range items[1:] {
		l, r := singleTerm(out[len(out)-1]), singleTerm(it)
		if l != nil && r != nil && s.joins(l.terms[0], r.terms[0]) {
			s.changed = true
			l.terms[0].text += r.terms[0].text
			l.terms[0].prefix = r.terms[0].prefix
			continue
		}
		out = append(out, it)
	}
	var seq node
	for _, it := range out {
		it = s.node(it)
		if seq == nil {
			seq = it
		} else {
			seq = &binop{left: seq, right: it}
		}
	}
	return seq
}

// joins reports whether two adjacent terms are better written as one:
// each is one token, one of them unknown, and together they make one
// known token.
func (s *suggester) joins(l, r term) bool {
	if l.prefix {
		return false
	}
	lt, rt := s.tokenize(l.text), s.tokenize(r.text)
	if len(lt) != 1 || len(rt) != 1 || s.vocab.has(lt[0]) && s.vocab.has(rt[0]) {
		return false
	}
	jt := s.tokenize(l.text + r.text)
	return len(jt) == 1 && s.vocab.has(jt[0])
}

func singleTerm(n node) *phrase {
	p, ok := n.(*phrase)
	if !ok || len(p.terms) != 1 || p.cols != nil || p.caret {
		return nil
	}
	return p
}

func (s *suggester) cols(c *colspec) {
	if c == nil {
		return
	}
	for i, col := range c.cols {
		if s.isColumn(col) {
			continue
		}
		best, bestDist := "", 3
		src := []rune(strings.ToLower(col))
		for _, real := range s.columns {
			if d := editDistance(src, []rune(strings.ToLower(real)), bestDist); d < bestDist {
				best, bestDist = real, d
			}
		}
		if best != "" {
			c.cols[i] = best
			s.changed = true
		}
	}
}

func (s *suggester) isColumn(col string) bool {
	for _, c := range s.columns {
		if strings.EqualFold(c, col) {
			return true
		}
	}
	return false
}

// known reports whether every token of text is in the vocabulary.
func (s *suggester) known(text string) bool {
	toks := s.tokenize(text)
	for _, t := range toks {
		if !s.vocab.has(t) {
			return false
		}
	}
	return len(toks) > 0
}

func (s *suggester) phrase(p *phrase) {
	for i := range p.terms {
		t := &p.terms[i]
		if t.prefix || s.known(t.text) {
			continue
		}
		if fixed, ok := s.fixTerm(t.text); ok {
			t.text = fixed
			s.changed = true
		}
	}
}

// fixTerm repairs an unknown term token by token: a token becomes a known
// one differing only by case or accents ("Jalapeno"), splits into two
// known ones ("peanutbutter"), or becomes the closest known token
// ("peenut").
func (s *suggester) fixTerm(text string) (string, bool) {
	toks := s.tokenize(text)
	if len(toks) == 0 {
		return "", false
	}
	out := make([]string, 0, len(toks))
	fixed := false
	for _, tok := range toks {
		if s.vocab.has(tok) {
			out = append(out, tok)
			continue
		}
		if c, ok := s.vocab.sameSimplified(tok); ok {
			out = append(out, c)
			fixed = true
			continue
		}
		if a, b, ok := s.split(tok); ok {
			out = append(out, a, b)
			fixed = true
			continue
		}
		if c, ok := s.vocab.closest(tok); ok {
			out = append(out, c)
			fixed = true
			continue
		}
		if a, b, ok := s.fuzzySplit(tok); ok {
			out = append(out, a, b)
			fixed = true
			continue
		}
		out = append(out, tok)
	}
	return strings.Join(out, " "), fixed
}

// split finds the split of tok into two known tokens whose rarer half is in
// the most rows.
func (s *suggester) split(tok string) (string, string, bool) {
	bestA, bestB, bestDocs := "", "", 0
	for i := range tok {
		if i == 0 {
			continue
		}
		a, b := tok[:i], tok[i:]
		if utf8.RuneCountInString(a) < 2 || utf8.RuneCountInString(b) < 2 {
			continue
		}
		if d := min(s.vocab.docs[a], s.vocab.docs[b]); d > bestDocs {
			bestA, bestB, bestDocs = a, b, d
		}
	}
	return bestA, bestB, bestDocs > 0
}

// fuzzySplit finds a split of tok into a known token and a word one edit
// away from a known token ("peanutbuter"), both at least 3 characters,
// preferring the split whose rarer half is in most rows.
func (s *suggester) fuzzySplit(tok string) (string, string, bool) {
	bestA, bestB, bestDocs := "", "", 0
	for i := range tok {
		a, b := tok[:i], tok[i:]
		if utf8.RuneCountInString(a) < 3 || utf8.RuneCountInString(b) < 3 {
			continue
		}
		switch {
		case s.vocab.has(a):
			if c, ok := s.vocab.closestWithin(b, 1); ok {
				b = c
			} else {
				continue
			}
		case s.vocab.has(b):
			if c, ok := s.vocab.closestWithin(a, 1); ok {
				a = c
			} else {
				continue
			}
		default:
			continue
		}
		if d := min(s.vocab.docs[a], s.vocab.docs[b]); d > bestDocs {
			bestA, bestB, bestDocs = a, b, d
		}
	}
	return bestA, bestB, bestDocs > 0
}
