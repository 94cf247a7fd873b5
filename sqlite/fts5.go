package sqlite

// This file holds what the FTS5 extension points share: access to the
// connection's fts5_api, calls through the engine's function pointers, and
// the per-connection bookkeeping that Close releases. Tokenizers are in
// fts5_tokenizer.go, auxiliary functions in fts5_func.go.
//
// FTS5 extension overview (https://sqlite.org/fts5.html#extending_fts5):
//
//   - Conn.CreateTokenizer registers a tokenizer written in Go; an FTS5 table
//     uses it with tokenize='name args...'.
//   - Conn.Tokenizer creates an instance of any registered tokenizer
//     (unicode61, ascii, porter, trigram or a Go one) for use from Go, which
//     is how a Go tokenizer wraps another one.
//   - Conn.CreateFTS5Function registers an auxiliary function written in Go,
//     called as name(table, args...) in a query on an FTS5 table; it reads
//     the current row and its match through an FTS5Context.

import (
	"fmt"
	"reflect"
	"sync"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// fts5TokenizerV2Size is sizeof(fts5_tokenizer_v2).
var fts5TokenizerV2Size = int(reflect.TypeFor[lib.Tfts5_tokenizer_v2]().Size())

// fts5State is the FTS5 bookkeeping of one connection: the fts5_api pointer
// and the tokenizer instances Go code holds, which Close deletes.
type fts5State struct {
	conn *Conn
	api  uintptr // fts5_api*, valid while the connection is open
	toks map[*FTS5Tokenizer]struct{}

	// owner collects the tokenizers Conn.Tokenizer creates while a Go
	// tokenizer's constructor runs: they belong to the tokenizer it builds.
	owner *[]*FTS5Tokenizer
	// nesting counts Go tokenizer constructors running inside each other,
	// so a chain that names itself fails instead of exhausting the stack.
	nesting int
}

// fts5MaxNesting bounds how deeply tokenizer constructors may nest.
const fts5MaxNesting = 64

// fts5States maps each connection that used FTS5 from Go to its state. It
// is touched only when registering or looking up, never per token or row.
var fts5States struct {
	sync.Mutex
	m map[*Conn]*fts5State
}

// fts5 returns the connection's FTS5 state, fetching the fts5_api pointer on
// first use.
func (c *Conn) fts5() (*fts5State, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	fts5States.Lock()
	st := fts5States.m[c]
	fts5States.Unlock()
	if st != nil {
		return st, nil
	}
	api, err := c.fts5API()
	if err != nil {
		return nil, err
	}
	st = &fts5State{conn: c, api: api, toks: make(map[*FTS5Tokenizer]struct{})}
	fts5States.Lock()
	if fts5States.m == nil {
		fts5States.m = make(map[*Conn]*fts5State)
	}
	fts5States.m[c] = st
	fts5States.Unlock()
	c.onClose = append(c.onClose, st.release)
	return st, nil
}

// release deletes the tokenizer instances still held and forgets the state.
// It runs when the connection closes, before the engine frees FTS5 itself.
func (st *fts5State) release() {
	for t := range st.toks {
		t.Close()
	}
	fts5States.Lock()
	delete(fts5States.m, st.conn)
	fts5States.Unlock()
	st.api = 0
}

// fts5API obtains the connection's fts5_api pointer the documented way:
// SELECT fts5(?1) with a pointer of type "fts5_api_ptr" bound to ?1
// (https://sqlite.org/fts5.html#extending_fts5).
func (c *Conn) fts5API() (uintptr, error) {
	tls := c.tls
	zSQL := cstring(tls, "SELECT fts5(?1)")
	zType := cstring(tls, "fts5_api_ptr")
	slot := lib.Xsqlite3_malloc64(tls, 8)
	defer func() {
		lib.Xsqlite3_free(tls, slot)
		lib.Xsqlite3_free(tls, zType)
		lib.Xsqlite3_free(tls, zSQL)
	}()
	if zSQL == 0 || zType == 0 || slot == 0 {
		return 0, Errorf(ErrNoMem, "out of memory looking up the FTS5 API")
	}
	writePtr(slot, 0)
	pp := tls.Alloc(8)
	defer tls.Free(8)
	if rc := lib.Xsqlite3_prepare_v2(tls, c.db, zSQL, -1, pp, 0); rc != lib.SQLITE_OK {
		return 0, c.fts5NotAvailable(rc)
	}
	stmt := readPtr(pp)
	rc := lib.Xsqlite3_bind_pointer(tls, stmt, 1, slot, zType, 0)
	if rc == lib.SQLITE_OK {
		rc = lib.Xsqlite3_step(tls, stmt)
	}
	lib.Xsqlite3_finalize(tls, stmt)
	if rc != lib.SQLITE_ROW {
		return 0, c.fts5NotAvailable(rc)
	}
	api := readPtr(slot)
	if api == 0 {
		return 0, Errorf(ErrError, "FTS5 is not available on this connection")
	}
	if v := (*lib.Tfts5_api)(cptr(api)).FiVersion; v < 3 {
		return 0, Errorf(ErrError, "FTS5 API version %d is too old (need 3)", v)
	}
	return api, nil
}

func (c *Conn) fts5NotAvailable(rc int32) error {
	err := c.errorCode(rc, "SELECT fts5(?1)").(*Error)
	err.Msg = "FTS5 is not available: " + err.Msg
	return err
}

// fts5Error builds the error for result code rc returned by the FTS5 API
// while doing what.
func fts5Error(rc int32, what string) error {
	return Errorf(ErrorCode(rc), "%s: %s", what, ErrorCode(rc).Error())
}

// fts5Code is the result code reported to FTS5 for err, the error a Go
// tokenizer or callback failed with. Codes FTS5 treats as flow control
// (OK, ROW, DONE) become SQLITE_ERROR.
func fts5Code(err error) int32 {
	code := callbackErrorCode(err)
	switch code.Primary() {
	case 0, lib.SQLITE_ROW, lib.SQLITE_DONE:
		return lib.SQLITE_ERROR
	}
	return int32(code)
}

// fts5Panic turns a recovered panic value into the error that fails the
// statement: a *PanicError, with where it happened.
func fts5Panic(where string, r any) error {
	return fmt.Errorf("%s: %w", where, recoverAs(r))
}

// fts5CStrings copies args into one engine allocation holding an array of
// C string pointers followed by the strings. The caller frees it.
func fts5CStrings(tls *libc.TLS, args []string) uintptr {
	size := 8 * len(args)
	for _, a := range args {
		size += len(a) + 1
	}
	p := lib.Xsqlite3_malloc64(tls, uint64(max(size, 1)))
	if p == 0 {
		return 0
	}
	b := cbytes(p, size)
	off := 8 * len(args)
	for i, a := range args {
		writePtr(p+uintptr(8*i), p+uintptr(off))
		off += copy(b[off:], a)
		b[off] = 0
		off++
	}
	return p
}

// fts5GoStrings reads the n C strings of the array at argv.
func fts5GoStrings(argv uintptr, n int) []string {
	if n <= 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = gostring(readPtr(argv + uintptr(8*i)))
	}
	return out
}
