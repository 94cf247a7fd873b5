package sqlite

import (
	"io"
	"math"
	"strconv"
	"strings"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// TokenizeFlags tell a tokenizer why FTS5 is asking for tokens. Exactly one
// of TokenizeDocument, TokenizeQuery and TokenizeAux is set; TokenizePrefix
// comes with TokenizeQuery when the query text is followed by "*".
//
// https://sqlite.org/fts5.html#custom_tokenizers
type TokenizeFlags int

const (
	// TokenizeQuery: the text is a term of an FTS5 query (MATCH).
	TokenizeQuery TokenizeFlags = lib.FTS5_TOKENIZE_QUERY
	// TokenizePrefix: the query term is a prefix ("abc*"); with
	// TokenizeQuery.
	TokenizePrefix TokenizeFlags = lib.FTS5_TOKENIZE_PREFIX
	// TokenizeDocument: the text is a column value being inserted into or
	// deleted from the index.
	TokenizeDocument TokenizeFlags = lib.FTS5_TOKENIZE_DOCUMENT
	// TokenizeAux: an auxiliary function (highlight, snippet, or
	// FTS5Context.Tokenize) is tokenizing text to locate matches in it.
	TokenizeAux TokenizeFlags = lib.FTS5_TOKENIZE_AUX
)

// String lists the flags, such as "query|prefix".
func (f TokenizeFlags) String() string {
	var parts []string
	for _, n := range []struct {
		f TokenizeFlags
		s string
	}{{TokenizeQuery, "query"}, {TokenizePrefix, "prefix"}, {TokenizeDocument, "document"}, {TokenizeAux, "aux"}} {
		if f&n.f != 0 {
			parts = append(parts, n.s)
			f &^= n.f
		}
	}
	if f != 0 || len(parts) == 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(f), 16))
	}
	return strings.Join(parts, "|")
}

// Tokenizer splits text into the tokens FTS5 indexes and searches for.
//
// Tokenize calls emit for each token, in order. token is the token's text
// (it need not occur in text: a tokenizer may fold case, stem or otherwise
// rewrite it), start and end are the byte offsets in text of what it was
// made from (0 <= start <= end <= len(text)), and colocated marks a synonym
// that occupies the same position as the token before it
// (FTS5_TOKEN_COLOCATED). When emit returns an error, Tokenize must stop
// and return that error (or one wrapping it).
//
// text may be engine memory: it is valid only during the call and must not
// be modified or kept. emit copies token, so the tokenizer may reuse its
// buffer at once. Offsets are checked: a token outside text fails the
// statement with ErrRange.
//
// FTS5 calls Tokenize on the goroutine running the statement that needs
// tokens. CreateTokenizer's constructor runs for each table (and lookup),
// so a Tokenizer it creates serves one connection; a value handed to
// several connections must be safe for concurrent use. If a Tokenizer
// also implements io.Closer, Close is called once FTS5 no longer needs it.
//
// https://sqlite.org/fts5.html#custom_tokenizers
type Tokenizer interface {
	Tokenize(text []byte, flags TokenizeFlags, emit func(token []byte, start, end int, colocated bool) error) error
}

// fts5TokReg is a tokenizer registered with CreateTokenizer.
type fts5TokReg struct {
	st   *fts5State
	name string
	new  func(args []string) (Tokenizer, error)
	h    uintptr
}

// CreateTokenizer registers a tokenizer written in Go under name, for FTS5
// tables declared with tokenize='name arg...' on this connection. Each
// table (and each Conn.Tokenizer lookup) calls newTokenizer with the
// arguments that follow the name; an error it returns makes the statement
// that opened the table fail with an *Error wrapping it.
//
// newTokenizer may call c.Tokenizer to build on another tokenizer, as in
// tokenize='mytok porter unicode61': tokenizers looked up while it runs
// belong to the Tokenizer it returns and are deleted with it.
//
// A panic or error in newTokenizer or Tokenize fails the statement that
// called it (the connection stays usable); the statement's *Error wraps
// the Go error, or a *PanicError. Registering a name again replaces it for tables opened
// afterwards. The registration lasts until the connection closes.
//
// https://sqlite.org/fts5.html#custom_tokenizers
func (c *Conn) CreateTokenizer(name string, newTokenizer func(args []string) (Tokenizer, error)) error {
	if newTokenizer == nil {
		return Errorf(ErrMisuse, "CreateTokenizer %q: nil constructor", name)
	}
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return Errorf(ErrMisuse, "CreateTokenizer: invalid tokenizer name %q", name)
	}
	st, err := c.fts5()
	if err != nil {
		return err
	}
	reg := &fts5TokReg{st: st, name: name, new: newTokenizer}
	reg.h = newHandle(reg)
	tls := c.tls
	zName := cstring(tls, name)
	defer lib.Xsqlite3_free(tls, zName)
	tok := tls.Alloc(fts5TokenizerV2Size)
	defer tls.Free(fts5TokenizerV2Size)
	if zName == 0 {
		freeHandle(reg.h)
		return Errorf(ErrNoMem, "out of memory registering tokenizer %q", name)
	}
	t := (*lib.Tfts5_tokenizer_v2)(cptr(tok))
	*t = lib.Tfts5_tokenizer_v2{
		FiVersion:  2,
		FxCreate:   cfunc(fts5TokCreate),
		FxDelete:   cfunc(fts5TokDelete),
		FxTokenize: cfunc(fts5TokTokenize),
	}
	api := (*lib.Tfts5_api)(cptr(st.api))
	rc := cfuncOf[func(*libc.TLS, uintptr, uintptr, uintptr, uintptr, uintptr) int32](api.FxCreateTokenizer_v2)(
		tls, st.api, zName, reg.h, tok, cfunc(fts5TokDestroy))
	if rc != lib.SQLITE_OK {
		freeHandle(reg.h) // FTS5 calls xDestroy only for registered tokenizers
		return fts5Error(rc, "registering tokenizer "+quote(name))
	}
	return nil
}

// fts5GoTok is an instance of a Go tokenizer created by FTS5 (xCreate).
// Its handle is the Fts5Tokenizer* the engine holds.
type fts5GoTok struct {
	reg   *fts5TokReg
	tok   Tokenizer
	owned []*FTS5Tokenizer
	emit  func([]byte, int, int, bool) error // in.emitToken, bound once
	calls []*fts5TokCall                     // Tokenize calls in progress, innermost last
	depth int
}

// fts5TokCall is one xTokenize call of a Go tokenizer: where its tokens go.
type fts5TokCall struct {
	tls    *libc.TLS
	pCtx   uintptr
	xToken uintptr
	n      int     // length of the text, bounding token offsets
	buf    scratch // the token being handed to the engine
	stop   error   // set when the engine's xToken returned an error
	stopRC int32
}

// newGoTokenizer runs the registered constructor, collecting the tokenizers
// it looks up as owned by the result.
func (reg *fts5TokReg) newGoTokenizer(args []string) (tok Tokenizer, owned []*FTS5Tokenizer, err error) {
	st := reg.st
	if st.nesting >= fts5MaxNesting {
		return nil, nil, Errorf(ErrError, "tokenizer %q: constructors nested more than %d deep (does the chain name itself?)", reg.name, fts5MaxNesting)
	}
	prev := st.owner
	st.owner = &owned
	st.nesting++
	defer func() {
		st.owner = prev
		st.nesting--
		if err != nil || tok == nil {
			for _, t := range owned {
				t.Close()
			}
			owned = nil
		}
	}()
	tok, err = reg.new(args)
	if err == nil && tok == nil {
		err = Errorf(ErrMisuse, "tokenizer %q constructor returned no Tokenizer", reg.name)
	}
	return tok, owned, err
}

// fts5TokCreate is the xCreate of Go tokenizers:
// int xCreate(void*, const char **azArg, int nArg, Fts5Tokenizer **ppOut).
func fts5TokCreate(tls *libc.TLS, pUserData, azArg uintptr, nArg int32, ppOut uintptr) (rc int32) {
	writePtr(ppOut, 0)
	reg, _ := handleValue(pUserData).(*fts5TokReg)
	if reg == nil {
		return lib.SQLITE_MISUSE
	}
	conn := reg.st.conn
	defer func() {
		if r := recover(); r != nil {
			conn.setCallbackError(fts5Panic("tokenizer "+quote(reg.name)+" constructor", r))
			rc = lib.SQLITE_ERROR
		}
	}()
	tok, owned, err := reg.newGoTokenizer(fts5GoStrings(azArg, int(nArg)))
	if err != nil {
		conn.setCallbackError(err)
		return fts5Code(err)
	}
	in := &fts5GoTok{reg: reg, tok: tok, owned: owned}
	in.emit = in.emitToken
	writePtr(ppOut, newHandle(in))
	return lib.SQLITE_OK
}

// fts5TokDelete is the xDelete of Go tokenizers: void xDelete(Fts5Tokenizer*).
func fts5TokDelete(tls *libc.TLS, pTok uintptr) {
	in, _ := handleValue(pTok).(*fts5GoTok)
	freeHandle(pTok)
	if in == nil {
		return
	}
	defer func() {
		recover() // a panicking Close must not unwind through the engine
		for _, c := range in.calls {
			c.buf.free(tls)
		}
		for _, t := range in.owned {
			t.Close()
		}
	}()
	if c, ok := in.tok.(io.Closer); ok {
		c.Close()
	}
}

// fts5TokDestroy is the xDestroy of a tokenizer registration.
func fts5TokDestroy(tls *libc.TLS, pUserData uintptr) { freeHandle(pUserData) }

// fts5TokTokenize is the xTokenize of Go tokenizers:
// int xTokenize(Fts5Tokenizer*, void *pCtx, int flags, const char *pText,
// int nText, const char *pLocale, int nLocale, int (*xToken)(...)).
func fts5TokTokenize(tls *libc.TLS, pTok, pCtx uintptr, flags int32, pText uintptr, nText int32, pLocale uintptr, nLocale int32, xToken uintptr) (rc int32) {
	in, _ := handleValue(pTok).(*fts5GoTok)
	if in == nil {
		return lib.SQLITE_MISUSE
	}
	if in.depth == len(in.calls) {
		in.calls = append(in.calls, &fts5TokCall{})
	}
	call := in.calls[in.depth]
	call.tls, call.pCtx, call.xToken, call.n = tls, pCtx, xToken, int(max(nText, 0))
	call.stop, call.stopRC = nil, 0
	in.depth++
	defer func() {
		in.depth--
		call.pCtx, call.xToken = 0, 0
		if r := recover(); r != nil {
			in.reg.st.conn.setCallbackError(fts5Panic("tokenizer "+quote(in.reg.name), r))
			rc = lib.SQLITE_ERROR
		}
	}()
	err := in.tok.Tokenize(cbytes(pText, call.n), TokenizeFlags(flags), in.emit)
	switch {
	case err == nil:
		return lib.SQLITE_OK
	case call.stop != nil:
		// The engine asked to stop (or failed); report its code as is.
		return call.stopRC
	default:
		in.reg.st.conn.setCallbackError(err)
		return fts5Code(err)
	}
}

// emitToken hands one token of the innermost Tokenize call to the engine.
func (in *fts5GoTok) emitToken(token []byte, start, end int, colocated bool) error {
	if in.depth == 0 {
		return Errorf(ErrMisuse, "tokenizer %q: emit called after Tokenize returned", in.reg.name)
	}
	call := in.calls[in.depth-1]
	if call.stop != nil {
		return call.stop
	}
	if start < 0 || end < start || end > call.n {
		return Errorf(ErrRange, "tokenizer %q: token offsets [%d, %d) outside text of %d bytes", in.reg.name, start, end, call.n)
	}
	if len(token) > math.MaxInt32 {
		return Errorf(ErrTooBig, "tokenizer %q: token of %d bytes", in.reg.name, len(token))
	}
	p := call.buf.bytes(call.tls, token)
	if p == 0 {
		return Errorf(ErrNoMem, "out of memory passing a token")
	}
	var tflags int32
	if colocated {
		tflags = lib.FTS5_TOKEN_COLOCATED
	}
	rc := cfuncOf[func(*libc.TLS, uintptr, int32, uintptr, int32, int32, int32) int32](call.xToken)(
		call.tls, call.pCtx, tflags, p, int32(len(token)), int32(start), int32(end))
	if rc != lib.SQLITE_OK {
		call.stopRC = rc
		call.stop = Errorf(ErrorCode(rc), "FTS5 stopped tokenizer %s: %s", quote(in.reg.name), ErrorCode(rc).Error())
		return call.stop
	}
	return nil
}

// FTS5Tokenizer is an instance of a tokenizer registered with FTS5 on a
// connection, built-in (unicode61, ascii, porter, trigram) or written in
// Go, created by Conn.Tokenizer. It implements Tokenizer, so Go code can
// tokenize text exactly as an FTS5 table would, and a Go tokenizer can
// wrap it.
//
// An FTS5Tokenizer follows its connection's goroutine rule. Close releases
// it; the connection's Close releases those still open.
//
// https://sqlite.org/fts5.html#custom_tokenizers
type FTS5Tokenizer struct {
	st    *fts5State
	name  string
	goTok Tokenizer        // a tokenizer written in Go: called directly
	owned []*FTS5Tokenizer // looked up by goTok's constructor
	mod   uintptr          // fts5_tokenizer_v2* of an engine tokenizer
	p     uintptr          // its Fts5Tokenizer*
	sinks fts5Sinks
	done  bool
}

var (
	_ Tokenizer = (*FTS5Tokenizer)(nil)
	_ io.Closer = (*FTS5Tokenizer)(nil)
)

// Tokenizer creates an instance of the FTS5 tokenizer registered as name
// (the default tokenizer, unicode61, when name is ""), with args as in
// tokenize='name args...'. Tokenizers written in Go are returned directly,
// without going through the engine.
//
// Called while a Go tokenizer's constructor runs (see CreateTokenizer), the
// result belongs to the tokenizer being built and is closed with it;
// otherwise the caller closes it, or the connection's Close does.
//
// An unknown name is an *Error with code ErrError; a constructor's error is
// returned as is (for Go tokenizers) or as an *Error.
//
// https://sqlite.org/fts5.html#custom_tokenizers
func (c *Conn) Tokenizer(name string, args []string) (*FTS5Tokenizer, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return nil, Errorf(ErrMisuse, "invalid tokenizer name %q", name)
	}
	st, err := c.fts5()
	if err != nil {
		return nil, err
	}
	tls := c.tls
	var zName uintptr
	if name != "" {
		if zName = cstring(tls, name); zName == 0 {
			return nil, Errorf(ErrNoMem, "out of memory looking up tokenizer %q", name)
		}
		defer lib.Xsqlite3_free(tls, zName)
	}
	out := tls.Alloc(16)
	defer tls.Free(16)
	api := (*lib.Tfts5_api)(cptr(st.api))
	rc := cfuncOf[func(*libc.TLS, uintptr, uintptr, uintptr, uintptr) int32](api.FxFindTokenizer_v2)(
		tls, st.api, zName, out, out+8)
	if rc != lib.SQLITE_OK {
		return nil, Errorf(ErrorCode(rc), "no such tokenizer: %s", quote(name))
	}
	userData, mod := readPtr(out), readPtr(out+8)
	t := &FTS5Tokenizer{st: st, name: name, mod: mod}
	m := (*lib.Tfts5_tokenizer_v2)(cptr(mod))
	if m.FxCreate == cfunc(fts5TokCreate) {
		reg, _ := handleValue(userData).(*fts5TokReg)
		if reg == nil {
			return nil, Errorf(ErrMisuse, "tokenizer %q is no longer registered", name)
		}
		tok, owned, err := reg.newGoTokenizer(args)
		if err != nil {
			return nil, err
		}
		t.goTok, t.owned, t.mod = tok, owned, 0
	} else {
		azArg := fts5CStrings(tls, args)
		if azArg == 0 {
			return nil, Errorf(ErrNoMem, "out of memory creating tokenizer %q", name)
		}
		writePtr(out, 0)
		rc := cfuncOf[func(*libc.TLS, uintptr, uintptr, int32, uintptr) int32](m.FxCreate)(
			tls, userData, azArg, int32(len(args)), out)
		lib.Xsqlite3_free(tls, azArg)
		if rc != lib.SQLITE_OK {
			return nil, Errorf(ErrorCode(rc), "creating tokenizer %s: %s", quote(name), ErrorCode(rc).Error()).because(c.takeCallbackError())
		}
		t.p = readPtr(out)
		t.sinks.h = newHandle(&t.sinks)
	}
	st.toks[t] = struct{}{}
	if st.owner != nil {
		*st.owner = append(*st.owner, t)
	}
	return t, nil
}

// Name returns the name the tokenizer was looked up by.
func (t *FTS5Tokenizer) Name() string { return t.name }

// Tokenize splits text as the tokenizer does for FTS5, calling emit for each
// token (see Tokenizer). Tokens from an engine tokenizer are views of
// engine memory, valid only during the call to emit. An error returned by
// emit stops tokenizing and is returned; a panic in emit continues after
// the engine has been unwound.
//
// https://sqlite.org/fts5.html#custom_tokenizers
func (t *FTS5Tokenizer) Tokenize(text []byte, flags TokenizeFlags, emit func(token []byte, start, end int, colocated bool) error) error {
	if t.done || t.st.api == 0 {
		return closedError("FTS5 tokenizer")
	}
	if t.goTok != nil {
		return t.goTok.Tokenize(text, flags, emit)
	}
	if len(text) > math.MaxInt32-1 {
		return Errorf(ErrTooBig, "text of %d bytes is too long to tokenize", len(text))
	}
	tls := t.st.conn.tls
	return t.sinks.run(tls, text, "", emit, func(pText uintptr, nText int32, pCtx uintptr) int32 {
		m := (*lib.Tfts5_tokenizer_v2)(cptr(t.mod))
		return cfuncOf[func(*libc.TLS, uintptr, uintptr, int32, uintptr, int32, uintptr, int32, uintptr) int32](m.FxTokenize)(
			tls, t.p, pCtx, int32(flags), pText, nText, 0, 0, cfunc(fts5SinkToken))
	}, t.st.conn, "tokenizer "+quote(t.name))
}

// Close deletes the tokenizer instance. Closing twice does nothing.
func (t *FTS5Tokenizer) Close() error {
	if t.done {
		return nil
	}
	t.done = true
	delete(t.st.toks, t)
	var err error
	if t.goTok != nil {
		if c, ok := t.goTok.(io.Closer); ok {
			err = c.Close()
		}
	} else if t.p != 0 {
		m := (*lib.Tfts5_tokenizer_v2)(cptr(t.mod))
		cfuncOf[func(*libc.TLS, uintptr)](m.FxDelete)(t.st.conn.tls, t.p)
		t.p = 0
	}
	for _, o := range t.owned {
		o.Close()
	}
	t.owned = nil
	t.sinks.release(t.st.conn.tls)
	return err
}

// fts5Sinks routes the tokens an engine tokenizer produces to the Go emit
// func of the call that asked for them. Calls may nest (a tokenizer chain
// can reach the same instance again), so each depth has its own sink.
type fts5Sinks struct {
	h     uintptr // handle passed to the engine as pCtx
	stack []*fts5Sink
	depth int
}

type fts5Sink struct {
	emit     func([]byte, int, int, bool) error
	err      error // returned by emit: tokenizing stopped
	panicked bool
	pv       any
	text     scratch // copy of the text being tokenized
}

// run copies the text (textB, or textS when textB is nil) into engine
// memory and calls tokenize with it and the sinks' handle as pCtx;
// fts5SinkToken then delivers the tokens to emit.
func (s *fts5Sinks) run(tls *libc.TLS, textB []byte, textS string, emit func([]byte, int, int, bool) error,
	tokenize func(pText uintptr, nText int32, pCtx uintptr) int32, conn *Conn, what string) error {
	if s.depth == len(s.stack) {
		s.stack = append(s.stack, &fts5Sink{})
	}
	sk := s.stack[s.depth]
	sk.emit, sk.err, sk.panicked, sk.pv = emit, nil, false, nil
	var pText uintptr
	n := len(textS)
	if textB != nil {
		pText, n = sk.text.bytes(tls, textB), len(textB)
	} else {
		pText = sk.text.cstr(tls, textS)
	}
	if pText == 0 {
		return Errorf(ErrNoMem, "out of memory copying text to tokenize")
	}
	s.depth++
	rc := tokenize(pText, int32(n), s.h)
	s.depth--
	emitErr, panicked, pv := sk.err, sk.panicked, sk.pv
	sk.emit, sk.err, sk.pv = nil, nil, nil
	if panicked {
		panic(pv)
	}
	if emitErr != nil {
		return emitErr
	}
	if rc != lib.SQLITE_OK {
		return Errorf(ErrorCode(rc), "%s failed: %s", what, ErrorCode(rc).Error()).because(conn.takeCallbackError())
	}
	return nil
}

func (s *fts5Sinks) release(tls *libc.TLS) {
	for _, sk := range s.stack {
		sk.text.free(tls)
	}
	s.stack = nil
	freeHandle(s.h)
	s.h = 0
}

// fts5SinkToken is the xToken callback given to engine tokenizers called
// from Go: int xToken(void *pCtx, int tflags, const char *pToken, int nToken,
// int iStart, int iEnd).
func fts5SinkToken(tls *libc.TLS, pCtx uintptr, tflags int32, pToken uintptr, nToken, iStart, iEnd int32) (rc int32) {
	s, _ := handleValue(pCtx).(*fts5Sinks)
	if s == nil || s.depth == 0 {
		return lib.SQLITE_MISUSE
	}
	sk := s.stack[s.depth-1]
	if sk.err != nil || sk.panicked {
		return lib.SQLITE_ERROR
	}
	defer func() {
		if r := recover(); r != nil {
			sk.panicked, sk.pv = true, r
			rc = lib.SQLITE_ERROR
		}
	}()
	if err := sk.emit(cbytes(pToken, int(nToken)), int(iStart), int(iEnd), tflags&lib.FTS5_TOKEN_COLOCATED != 0); err != nil {
		sk.err = err
		return fts5Code(err)
	}
	return lib.SQLITE_OK
}
