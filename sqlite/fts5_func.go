package sqlite

import (
	"iter"
	"math"
	"strconv"
	"strings"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// fts5Func is an auxiliary function registered with CreateFTS5Function.
type fts5Func struct {
	conn  *Conn
	name  string
	fn    func(*FTS5Context, *FuncContext, []Value) error
	h     uintptr
	sinks fts5Sinks // for FTS5Context.Tokenize

	// Reused by calls that do not nest, so a call allocates nothing.
	busy bool
	x    FTS5Context
	fc   FuncContext
	args []Value
}

// CreateFTS5Function registers fn as the FTS5 auxiliary function name on
// this connection. SQL calls it as name(table, args...) in a query of an
// FTS5 table, typically
//
//	SELECT name(t, 'x') FROM t WHERE t MATCH ?
//
// once per row: api describes the row and the query matching it, fc takes
// the result (NULL if fn sets none), and args are the SQL arguments after
// the table. An error returned by fn fails the statement with an *Error
// wrapping it, a panic with one wrapping a *PanicError; the connection
// stays usable. api, fc and args are
// valid only during the call.
//
// Registering a name again replaces the function for statements prepared
// afterwards. The registration lasts until the connection closes.
//
// https://sqlite.org/fts5.html#custom_auxiliary_functions
func (c *Conn) CreateFTS5Function(name string, fn func(api *FTS5Context, fc *FuncContext, args []Value) error) error {
	if fn == nil {
		return Errorf(ErrMisuse, "CreateFTS5Function %q: nil function", name)
	}
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return Errorf(ErrMisuse, "CreateFTS5Function: invalid function name %q", name)
	}
	st, err := c.fts5()
	if err != nil {
		return err
	}
	f := &fts5Func{conn: c, name: name, fn: fn}
	f.h = newHandle(f)
	f.sinks.h = newHandle(&f.sinks)
	zName := cstring(c.tls, name)
	if zName == 0 {
		f.release(c.tls)
		return Errorf(ErrNoMem, "out of memory registering FTS5 function %q", name)
	}
	defer lib.Xsqlite3_free(c.tls, zName)
	api := (*lib.Tfts5_api)(cptr(st.api))
	rc := cfuncOf[func(*libc.TLS, uintptr, uintptr, uintptr, uintptr, uintptr) int32](api.FxCreateFunction)(
		c.tls, st.api, zName, f.h, cfunc(fts5FuncCall), cfunc(fts5FuncDestroy))
	if rc != lib.SQLITE_OK {
		f.release(c.tls) // FTS5 calls xDestroy only for registered functions
		return fts5Error(rc, "registering FTS5 function "+quote(name))
	}
	return nil
}

func (f *fts5Func) release(tls *libc.TLS) {
	freeHandle(f.h)
	f.sinks.release(tls)
}

// fts5FuncDestroy is the xDestroy of an auxiliary function registration.
func fts5FuncDestroy(tls *libc.TLS, pUserData uintptr) {
	if f, _ := handleValue(pUserData).(*fts5Func); f != nil {
		f.release(tls)
	}
}

// fts5FuncCall is the fts5_extension_function of every Go auxiliary
// function: void (*)(const Fts5ExtensionApi*, Fts5Context*,
// sqlite3_context*, int nVal, sqlite3_value **apVal).
func fts5FuncCall(tls *libc.TLS, pApi, pFts, pCtx uintptr, nVal int32, apVal uintptr) {
	api := (*lib.TFts5ExtensionApi)(cptr(pApi))
	h := cfuncOf[func(*libc.TLS, uintptr) uintptr](api.FxUserData)(tls, pFts)
	f, _ := handleValue(h).(*fts5Func)
	if f == nil {
		lib.Xsqlite3_result_error_code(tls, pCtx, lib.SQLITE_MISUSE)
		return
	}
	var x *FTS5Context
	var fc *FuncContext
	var args []Value
	if f.busy {
		x, fc = new(FTS5Context), new(FuncContext)
	} else {
		f.busy = true
		x, fc, args = &f.x, &f.fc, f.args[:0]
	}
	*x = FTS5Context{fn: f, tls: tls, api: api, p: pFts}
	*fc = FuncContext{conn: f.conn, tls: tls, p: pCtx}
	args = valuesAt(tls, args, apVal, int(nVal))
	defer func() {
		if r := recover(); r != nil {
			fc.ResultError(fts5Panic("FTS5 function "+quote(f.name), r))
		}
		x.p, x.api = 0, nil
		if x == &f.x {
			clear(args)
			f.args = args[:0]
			f.busy = false
		}
	}()
	if err := f.fn(x, fc, args); err != nil {
		fc.ResultError(err)
	}
}

// FTS5Context is what an auxiliary function (CreateFTS5Function) knows
// about the row it is called for and the full-text query that matched it:
// the row's columns and their sizes in tokens, the phrases of the query and
// where they occur in the row, statistics of the whole table, and a
// tokenizer identical to the table's.
//
// The query's phrases are numbered from 0 in the order they appear in the
// MATCH expression; columns from 0 in table order; token offsets count
// tokens (not bytes) from the start of the column, synonyms marked
// colocated sharing the position of the token before them.
//
// An FTS5Context is valid only during the call that received it (for rows
// of QueryPhrase, during that iteration) and on that goroutine. Methods
// report problems as *Error: ErrRange for a column, phrase or instance out
// of range, ErrMisuse after the call has ended.
//
// https://sqlite.org/fts5.html#custom_auxiliary_functions
type FTS5Context struct {
	fn  *fts5Func
	tls *libc.TLS
	api *lib.TFts5ExtensionApi
	p   uintptr // Fts5Context*
}

// FTS5Hit is one occurrence of a query phrase in the current row: the
// phrase number, the column and the offset of its first token in the
// column, in tokens.
//
// https://sqlite.org/fts5.html#xInst
type FTS5Hit struct {
	Phrase, Column, Offset int
}

func (x *FTS5Context) ended() error {
	if x.p == 0 {
		return Errorf(ErrMisuse, "FTS5Context used after its call returned")
	}
	return nil
}

func (x *FTS5Context) rcErr(rc int32, what string) error {
	if rc == lib.SQLITE_OK {
		return nil
	}
	return fts5Error(rc, what)
}

// ColumnCount returns the number of columns of the table (0 once the call
// has ended). https://sqlite.org/fts5.html#xColumnCount
func (x *FTS5Context) ColumnCount() int {
	if x.p == 0 {
		return 0
	}
	return int(cfuncOf[func(*libc.TLS, uintptr) int32](x.api.FxColumnCount)(x.tls, x.p))
}

func (x *FTS5Context) checkColumn(col int) error {
	if err := x.ended(); err != nil {
		return err
	}
	if col >= x.ColumnCount() {
		return Errorf(ErrRange, "FTS5 column %d out of range (table has %d)", col, x.ColumnCount())
	}
	return nil
}

// RowCount returns the number of rows in the table.
// https://sqlite.org/fts5.html#xRowCount
func (x *FTS5Context) RowCount() (int64, error) {
	if err := x.ended(); err != nil {
		return 0, err
	}
	out := x.tls.Alloc(8)
	defer x.tls.Free(8)
	rc := cfuncOf[func(*libc.TLS, uintptr, uintptr) int32](x.api.FxRowCount)(x.tls, x.p, out)
	return readInt64(out), x.rcErr(rc, "FTS5 row count")
}

// ColumnTotalSize returns the number of tokens in column col over all rows
// of the table, or in all columns when col is negative. With RowCount it
// gives the average column length BM25 needs.
// https://sqlite.org/fts5.html#xColumnTotalSize
func (x *FTS5Context) ColumnTotalSize(col int) (int64, error) {
	if err := x.checkColumn(col); err != nil {
		return 0, err
	}
	out := x.tls.Alloc(8)
	defer x.tls.Free(8)
	rc := cfuncOf[func(*libc.TLS, uintptr, int32, uintptr) int32](x.api.FxColumnTotalSize)(x.tls, x.p, int32(max(col, -1)), out)
	return readInt64(out), x.rcErr(rc, "FTS5 column total size")
}

// ColumnSize returns the number of tokens in column col of the current row,
// or in the whole row when col is negative (colocated tokens not counted).
// https://sqlite.org/fts5.html#xColumnSize
func (x *FTS5Context) ColumnSize(col int) (int, error) {
	if err := x.checkColumn(col); err != nil {
		return 0, err
	}
	out := x.tls.Alloc(8)
	defer x.tls.Free(8)
	writeInt32(out, 0)
	rc := cfuncOf[func(*libc.TLS, uintptr, int32, uintptr) int32](x.api.FxColumnSize)(x.tls, x.p, int32(max(col, -1)), out)
	return int(readInt32(out)), x.rcErr(rc, "FTS5 column size")
}

// ColumnText returns the text of column col of the current row ("" for a
// contentless table). https://sqlite.org/fts5.html#xColumnText
func (x *FTS5Context) ColumnText(col int) (string, error) {
	b, err := x.RawColumnText(col)
	return string(b), err
}

// RawColumnText is ColumnText without the copy: the bytes are the
// engine's, valid until the next method call on x, and must not be
// modified. https://sqlite.org/fts5.html#xColumnText
func (x *FTS5Context) RawColumnText(col int) ([]byte, error) {
	if err := x.checkColumn(col); err != nil {
		return nil, err
	}
	if col < 0 {
		return nil, Errorf(ErrRange, "FTS5 column %d out of range", col)
	}
	out := x.tls.Alloc(16)
	defer x.tls.Free(16)
	writePtr(out, 0)
	writeInt32(out+8, 0)
	rc := cfuncOf[func(*libc.TLS, uintptr, int32, uintptr, uintptr) int32](x.api.FxColumnText)(x.tls, x.p, int32(col), out, out+8)
	if rc != lib.SQLITE_OK {
		return nil, fts5Error(rc, "FTS5 column text")
	}
	return cbytes(readPtr(out), int(readInt32(out+8))), nil
}

// ColumnLocale returns the locale of column col of the current row, set
// with fts5_locale() in a table created with locale=1; "" otherwise.
// https://sqlite.org/fts5.html#xColumnLocale
func (x *FTS5Context) ColumnLocale(col int) (string, error) {
	if err := x.checkColumn(col); err != nil {
		return "", err
	}
	if col < 0 {
		return "", Errorf(ErrRange, "FTS5 column %d out of range", col)
	}
	if x.api.FiVersion < 4 {
		return "", nil
	}
	out := x.tls.Alloc(16)
	defer x.tls.Free(16)
	writePtr(out, 0)
	writeInt32(out+8, 0)
	rc := cfuncOf[func(*libc.TLS, uintptr, int32, uintptr, uintptr) int32](x.api.FxColumnLocale)(x.tls, x.p, int32(col), out, out+8)
	if rc != lib.SQLITE_OK {
		return "", fts5Error(rc, "FTS5 column locale")
	}
	return gostringN(readPtr(out), int(readInt32(out+8))), nil
}

// Rowid returns the rowid of the current row (0 once the call has ended).
// https://sqlite.org/fts5.html#xRowid
func (x *FTS5Context) Rowid() int64 {
	if x.p == 0 {
		return 0
	}
	return cfuncOf[func(*libc.TLS, uintptr) int64](x.api.FxRowid)(x.tls, x.p)
}

// PhraseCount returns the number of phrases in the query: 0 when the
// statement has no MATCH on the table.
// https://sqlite.org/fts5.html#xPhraseCount
func (x *FTS5Context) PhraseCount() int {
	if x.p == 0 {
		return 0
	}
	return int(cfuncOf[func(*libc.TLS, uintptr) int32](x.api.FxPhraseCount)(x.tls, x.p))
}

func (x *FTS5Context) checkPhrase(phrase int) error {
	if err := x.ended(); err != nil {
		return err
	}
	if n := x.PhraseCount(); phrase < 0 || phrase >= n {
		return Errorf(ErrRange, "FTS5 phrase %d out of range (query has %d)", phrase, n)
	}
	return nil
}

// PhraseSize returns the number of tokens in query phrase phrase, 0 when
// there is no such phrase. https://sqlite.org/fts5.html#xPhraseSize
func (x *FTS5Context) PhraseSize(phrase int) int {
	if x.checkPhrase(phrase) != nil {
		return 0
	}
	return int(cfuncOf[func(*libc.TLS, uintptr, int32) int32](x.api.FxPhraseSize)(x.tls, x.p, int32(phrase)))
}

// InstCount returns the number of phrase instances (hits) in the current
// row. https://sqlite.org/fts5.html#xInstCount
func (x *FTS5Context) InstCount() (int, error) {
	if err := x.ended(); err != nil {
		return 0, err
	}
	out := x.tls.Alloc(8)
	defer x.tls.Free(8)
	writeInt32(out, 0)
	rc := cfuncOf[func(*libc.TLS, uintptr, uintptr) int32](x.api.FxInstCount)(x.tls, x.p, out)
	return int(readInt32(out)), x.rcErr(rc, "FTS5 instance count")
}

// Inst returns phrase instance i of the current row, 0 <= i < InstCount().
// Instances are ordered by column, then offset.
// https://sqlite.org/fts5.html#xInst
func (x *FTS5Context) Inst(i int) (FTS5Hit, error) {
	if err := x.ended(); err != nil {
		return FTS5Hit{}, err
	}
	if i < 0 || i > math.MaxInt32 {
		return FTS5Hit{}, Errorf(ErrRange, "FTS5 instance %d out of range", i)
	}
	out := x.tls.Alloc(16)
	defer x.tls.Free(16)
	rc := cfuncOf[func(*libc.TLS, uintptr, int32, uintptr, uintptr, uintptr) int32](x.api.FxInst)(x.tls, x.p, int32(i), out, out+4, out+8)
	if rc != lib.SQLITE_OK {
		return FTS5Hit{}, fts5Error(rc, "FTS5 instance "+strconv.Itoa(i))
	}
	return FTS5Hit{Phrase: int(readInt32(out)), Column: int(readInt32(out + 4)), Offset: int(readInt32(out + 8))}, nil
}

// PhraseHits iterates over the instances of query phrase phrase in the
// current row, ordered by column and offset. It can be slow for tables
// created with detail=none or detail=column, and finds nothing in such
// tables when they are contentless.
// https://sqlite.org/fts5.html#xPhraseFirst
func (x *FTS5Context) PhraseHits(phrase int) iter.Seq2[FTS5Hit, error] {
	return func(yield func(FTS5Hit, error) bool) {
		if err := x.checkPhrase(phrase); err != nil {
			yield(FTS5Hit{}, err)
			return
		}
		tls := x.tls
		// Fts5PhraseIter (two pointers), then iCol and iOff.
		mem := tls.Alloc(24)
		defer tls.Free(24)
		it, pCol, pOff := mem, mem+16, mem+20
		rc := cfuncOf[func(*libc.TLS, uintptr, int32, uintptr, uintptr, uintptr) int32](x.api.FxPhraseFirst)(tls, x.p, int32(phrase), it, pCol, pOff)
		if rc != lib.SQLITE_OK {
			yield(FTS5Hit{}, fts5Error(rc, "FTS5 phrase hits"))
			return
		}
		next := cfuncOf[func(*libc.TLS, uintptr, uintptr, uintptr, uintptr)](x.api.FxPhraseNext)
		for readInt32(pCol) >= 0 {
			if !yield(FTS5Hit{Phrase: phrase, Column: int(readInt32(pCol)), Offset: int(readInt32(pOff))}, nil) {
				return
			}
			if x.p == 0 {
				yield(FTS5Hit{}, x.ended())
				return
			}
			next(tls, x.p, it, pCol, pOff)
		}
	}
}

// PhraseColumns iterates over the columns of the current row that hold
// query phrase phrase, in increasing order: cheaper than PhraseHits when
// only columns matter, and usable with detail=column. It can be slow for
// tables created with detail=none.
// https://sqlite.org/fts5.html#xPhraseFirstColumn
func (x *FTS5Context) PhraseColumns(phrase int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		if err := x.checkPhrase(phrase); err != nil {
			yield(0, err)
			return
		}
		tls := x.tls
		mem := tls.Alloc(24)
		defer tls.Free(24)
		it, pCol := mem, mem+16
		rc := cfuncOf[func(*libc.TLS, uintptr, int32, uintptr, uintptr) int32](x.api.FxPhraseFirstColumn)(tls, x.p, int32(phrase), it, pCol)
		if rc != lib.SQLITE_OK {
			yield(0, fts5Error(rc, "FTS5 phrase columns"))
			return
		}
		next := cfuncOf[func(*libc.TLS, uintptr, uintptr, uintptr)](x.api.FxPhraseNextColumn)
		for readInt32(pCol) >= 0 {
			if !yield(int(readInt32(pCol)), nil) {
				return
			}
			if x.p == 0 {
				yield(0, x.ended())
				return
			}
			next(tls, x.p, it, pCol)
		}
	}
}

// QueryToken returns token token (0 <= token < PhraseSize(phrase)) of query
// phrase phrase as the tokenizer produced it from the query.
// https://sqlite.org/fts5.html#xQueryToken
func (x *FTS5Context) QueryToken(phrase, token int) (string, error) {
	if err := x.checkPhrase(phrase); err != nil {
		return "", err
	}
	if n := x.PhraseSize(phrase); token < 0 || token >= n {
		return "", Errorf(ErrRange, "FTS5 token %d out of range (phrase %d has %d)", token, phrase, n)
	}
	out := x.tls.Alloc(16)
	defer x.tls.Free(16)
	writePtr(out, 0)
	writeInt32(out+8, 0)
	rc := cfuncOf[func(*libc.TLS, uintptr, int32, int32, uintptr, uintptr) int32](x.api.FxQueryToken)(x.tls, x.p, int32(phrase), int32(token), out, out+8)
	if rc != lib.SQLITE_OK {
		return "", fts5Error(rc, "FTS5 query token")
	}
	return gostringN(readPtr(out), int(readInt32(out+8))), nil
}

// InstToken returns the token of the document that matched token token of
// phrase instance inst (see Inst). It differs from QueryToken for prefix
// queries ("ab*" matched "abc") and for tables with tokendata=1.
// https://sqlite.org/fts5.html#xInstToken
func (x *FTS5Context) InstToken(inst, token int) (string, error) {
	hit, err := x.Inst(inst)
	if err != nil {
		return "", err
	}
	if n := x.PhraseSize(hit.Phrase); token < 0 || token >= n {
		return "", Errorf(ErrRange, "FTS5 token %d out of range (phrase %d has %d)", token, hit.Phrase, n)
	}
	out := x.tls.Alloc(16)
	defer x.tls.Free(16)
	writePtr(out, 0)
	writeInt32(out+8, 0)
	rc := cfuncOf[func(*libc.TLS, uintptr, int32, int32, uintptr, uintptr) int32](x.api.FxInstToken)(x.tls, x.p, int32(inst), int32(token), out, out+8)
	if rc != lib.SQLITE_OK {
		return "", fts5Error(rc, "FTS5 instance token")
	}
	return gostringN(readPtr(out), int(readInt32(out+8))), nil
}

// Tokenize splits text with the table's tokenizer (flags TokenizeAux),
// calling emit for each token as Tokenizer describes; typically text is a
// column's text, and the token offsets from Inst locate hits in it.
// An error returned by emit stops tokenizing and is returned.
// https://sqlite.org/fts5.html#xTokenize
func (x *FTS5Context) Tokenize(text string, emit func(token []byte, start, end int, colocated bool) error) error {
	if err := x.ended(); err != nil {
		return err
	}
	if len(text) > math.MaxInt32-1 {
		return Errorf(ErrTooBig, "text of %d bytes is too long to tokenize", len(text))
	}
	tls, p, api := x.tls, x.p, x.api
	return x.fn.sinks.run(tls, nil, text, emit, func(pText uintptr, nText int32, pCtx uintptr) int32 {
		return cfuncOf[func(*libc.TLS, uintptr, uintptr, int32, uintptr, uintptr) int32](api.FxTokenize)(
			tls, p, pText, nText, pCtx, cfunc(fts5SinkToken))
	}, x.fn.conn, "FTS5 tokenize")
}

// fts5PhraseQuery is one QueryPhrase iteration in progress.
type fts5PhraseQuery struct {
	x        *FTS5Context
	yield    func(*FTS5Context, error) bool
	stopped  bool
	panicked bool
	pv       any
}

// QueryPhrase iterates over every row of the table that matches query
// phrase phrase on its own, with an FTS5Context for that row (valid during
// its iteration only). It is how a ranking function counts the rows holding
// each phrase, as BM25 does for its IDF; such per-query values are worth
// keeping with SetAuxData. Breaking out of the loop ends the scan.
// https://sqlite.org/fts5.html#xQueryPhrase
func (x *FTS5Context) QueryPhrase(phrase int) iter.Seq2[*FTS5Context, error] {
	return func(yield func(*FTS5Context, error) bool) {
		if err := x.checkPhrase(phrase); err != nil {
			yield(nil, err)
			return
		}
		q := &fts5PhraseQuery{x: &FTS5Context{fn: x.fn, tls: x.tls}, yield: yield}
		h := newHandle(q)
		rc := cfuncOf[func(*libc.TLS, uintptr, int32, uintptr, uintptr) int32](x.api.FxQueryPhrase)(
			x.tls, x.p, int32(phrase), h, cfunc(fts5QueryPhraseRow))
		freeHandle(h)
		if q.panicked {
			panic(q.pv)
		}
		if rc != lib.SQLITE_OK && !q.stopped {
			yield(nil, fts5Error(rc, "FTS5 query phrase"))
		}
	}
}

// fts5QueryPhraseRow is the xQueryPhrase callback: int (*)(const
// Fts5ExtensionApi*, Fts5Context*, void*).
func fts5QueryPhraseRow(tls *libc.TLS, pApi, pFts, pUserData uintptr) (rc int32) {
	q, _ := handleValue(pUserData).(*fts5PhraseQuery)
	if q == nil {
		return lib.SQLITE_MISUSE
	}
	row := q.x
	row.tls, row.api, row.p = tls, (*lib.TFts5ExtensionApi)(cptr(pApi)), pFts
	defer func() {
		row.p, row.api = 0, nil
		if r := recover(); r != nil {
			q.panicked, q.pv = true, r
			rc = lib.SQLITE_ERROR
		}
	}()
	if !q.yield(row, nil) {
		q.stopped = true
		return lib.SQLITE_DONE
	}
	return lib.SQLITE_OK
}

// SetAuxData keeps v with the current query and this auxiliary function:
// AuxData returns it on the following rows of the same query, so values
// computed once per query (phrase statistics, a parsed argument) are not
// recomputed per row. A nil v forgets the value.
// https://sqlite.org/fts5.html#xSetAuxdata
func (x *FTS5Context) SetAuxData(v any) error {
	if err := x.ended(); err != nil {
		return err
	}
	var h, del uintptr
	if v != nil {
		h, del = newHandle(v), cfunc(fts5AuxDataDelete)
	}
	rc := cfuncOf[func(*libc.TLS, uintptr, uintptr, uintptr) int32](x.api.FxSetAuxdata)(x.tls, x.p, h, del)
	return x.rcErr(rc, "FTS5 set aux data") // on failure FTS5 has called the destructor
}

// AuxData returns the value SetAuxData kept for this query and function, or
// nil. https://sqlite.org/fts5.html#xGetAuxdata
func (x *FTS5Context) AuxData() any {
	if x.p == 0 {
		return nil
	}
	h := cfuncOf[func(*libc.TLS, uintptr, int32) uintptr](x.api.FxGetAuxdata)(x.tls, x.p, 0)
	return handleValue(h)
}

// fts5AuxDataDelete frees the handle of a value kept with SetAuxData.
func fts5AuxDataDelete(tls *libc.TLS, p uintptr) { freeHandle(p) }
