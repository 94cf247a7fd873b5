package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// fts5Open opens a private in-memory database closed with the test.
func fts5Open(t testing.TB) *Conn {
	t.Helper()
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func fts5Exec(t testing.TB, c *Conn, sql string, args ...any) {
	t.Helper()
	if err := c.Exec(sql, args...); err != nil {
		t.Fatal(err)
	}
}

// fts5Column returns column 0 of every row as text.
func fts5Column(t testing.TB, c *Conn, sql string, args ...any) []string {
	t.Helper()
	var out []string
	for row, err := range c.Query(sql, args...) {
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, row.ColumnText(0))
	}
	return out
}

// fts5QueryErr runs sql to the end and returns its error.
func fts5QueryErr(c *Conn, sql string, args ...any) error {
	for _, err := range c.Query(sql, args...) {
		if err != nil {
			return err
		}
	}
	return nil
}

// fts5Words is a Go tokenizer: tokens are runs of ASCII letters and digits,
// lowercased. At document time it adds the synonyms in syn as colocated
// tokens; it records the flags of every call in seen.
type fts5Words struct {
	syn    map[string][]string
	seen   *[]TokenizeFlags
	closed *int
}

func (w fts5Words) Tokenize(text []byte, flags TokenizeFlags, emit func([]byte, int, int, bool) error) error {
	if w.seen != nil {
		*w.seen = append(*w.seen, flags)
	}
	var buf []byte
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) && (text[i] >= 'a' && text[i] <= 'z' || text[i] >= 'A' && text[i] <= 'Z' || text[i] >= '0' && text[i] <= '9') {
			if start < 0 {
				start = i
			}
			continue
		}
		if start < 0 {
			continue
		}
		buf = append(buf[:0], bytes.ToLower(text[start:i])...)
		if err := emit(buf, start, i, false); err != nil {
			return err
		}
		if flags&TokenizeDocument != 0 {
			for _, s := range w.syn[string(buf)] {
				if err := emit([]byte(s), start, i, true); err != nil {
					return err
				}
			}
		}
		start = -1
	}
	return nil
}

func (w fts5Words) Close() error {
	if w.closed != nil {
		*w.closed++
	}
	return nil
}

func fts5NewWords(args []string) (Tokenizer, error) { return fts5Words{}, nil }

// fts5Vocab returns the terms of FTS5 table tab, in order.
func fts5Vocab(t testing.TB, c *Conn, tab string) []string {
	t.Helper()
	fts5Exec(t, c, fmt.Sprintf("CREATE VIRTUAL TABLE IF NOT EXISTS temp.%s_v USING fts5vocab(main, %s, 'row')", tab, tab))
	return fts5Column(t, c, fmt.Sprintf("SELECT term FROM temp.%s_v ORDER BY term", tab))
}

// fts5Reverse indexes every word reversed, so only its own queries match.
type fts5Reverse struct{}

func (fts5Reverse) Tokenize(text []byte, flags TokenizeFlags, emit func([]byte, int, int, bool) error) error {
	return fts5Words{}.Tokenize(text, flags, func(tok []byte, s, e int, col bool) error {
		slices.Reverse(tok)
		return emit(tok, s, e, col)
	})
}

func TestGoTokenizerDecidesIndexedTerms(t *testing.T) {
	c := fts5Open(t)
	if err := c.CreateTokenizer("reverse", func([]string) (Tokenizer, error) { return fts5Reverse{}, nil }); err != nil {
		t.Fatal(err)
	}
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='reverse')")
	fts5Exec(t, c, "INSERT INTO t(rowid, x) VALUES (1, 'Hello world'), (2, 'other words')")
	if got, want := fts5Vocab(t, c, "t"), []string{"dlrow", "olleh", "rehto", "sdrow"}; !slices.Equal(got, want) {
		t.Fatalf("indexed terms %q, want %q", got, want)
	}
	// Queries go through the same tokenizer, so plain words still match.
	if got := fts5Column(t, c, "SELECT rowid FROM t WHERE t MATCH 'WORLD'"); !slices.Equal(got, []string{"1"}) {
		t.Fatalf("MATCH 'WORLD' = %v, want [1]", got)
	}
	if got := fts5Column(t, c, "SELECT rowid FROM t WHERE t MATCH 'olleh'"); len(got) != 0 {
		t.Fatalf("MATCH of an indexed term spelled backwards = %v, want no rows", got)
	}
}

func TestGoTokenizerGetsFlagsForDocumentQueryPrefixAux(t *testing.T) {
	c := fts5Open(t)
	var seen []TokenizeFlags
	if err := c.CreateTokenizer("words", func([]string) (Tokenizer, error) { return fts5Words{seen: &seen}, nil }); err != nil {
		t.Fatal(err)
	}
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='words')")

	seen = nil
	fts5Exec(t, c, "INSERT INTO t(rowid, x) VALUES (1, 'alpha beta'), (2, 'alphabet soup')")
	if !slices.Equal(seen, []TokenizeFlags{TokenizeDocument, TokenizeDocument}) {
		t.Errorf("insert: flags %v, want document twice", seen)
	}

	seen = nil
	if got := fts5Column(t, c, "SELECT rowid FROM t WHERE t MATCH 'alpha'"); !slices.Equal(got, []string{"1"}) {
		t.Errorf("MATCH 'alpha' = %v, want [1]", got)
	}
	if !slices.Equal(seen, []TokenizeFlags{TokenizeQuery}) {
		t.Errorf("query: flags %v, want [query]", seen)
	}

	seen = nil
	if got := fts5Column(t, c, "SELECT rowid FROM t WHERE t MATCH 'alph*' ORDER BY rowid"); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("MATCH 'alph*' = %v, want [1 2]", got)
	}
	if !slices.Equal(seen, []TokenizeFlags{TokenizeQuery | TokenizePrefix}) {
		t.Errorf("prefix query: flags %v, want [query|prefix]", seen)
	}

	seen = nil
	if got := fts5Column(t, c, "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH 'soup'"); !slices.Equal(got, []string{"alphabet [soup]"}) {
		t.Errorf("highlight = %q", got)
	}
	if !slices.Equal(seen, []TokenizeFlags{TokenizeQuery, TokenizeAux}) {
		t.Errorf("highlight: flags %v, want [query aux]", seen)
	}
	if s := (TokenizeQuery | TokenizePrefix).String(); s != "query|prefix" {
		t.Errorf("String() = %q", s)
	}
}

func TestGoTokenizerGetsArgumentsOfTableDeclaration(t *testing.T) {
	c := fts5Open(t)
	var got [][]string
	if err := c.CreateTokenizer("argtok", func(args []string) (Tokenizer, error) {
		got = append(got, args)
		return fts5Words{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	fts5Exec(t, c, `CREATE VIRTUAL TABLE t USING fts5(x, tokenize="argtok a 'b c'")`)
	fts5Exec(t, c, `CREATE VIRTUAL TABLE u USING fts5(x, tokenize="argtok")`)
	if len(got) != 2 || !slices.Equal(got[0], []string{"a", "b c"}) || len(got[1]) != 0 {
		t.Fatalf("constructor arguments %q", got)
	}
}

func TestColocatedSynonymsMatchWithoutCountingAsTokens(t *testing.T) {
	c := fts5Open(t)
	syn := map[string][]string{"first": {"1st"}, "second": {"2nd", "two"}}
	if err := c.CreateTokenizer("syn", func([]string) (Tokenizer, error) { return fts5Words{syn: syn}, nil }); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateFTS5Function("size", func(x *FTS5Context, fc *FuncContext, _ []Value) error {
		n, err := x.ColumnSize(0)
		fc.ResultInt(n)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='syn')")
	fts5Exec(t, c, "INSERT INTO t(rowid, x) VALUES (1, 'the first step'), (2, 'second place'), (3, 'last one')")
	for _, tc := range []struct{ q, want string }{
		{"1st", "1:the [first] step:3"},
		{"first", "1:the [first] step:3"},
		{"two", "2:[second] place:2"},
		{"2nd place", "2:[second] [place]:2"},
		{`"two place"`, "2:[second place]:2"}, // the synonym keeps the phrase's positions
	} {
		got := fts5Column(t, c, "SELECT rowid || ':' || highlight(t, 0, '[', ']') || ':' || size(t) FROM t WHERE t MATCH ?", tc.q)
		if !slices.Equal(got, []string{tc.want}) {
			t.Errorf("MATCH %q = %q, want [%q]", tc.q, got, tc.want)
		}
	}
}

// fts5Stop drops stop words from the tokens of the tokenizer named by its
// arguments, which it looks up with Conn.Tokenizer.
type fts5Stop struct {
	inner *FTS5Tokenizer
	stop  map[string]bool
}

func (s *fts5Stop) Tokenize(text []byte, flags TokenizeFlags, emit func([]byte, int, int, bool) error) error {
	return s.inner.Tokenize(text, flags, func(tok []byte, start, end int, col bool) error {
		if s.stop[string(tok)] {
			return nil
		}
		return emit(tok, start, end, col)
	})
}

func fts5StopConstructor(c *Conn, inners *[]*FTS5Tokenizer) func([]string) (Tokenizer, error) {
	return func(args []string) (Tokenizer, error) {
		if len(args) == 0 {
			return nil, errors.New("stop: name the tokenizer to wrap")
		}
		inner, err := c.Tokenizer(args[0], args[1:])
		if err != nil {
			return nil, err
		}
		if inners != nil {
			*inners = append(*inners, inner)
		}
		return &fts5Stop{inner: inner, stop: map[string]bool{"the": true, "a": true}}, nil
	}
}

func TestGoTokenizerWrapsBuiltinPorter(t *testing.T) {
	c := fts5Open(t)
	if err := c.CreateTokenizer("stop", fts5StopConstructor(c, nil)); err != nil {
		t.Fatal(err)
	}
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='stop porter unicode61 remove_diacritics 2')")
	fts5Exec(t, c, "INSERT INTO t(rowid, x) VALUES (1, 'The Running Dögs'), (2, 'a dog runs')")
	if got, want := fts5Vocab(t, c, "t"), []string{"dog", "run"}; !slices.Equal(got, want) {
		t.Fatalf("indexed terms %q, want %q (stemmed, folded, no stop words)", got, want)
	}
	if got := fts5Column(t, c, "SELECT rowid FROM t WHERE t MATCH 'runner OR dogs' ORDER BY rowid"); !slices.Equal(got, []string{"1", "2"}) {
		t.Fatalf("MATCH 'runner OR dogs' = %v", got)
	}
	if got := fts5Column(t, c, "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH 'dog' AND rowid = 1"); !slices.Equal(got, []string{"The Running [Dögs]"}) {
		t.Fatalf("highlight through the chain = %q", got)
	}
}

func TestGoTokenizerWrapsGoTokenizerDirectly(t *testing.T) {
	c := fts5Open(t)
	var inners []*FTS5Tokenizer
	if err := c.CreateTokenizer("words", fts5NewWords); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTokenizer("stop", fts5StopConstructor(c, &inners)); err != nil {
		t.Fatal(err)
	}
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='stop words')")
	fts5Exec(t, c, "INSERT INTO t(rowid, x) VALUES (1, 'The cat'), (2, 'a Dog')")
	if got, want := fts5Vocab(t, c, "t"), []string{"cat", "dog"}; !slices.Equal(got, want) {
		t.Fatalf("indexed terms %q, want %q", got, want)
	}
	if len(inners) == 0 {
		t.Fatal("constructor not called")
	}
	for _, in := range inners {
		if _, ok := in.goTok.(fts5Words); !ok || in.p != 0 {
			t.Fatalf("Go tokenizer looked up through the engine: %+v", in)
		}
	}
}

func TestTokenizerLookupTokenizesLikeTable(t *testing.T) {
	c := fts5Open(t)
	tok, err := c.Tokenizer("unicode61", []string{"remove_diacritics", "2"})
	if err != nil {
		t.Fatal(err)
	}
	type token struct {
		text       string
		start, end int
	}
	var got []token
	err = tok.Tokenize([]byte("Héllo, Wörld!"), TokenizeDocument, func(b []byte, s, e int, col bool) error {
		got = append(got, token{string(b), s, e})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []token{{"hello", 0, 6}, {"world", 8, 14}}; !slices.Equal(got, want) {
		t.Fatalf("tokens %v, want %v", got, want)
	}
	if tok.Name() != "unicode61" {
		t.Errorf("Name() = %q", tok.Name())
	}
	if err := tok.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tok.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	err = tok.Tokenize([]byte("x"), TokenizeDocument, func([]byte, int, int, bool) error { return nil })
	if !errors.Is(err, ErrClosed) || !errors.Is(err, ErrMisuse) {
		t.Fatalf("Tokenize after Close: %v, want ErrClosed", err)
	}

	// The default tokenizer, and an unknown one.
	def, err := c.Tokenizer("", nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	def.Tokenize([]byte("one two"), TokenizeQuery, func([]byte, int, int, bool) error { n++; return nil })
	if n != 2 {
		t.Fatalf("default tokenizer gave %d tokens, want 2", n)
	}
	if _, err := c.Tokenizer("nosuch", nil); !errors.Is(err, ErrError) || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("unknown tokenizer: %v", err)
	}
	if _, err := c.Tokenizer("unicode61", []string{"bogus_option", "1"}); !errors.Is(err, ErrError) {
		t.Fatalf("bad arguments: %v", err)
	}

	// Instances still open when the connection closes are released, and
	// report ErrClosed afterwards.
	c.Close()
	err = def.Tokenize([]byte("x"), TokenizeDocument, func([]byte, int, int, bool) error { return nil })
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Tokenize after Conn.Close: %v, want ErrClosed", err)
	}
	if _, err := c.Tokenizer("unicode61", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Tokenizer after Conn.Close: %v", err)
	}
}

func TestTokenizerLookupStopsAtEmitError(t *testing.T) {
	c := fts5Open(t)
	tok, err := c.Tokenizer("porter", nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("enough")
	n := 0
	err = tok.Tokenize([]byte("one two three"), TokenizeDocument, func([]byte, int, int, bool) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("Tokenize = %v after %d tokens, want the emit error after 1", err, n)
	}
}

func TestTokenizerLookupRepanicsEmitPanicAfterEngine(t *testing.T) {
	c := fts5Open(t)
	tok, err := c.Tokenizer("ascii", nil)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != "emit boom" {
				t.Fatalf("recovered %v, want the emit panic", r)
			}
		}()
		tok.Tokenize([]byte("a b"), TokenizeDocument, func([]byte, int, int, bool) error { panic("emit boom") })
		t.Fatal("no panic")
	}()
	n := 0
	if err := tok.Tokenize([]byte("a b"), TokenizeDocument, func([]byte, int, int, bool) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("after a panic: %v, %d tokens", err, n)
	}
}

// fts5Failing fails (or panics) on a document holding the word "bad".
type fts5Failing struct {
	err     error
	doPanic bool
}

var errFTS5Bad = errors.New("bad word")

func (f fts5Failing) Tokenize(text []byte, flags TokenizeFlags, emit func([]byte, int, int, bool) error) error {
	return fts5Words{}.Tokenize(text, flags, func(tok []byte, s, e int, col bool) error {
		if string(tok) == "bad" {
			if f.doPanic {
				panic("tokenizer boom")
			}
			return f.err
		}
		return emit(tok, s, e, col)
	})
}

func TestGoTokenizerErrorFailsStatement(t *testing.T) {
	for _, doPanic := range []bool{false, true} {
		t.Run(fmt.Sprint("panic=", doPanic), func(t *testing.T) {
			c := fts5Open(t)
			c.CreateTokenizer("failing", func([]string) (Tokenizer, error) {
				return fts5Failing{err: fmt.Errorf("tokenizing: %w", errFTS5Bad), doPanic: doPanic}, nil
			})
			fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='failing')")
			fts5Exec(t, c, "INSERT INTO t VALUES ('good text')")
			check := func(what string, err error) {
				t.Helper()
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("%s: %v, want an *Error", what, err)
				}
				if doPanic {
					var pe *PanicError
					if !errors.As(err, &pe) || pe.Value != "tokenizer boom" || !strings.Contains(err.Error(), `tokenizer "failing"`) {
						t.Fatalf("%s: %v, want a *PanicError naming the tokenizer", what, err)
					}
				} else if !errors.Is(err, errFTS5Bad) {
					t.Fatalf("%s: %v, want it to wrap the tokenizer's error", what, err)
				}
			}
			check("insert", c.Exec("INSERT INTO t VALUES ('a bad word')"))
			check("query", fts5QueryErr(c, "SELECT * FROM t WHERE t MATCH 'bad'"))
			// The connection and the table keep working.
			fts5Exec(t, c, "INSERT INTO t VALUES ('more good text')")
			if got := fts5Column(t, c, "SELECT count(*) FROM t WHERE t MATCH 'good'"); !slices.Equal(got, []string{"2"}) {
				t.Fatalf("count after failures = %v, want 2", got)
			}
			if got := fts5Column(t, c, "SELECT count(*) FROM t"); !slices.Equal(got, []string{"2"}) {
				t.Fatalf("rows after failures = %v, want 2", got)
			}
			fts5Exec(t, c, "INSERT INTO t(t) VALUES ('integrity-check')")
		})
	}
}

func TestTokenizerConstructorErrorFailsStatement(t *testing.T) {
	c := fts5Open(t)
	errCtor := errors.New("no such language")
	c.CreateTokenizer("picky", func(args []string) (Tokenizer, error) {
		if len(args) > 0 && args[0] == "panic" {
			panic("constructor boom")
		}
		return nil, errCtor
	})
	c.CreateTokenizer("nothing", func([]string) (Tokenizer, error) { return nil, nil })
	err := c.Exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='picky')")
	if !errors.Is(err, errCtor) || !errors.Is(err, ErrError) {
		t.Fatalf("CREATE with failing constructor: %v", err)
	}
	err = c.Exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='picky panic')")
	if pe := (*PanicError)(nil); !errors.As(err, &pe) || pe.Value != "constructor boom" {
		t.Fatalf("CREATE with panicking constructor: %v", err)
	}
	err = c.Exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='nothing')")
	if !errors.Is(err, ErrMisuse) {
		t.Fatalf("CREATE with constructor returning nil: %v", err)
	}
	if _, err := c.Tokenizer("picky", nil); err != errCtor {
		t.Fatalf("Tokenizer with failing constructor: %v", err)
	}
	// Through an engine tokenizer wrapping the Go one.
	if _, err := c.Tokenizer("porter", []string{"picky"}); !errors.Is(err, errCtor) {
		t.Fatalf("porter over a failing Go tokenizer: %v", err)
	}
	fts5Exec(t, c, "CREATE VIRTUAL TABLE ok USING fts5(x)")
}

// fts5Misbehaving emits what it is told to, to test the checks on emit.
type fts5Misbehaving struct {
	start, end int
	keep       *func([]byte, int, int, bool) error
}

func (m fts5Misbehaving) Tokenize(text []byte, flags TokenizeFlags, emit func([]byte, int, int, bool) error) error {
	if m.keep != nil {
		*m.keep = emit
	}
	return emit([]byte("tok"), m.start, m.end, false)
}

func TestTokenizerChainNamingItselfFails(t *testing.T) {
	c := fts5Open(t)
	c.CreateTokenizer("loop", func(args []string) (Tokenizer, error) { return c.Tokenizer("loop", args) })
	c.CreateTokenizer("viaporter", func(args []string) (Tokenizer, error) { return c.Tokenizer("porter", []string{"viaporter"}) })
	for _, name := range []string{"loop", "viaporter"} {
		err := c.Exec("CREATE VIRTUAL TABLE " + name + " USING fts5(x, tokenize='" + name + "')")
		if !errors.Is(err, ErrError) || !strings.Contains(err.Error(), "nested") {
			t.Errorf("%s: %v, want the nesting error", name, err)
		}
	}
	if n := len(c.fts5State().toks); n != 0 {
		t.Errorf("%d tokenizers left open by the failed chains", n)
	}
}

func TestGoTokenizerOffsetsOutsideTextFail(t *testing.T) {
	c := fts5Open(t)
	c.CreateTokenizer("offsets", func(args []string) (Tokenizer, error) {
		switch args[0] {
		case "past":
			return fts5Misbehaving{start: 0, end: 1000}, nil
		case "negative":
			return fts5Misbehaving{start: -1, end: 2}, nil
		default:
			return fts5Misbehaving{start: 3, end: 2}, nil
		}
	})
	for _, kind := range []string{"past", "negative", "reversed"} {
		fts5Exec(t, c, fmt.Sprintf("CREATE VIRTUAL TABLE %s USING fts5(x, tokenize='offsets %s')", kind, kind))
		err := c.Exec(fmt.Sprintf("INSERT INTO %s VALUES ('some text')", kind))
		if !errors.Is(err, ErrRange) {
			t.Errorf("%s offsets: %v, want ErrRange", kind, err)
		}
	}
}

func TestGoTokenizerEmitAfterReturnFails(t *testing.T) {
	c := fts5Open(t)
	var kept func([]byte, int, int, bool) error
	c.CreateTokenizer("keeper", func([]string) (Tokenizer, error) {
		return fts5Misbehaving{start: 0, end: 1, keep: &kept}, nil
	})
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='keeper')")
	fts5Exec(t, c, "INSERT INTO t VALUES ('x')")
	if kept == nil {
		t.Fatal("tokenizer not called")
	}
	if err := kept([]byte("late"), 0, 1, false); !errors.Is(err, ErrMisuse) {
		t.Fatalf("emit after Tokenize returned: %v, want ErrMisuse", err)
	}
}

func TestCreateTokenizerRejectsBadInput(t *testing.T) {
	c := fts5Open(t)
	if err := c.CreateTokenizer("x", nil); !errors.Is(err, ErrMisuse) {
		t.Errorf("nil constructor: %v", err)
	}
	if err := c.CreateTokenizer("", fts5NewWords); !errors.Is(err, ErrMisuse) {
		t.Errorf("empty name: %v", err)
	}
	if err := c.CreateTokenizer("a\x00b", fts5NewWords); !errors.Is(err, ErrMisuse) {
		t.Errorf("name with NUL: %v", err)
	}
	if _, err := c.Tokenizer("a\x00b", nil); !errors.Is(err, ErrMisuse) {
		t.Errorf("lookup of name with NUL: %v", err)
	}
	noop := func(*FTS5Context, *FuncContext, []Value) error { return nil }
	if err := c.CreateFTS5Function("f", nil); !errors.Is(err, ErrMisuse) {
		t.Errorf("nil function: %v", err)
	}
	if err := c.CreateFTS5Function("", noop); !errors.Is(err, ErrMisuse) {
		t.Errorf("empty function name: %v", err)
	}
	c.Close()
	if err := c.CreateTokenizer("x", fts5NewWords); !errors.Is(err, ErrClosed) {
		t.Errorf("closed conn: %v", err)
	}
	if err := c.CreateFTS5Function("f", noop); !errors.Is(err, ErrClosed) {
		t.Errorf("closed conn: %v", err)
	}
}

func TestCreateTokenizerAgainReplacesIt(t *testing.T) {
	c := fts5Open(t)
	c.CreateTokenizer("tok", fts5NewWords)
	c.CreateTokenizer("tok", func([]string) (Tokenizer, error) { return fts5Reverse{}, nil })
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='tok'); INSERT INTO t VALUES ('abc')")
	if got := fts5Vocab(t, c, "t"); !slices.Equal(got, []string{"cba"}) {
		t.Fatalf("terms %q, want the second registration's", got)
	}
}

// fts5Highlight is highlight(t, col, open, close) written with the
// FTS5Context API: hits from Inst, their bytes from Tokenize.
func fts5Highlight(x *FTS5Context, fc *FuncContext, args []Value) error {
	if len(args) != 3 {
		return errors.New("gohighlight: want column, open and close")
	}
	col, open, close := args[0].Int(), args[1].Text(), args[2].Text()
	text, err := x.ColumnText(col)
	if err != nil {
		return err
	}
	// Token ranges [first, last] of the hits in col, overlapping ones merged.
	n, err := x.InstCount()
	if err != nil {
		return err
	}
	type span struct{ first, last int }
	var spans []span
	for i := range n {
		h, err := x.Inst(i)
		if err != nil {
			return err
		}
		if h.Column != col {
			continue
		}
		s := span{h.Offset, h.Offset + x.PhraseSize(h.Phrase) - 1}
		if k := len(spans) - 1; k >= 0 && s.first <= spans[k].last {
			spans[k].last = max(spans[k].last, s.last)
			continue
		}
		spans = append(spans, s)
	}
	var b strings.Builder
	done, tok := 0, -1
	err = x.Tokenize(text, func(_ []byte, start, end int, colocated bool) error {
		if colocated {
			return nil
		}
		tok++
		for _, s := range spans {
			if tok == s.first {
				b.WriteString(text[done:start])
				b.WriteString(open)
				done = start
			}
			if tok == s.last {
				b.WriteString(text[done:end])
				b.WriteString(close)
				done = end
			}
		}
		return nil
	})
	b.WriteString(text[done:])
	fc.ResultText(b.String())
	return err
}

func TestFTS5FunctionHighlightMatchesBuiltin(t *testing.T) {
	for _, tokenize := range []string{"unicode61", "words", "porter"} {
		t.Run(tokenize, func(t *testing.T) {
			c := fts5Open(t)
			c.CreateTokenizer("words", fts5NewWords)
			if err := c.CreateFTS5Function("gohighlight", fts5Highlight); err != nil {
				t.Fatal(err)
			}
			fts5Exec(t, c, fmt.Sprintf("CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize='%s')", tokenize))
			fts5Exec(t, c, `INSERT INTO t VALUES
				('The quick brown fox', 'jumps over the lazy dog'),
				('Quick thinking, quick acting!', 'a fox is quick'),
				('nothing here', 'brown dogs are lazy too')`)
			for _, q := range []string{"quick", "fox OR dog", `"brown fox"`, "qui*", "b : lazy", `"quick brown" OR fox`, "NEAR(quick fox, 3)", "lazy AND dog*"} {
				for col := range 2 {
					sql := "SELECT coalesce(highlight(t, ?1, '[', ']'), '') || ' | ' || coalesce(gohighlight(t, ?1, '[', ']'), '') FROM t WHERE t MATCH ?2 ORDER BY rowid"
					for _, r := range fts5Column(t, c, sql, col, q) {
						builtin, mine, _ := strings.Cut(r, " | ")
						if builtin != mine {
							t.Errorf("MATCH %q column %d: Go %q, built-in %q", q, col, mine, builtin)
						}
					}
				}
			}
		})
	}
}

// fts5BM25 is FTS5's bm25() ranking function written with the FTS5Context
// API; it keeps the per-query phrase statistics with SetAuxData.
func fts5BM25(x *FTS5Context, fc *FuncContext, _ []Value) error {
	const k1, b = 1.2, 0.75
	type stats struct {
		idf   []float64
		avgdl float64
	}
	st, _ := x.AuxData().(*stats)
	if st == nil {
		rows, err := x.RowCount()
		if err != nil {
			return err
		}
		total, err := x.ColumnTotalSize(-1)
		if err != nil {
			return err
		}
		st = &stats{avgdl: float64(total) / float64(rows)}
		for p := range x.PhraseCount() {
			hits := 0
			for _, err := range x.QueryPhrase(p) {
				if err != nil {
					return err
				}
				hits++
			}
			idf := math.Log((float64(rows) - float64(hits) + 0.5) / (float64(hits) + 0.5))
			if idf <= 0 {
				idf = 1e-6
			}
			st.idf = append(st.idf, idf)
		}
		if err := x.SetAuxData(st); err != nil {
			return err
		}
	}
	freq := make([]float64, x.PhraseCount())
	n, err := x.InstCount()
	if err != nil {
		return err
	}
	for i := range n {
		h, err := x.Inst(i)
		if err != nil {
			return err
		}
		freq[h.Phrase]++
	}
	dl, err := x.ColumnSize(-1)
	if err != nil {
		return err
	}
	score := 0.0
	for p, f := range freq {
		score += st.idf[p] * f * (k1 + 1) / (f + k1*(1-b+b*float64(dl)/st.avgdl))
	}
	fc.ResultFloat(-score)
	return nil
}

func TestFTS5FunctionBM25MatchesBuiltin(t *testing.T) {
	c := fts5Open(t)
	if err := c.CreateFTS5Function("gobm25", fts5BM25); err != nil {
		t.Fatal(err)
	}
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(title, body)")
	words := strings.Fields("apple banana cherry date elder fig grape honeydew kiwi lemon mango")
	for i := range 60 {
		var doc []string
		for j := range 3 + i%7 {
			doc = append(doc, words[(i*j+i/3)%len(words)])
		}
		fts5Exec(t, c, "INSERT INTO t VALUES (?, ?)", words[i%len(words)], strings.Join(doc, " "))
	}
	for _, q := range []string{"apple", "banana OR cherry", "fig grape", `"date elder"`, "kiwi NOT lemon", "m*"} {
		rows := 0
		for row, err := range c.Query("SELECT bm25(t), gobm25(t) FROM t WHERE t MATCH ?", q) {
			if err != nil {
				t.Fatal(err)
			}
			rows++
			if want, got := row.ColumnFloat(0), row.ColumnFloat(1); math.Abs(want-got) > 1e-9*math.Abs(want) {
				t.Errorf("MATCH %q: Go bm25 %v, built-in %v", q, got, want)
			}
		}
		if rows == 0 {
			t.Errorf("MATCH %q found nothing", q)
		}
	}
	// Ordering by the Go rank gives the built-in order.
	builtin := fts5Column(t, c, "SELECT rowid FROM t WHERE t MATCH 'apple OR fig' ORDER BY bm25(t), rowid")
	mine := fts5Column(t, c, "SELECT rowid FROM t WHERE t MATCH 'apple OR fig' ORDER BY gobm25(t), rowid")
	if !slices.Equal(builtin, mine) {
		t.Errorf("ranking differs:\n%v\n%v", mine, builtin)
	}
}

func TestFTS5ContextReportsRowQueryAndTable(t *testing.T) {
	c := fts5Open(t)
	var report []string
	c.CreateFTS5Function("report", func(x *FTS5Context, fc *FuncContext, args []Value) error {
		var b strings.Builder
		rows, err := x.RowCount()
		if err != nil {
			return err
		}
		all, _ := x.ColumnTotalSize(-1)
		c0, _ := x.ColumnTotalSize(0)
		size, _ := x.ColumnSize(-1)
		s1, _ := x.ColumnSize(1)
		t1, _ := x.ColumnText(1)
		fmt.Fprintf(&b, "rowid=%d cols=%d rows=%d total=%d/%d size=%d/%d text1=%q phrases=%d",
			x.Rowid(), x.ColumnCount(), rows, all, c0, size, s1, t1, x.PhraseCount())
		for p := range x.PhraseCount() {
			fmt.Fprintf(&b, " p%d(size=%d", p, x.PhraseSize(p))
			for i := range x.PhraseSize(p) {
				tok, err := x.QueryToken(p, i)
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, " %q", tok)
			}
			for h, err := range x.PhraseHits(p) {
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, " hit%d.%d", h.Column, h.Offset)
			}
			for col, err := range x.PhraseColumns(p) {
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, " col%d", col)
			}
			b.WriteString(")")
		}
		n, _ := x.InstCount()
		for i := range n {
			h, _ := x.Inst(i)
			tok, err := x.InstToken(i, 0)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " inst(%d,%d,%d,%q)", h.Phrase, h.Column, h.Offset, tok)
		}
		for _, a := range args {
			fmt.Fprintf(&b, " arg=%v", a.Any())
		}
		report = append(report, b.String())
		fc.ResultText(b.String())
		return nil
	})
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(a, b)")
	fts5Exec(t, c, `INSERT INTO t(rowid, a, b) VALUES
		(1, 'one two', 'three four five'),
		(7, 'two two', 'two'),
		(9, 'six', 'seven')`)
	got := fts5Column(t, c, "SELECT report(t, 42, 'x') FROM t WHERE t MATCH 'tw* OR \"four five\"' ORDER BY rowid")
	want := []string{
		`rowid=1 cols=2 rows=3 total=10/5 size=5/3 text1="three four five" phrases=2` +
			` p0(size=1 "tw" hit0.1 col0) p1(size=2 "four" "five" hit1.1 col1)` +
			` inst(0,0,1,"two") inst(1,1,1,"four") arg=42 arg=x`,
		`rowid=7 cols=2 rows=3 total=10/5 size=3/1 text1="two" phrases=2` +
			` p0(size=1 "tw" hit0.0 hit0.1 hit1.0 col0 col1) p1(size=2 "four" "five")` +
			` inst(0,0,0,"two") inst(0,0,1,"two") inst(0,1,0,"two") arg=42 arg=x`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Without MATCH there are no phrases, only the row.
	got = fts5Column(t, c, "SELECT report(t) FROM t WHERE rowid = 9")
	if want := `rowid=9 cols=2 rows=3 total=10/5 size=2/1 text1="seven" phrases=0`; !slices.Equal(got, []string{want}) {
		t.Fatalf("without MATCH: %q, want %q", got, want)
	}
}

func TestFTS5ContextReportsOutOfRangeAndEndedCalls(t *testing.T) {
	c := fts5Open(t)
	var kept *FTS5Context
	var errs []error
	c.CreateFTS5Function("probe", func(x *FTS5Context, fc *FuncContext, _ []Value) error {
		kept = x
		_, e1 := x.ColumnText(2)
		_, e2 := x.ColumnText(-1)
		_, e3 := x.ColumnSize(5)
		_, e4 := x.Inst(3)
		_, e5 := x.QueryToken(0, 1)
		_, e6 := x.QueryToken(1, 0)
		_, e7 := x.ColumnTotalSize(2)
		_, e8 := x.InstToken(0, 4)
		var e9 error
		for _, err := range x.PhraseHits(4) {
			e9 = err
		}
		var e10 error
		for _, err := range x.QueryPhrase(-1) {
			e10 = err
		}
		errs = []error{e1, e2, e3, e4, e5, e6, e7, e8, e9, e10}
		if x.PhraseSize(3) != 0 {
			return errors.New("PhraseSize of a missing phrase is not 0")
		}
		return nil
	})
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(a, b); INSERT INTO t VALUES ('x y', 'z')")
	fts5Exec(t, c, "SELECT probe(t) FROM t WHERE t MATCH 'x'")
	for i, err := range errs {
		if !errors.Is(err, ErrRange) {
			t.Errorf("check %d: %v, want ErrRange", i+1, err)
		}
	}
	// After the call the context refuses work instead of touching freed memory.
	if _, err := kept.ColumnText(0); !errors.Is(err, ErrMisuse) {
		t.Errorf("ColumnText after the call: %v", err)
	}
	if kept.Rowid() != 0 || kept.ColumnCount() != 0 || kept.PhraseCount() != 0 || kept.AuxData() != nil {
		t.Error("ended context reports data")
	}
	if err := kept.SetAuxData(1); !errors.Is(err, ErrMisuse) {
		t.Errorf("SetAuxData after the call: %v", err)
	}
	if err := kept.Tokenize("a", func([]byte, int, int, bool) error { return nil }); !errors.Is(err, ErrMisuse) {
		t.Errorf("Tokenize after the call: %v", err)
	}
}

func TestFTS5FunctionQueryPhraseVisitsMatchingRows(t *testing.T) {
	c := fts5Open(t)
	c.CreateFTS5Function("docs", func(x *FTS5Context, fc *FuncContext, args []Value) error {
		limit := args[0].Int()
		var ids []string
		for row, err := range x.QueryPhrase(0) {
			if err != nil {
				return err
			}
			text, err := row.ColumnText(0)
			if err != nil {
				return err
			}
			ids = append(ids, fmt.Sprintf("%d:%s", row.Rowid(), text))
			if len(ids) == limit {
				break
			}
		}
		fc.ResultText(strings.Join(ids, ","))
		return nil
	})
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x)")
	fts5Exec(t, c, "INSERT INTO t(rowid, x) VALUES (1, 'a b'), (2, 'b c'), (3, 'a c'), (4, 'a')")
	got := fts5Column(t, c, "SELECT docs(t, 10) FROM t WHERE t MATCH 'a AND b'")
	if want := "1:a b,3:a c,4:a"; !slices.Equal(got, []string{want}) {
		t.Fatalf("rows of phrase 0 = %q, want %q", got, want)
	}
	got = fts5Column(t, c, "SELECT docs(t, 2) FROM t WHERE t MATCH 'a AND b'")
	if want := "1:a b,3:a c"; !slices.Equal(got, []string{want}) {
		t.Fatalf("rows with break after 2 = %q, want %q", got, want)
	}
}

func TestFTS5FunctionAuxDataLastsForOneQuery(t *testing.T) {
	c := fts5Open(t)
	base := fts5HandleCount()
	c.CreateFTS5Function("counter", func(x *FTS5Context, fc *FuncContext, _ []Value) error {
		n, _ := x.AuxData().(int)
		n++
		if err := x.SetAuxData(n); err != nil {
			return err
		}
		fc.ResultInt(n)
		return nil
	})
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x); INSERT INTO t VALUES ('a'), ('a b'), ('a c')")
	for range 2 {
		if got := fts5Column(t, c, "SELECT counter(t) FROM t WHERE t MATCH 'a'"); !slices.Equal(got, []string{"1", "2", "3"}) {
			t.Fatalf("counter = %v, want 1 2 3 in each query", got)
		}
	}
	// Replaced and finished values released their handles; only the
	// function's own registration remains.
	if n := fts5HandleCount() - base; n != 2 {
		t.Fatalf("%d handles live after the queries, want 2 (function and its tokenize sink)", n)
	}
}

func TestFTS5ContextTokenizeUsesTableTokenizer(t *testing.T) {
	c := fts5Open(t)
	var seen []TokenizeFlags
	c.CreateTokenizer("rev", func([]string) (Tokenizer, error) {
		return fts5Words{seen: &seen}, nil
	})
	c.CreateFTS5Function("toks", func(x *FTS5Context, fc *FuncContext, args []Value) error {
		var toks []string
		err := x.Tokenize(args[0].Text(), func(tok []byte, s, e int, _ bool) error {
			toks = append(toks, fmt.Sprintf("%s@%d-%d", tok, s, e))
			return nil
		})
		fc.ResultText(strings.Join(toks, " "))
		return err
	})
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='rev'); INSERT INTO t VALUES ('a')")
	seen = nil
	got := fts5Column(t, c, "SELECT toks(t, 'Hello, World') FROM t")
	if want := "hello@0-5 world@7-12"; !slices.Equal(got, []string{want}) {
		t.Fatalf("toks = %q, want %q", got, want)
	}
	if !slices.Equal(seen, []TokenizeFlags{TokenizeAux}) {
		t.Fatalf("flags %v, want [aux]", seen)
	}
}

func TestFTS5FunctionErrorFailsStatement(t *testing.T) {
	c := fts5Open(t)
	errRank := errors.New("cannot rank")
	c.CreateFTS5Function("fails", func(*FTS5Context, *FuncContext, []Value) error { return errRank })
	c.CreateFTS5Function("panics", func(*FTS5Context, *FuncContext, []Value) error { panic("rank boom") })
	c.CreateFTS5Function("loop_panics", func(x *FTS5Context, _ *FuncContext, _ []Value) error {
		for range x.QueryPhrase(0) {
			panic("loop boom")
		}
		return nil
	})
	c.CreateFTS5Function("emit_fails", func(x *FTS5Context, _ *FuncContext, _ []Value) error {
		return x.Tokenize("a b c", func([]byte, int, int, bool) error { return errRank })
	})
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x); INSERT INTO t VALUES ('a')")
	for _, tc := range []struct {
		fn   string
		want func(error) bool
	}{
		{"fails", func(err error) bool { return errors.Is(err, errRank) }},
		{"panics", func(err error) bool { pe := (*PanicError)(nil); return errors.As(err, &pe) && pe.Value == "rank boom" }},
		{"loop_panics", func(err error) bool { pe := (*PanicError)(nil); return errors.As(err, &pe) && pe.Value == "loop boom" }},
		{"emit_fails", func(err error) bool { return errors.Is(err, errRank) }},
	} {
		err := fts5QueryErr(c, "SELECT "+tc.fn+"(t) FROM t WHERE t MATCH 'a'")
		var e *Error
		if !errors.As(err, &e) || !tc.want(err) {
			t.Errorf("%s: %v", tc.fn, err)
		}
	}
	if got := fts5Column(t, c, "SELECT count(*) FROM t WHERE t MATCH 'a'"); !slices.Equal(got, []string{"1"}) {
		t.Fatalf("connection unusable after failures: %v", got)
	}
}

func TestFTS5FunctionLocaleOfColumn(t *testing.T) {
	c := fts5Open(t)
	c.CreateFTS5Function("locale", func(x *FTS5Context, fc *FuncContext, _ []Value) error {
		loc, err := x.ColumnLocale(0)
		fc.ResultText(loc)
		return err
	})
	fts5Exec(t, c, "CREATE VIRTUAL TABLE t USING fts5(x, locale=1)")
	fts5Exec(t, c, "INSERT INTO t VALUES (fts5_locale('fr', 'bonjour')), ('hello')")
	if got := fts5Column(t, c, "SELECT locale(t) FROM t ORDER BY rowid"); !slices.Equal(got, []string{"fr", ""}) {
		t.Fatalf("locales %q", got)
	}
}

func (c *Conn) fts5State() *fts5State {
	fts5States.Lock()
	defer fts5States.Unlock()
	return fts5States.m[c]
}

func fts5HandleCount() int {
	handles.RLock()
	defer handles.RUnlock()
	return len(handles.m)
}

func TestFTS5ReleasesEverythingOnClose(t *testing.T) {
	base := fts5HandleCount()
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	made, closed := 0, 0
	c.CreateTokenizer("words", func([]string) (Tokenizer, error) {
		made++
		return fts5Words{closed: &closed}, nil
	})
	c.CreateTokenizer("stop", fts5StopConstructor(c, nil))
	c.CreateFTS5Function("gohighlight", fts5Highlight)
	c.CreateFTS5Function("gobm25", fts5BM25)
	fts5Exec(t, c, "CREATE VIRTUAL TABLE a USING fts5(x, tokenize='words')")
	fts5Exec(t, c, "CREATE VIRTUAL TABLE b USING fts5(x, tokenize='stop porter words')")
	fts5Exec(t, c, "CREATE VIRTUAL TABLE d USING fts5(x, tokenize='stop unicode61')")
	fts5Exec(t, c, "INSERT INTO a VALUES ('the cat'); INSERT INTO b VALUES ('the cats'); INSERT INTO d VALUES ('the dog')")
	fts5Column(t, c, "SELECT gohighlight(a, 0, '[', ']'), gobm25(a) FROM a WHERE a MATCH 'cat'")
	// A statement left open mid-query holds aux data.
	s, err := c.Prepare("SELECT gobm25(b) FROM b WHERE b MATCH 'cat'")
	if err != nil {
		t.Fatal(err)
	}
	if row, err := s.Step(); !row || err != nil {
		t.Fatal(row, err)
	}
	// Tokenizers looked up and not closed.
	if _, err := c.Tokenizer("porter", []string{"words"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tokenizer("stop", []string{"words"}); err != nil {
		t.Fatal(err)
	}
	if fts5HandleCount() == base {
		t.Fatal("no handles in use")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := fts5HandleCount(); n != base {
		t.Errorf("%d handles left after Close, want %d", n, base)
	}
	if made < 3 || closed != made {
		t.Errorf("%d Go tokenizers created, %d closed", made, closed)
	}
	fts5States.Lock()
	_, kept := fts5States.m[c]
	fts5States.Unlock()
	if kept {
		t.Error("FTS5 state kept after Close")
	}
}

func TestFTS5ConnectionsOnSeparateGoroutines(t *testing.T) {
	const conns, docs = 4, 50
	errs := make(chan error, conns)
	for g := range conns {
		go func() {
			errs <- func() error {
				c, err := Open(":memory:", 0)
				if err != nil {
					return err
				}
				defer c.Close()
				if err := c.CreateTokenizer("stop", fts5StopConstructor(c, nil)); err != nil {
					return err
				}
				if err := c.CreateFTS5Function("gobm25", fts5BM25); err != nil {
					return err
				}
				if err := c.Exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='stop porter')"); err != nil {
					return err
				}
				for i := range docs {
					if err := c.Exec("INSERT INTO t VALUES (?)", fmt.Sprintf("the doc %d of goroutine g%d running", i, g)); err != nil {
						return err
					}
				}
				n := 0
				for _, err := range c.Query("SELECT gobm25(t) FROM t WHERE t MATCH ?", fmt.Sprintf("g%d AND runs", g)) {
					if err != nil {
						return err
					}
					n++
				}
				if n != docs {
					return fmt.Errorf("goroutine %d matched %d rows, want %d", g, n, docs)
				}
				return nil
			}()
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
