package sqlite

import (
	"fmt"
	"iter"
	"math"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// Changesets and patchsets are the byte strings a Session produces
// (https://sqlite.org/sessionintro.html). The functions of this file read
// and transform them; none keeps a reference to the caller's slice, and
// every result is a fresh Go slice. Bytes that are not a valid changeset
// give an *Error (usually ErrCorrupt), never a crash.

// ChangeOp is the kind of a row change: SQLITE_INSERT, SQLITE_UPDATE or
// SQLITE_DELETE.
type ChangeOp int

// Row change kinds.
const (
	ChangeInsert ChangeOp = lib.SQLITE_INSERT
	ChangeUpdate ChangeOp = lib.SQLITE_UPDATE
	ChangeDelete ChangeOp = lib.SQLITE_DELETE
)

// String returns "INSERT", "UPDATE" or "DELETE".
func (op ChangeOp) String() string {
	switch op {
	case ChangeInsert:
		return "INSERT"
	case ChangeUpdate:
		return "UPDATE"
	case ChangeDelete:
		return "DELETE"
	}
	return fmt.Sprintf("ChangeOp(%d)", int(op))
}

// Change is one row change of a changeset, as seen while iterating over it
// (Changes) or inside a conflict handler (ApplyOptions.Conflict).
//
// A Change and the Values it hands out are valid only until the iteration
// moves on or the handler returns; Record makes a copy that lasts.
//
// https://sqlite.org/session/changeset_iter.html
type Change struct {
	// Table is the name of the table the change applies to.
	Table string
	// Op says whether a row was inserted, updated or deleted.
	Op ChangeOp
	// Indirect reports that the change was recorded as indirect (see
	// Session.SetIndirect).
	Indirect bool
	// NumColumns is the number of columns of the table.
	NumColumns int

	tls  *libc.TLS
	it   uintptr // the sqlite3_changeset_iter; 0 once the Change expired
	kind ConflictKind
}

// load reads the current change of the iterator.
func (ch *Change) load() error {
	out := ch.tls.Alloc(24)
	defer ch.tls.Free(24)
	rc := lib.Xsqlite3changeset_op(ch.tls, ch.it, out, out+8, out+12, out+16)
	if rc != lib.SQLITE_OK {
		return changesetError("reading changeset", rc)
	}
	if z := readPtr(out); !cstrEqual(z, ch.Table) {
		ch.Table = gostring(z)
	}
	ch.NumColumns = int(readInt32(out + 8))
	ch.Op = ChangeOp(readInt32(out + 12))
	ch.Indirect = readInt32(out+16) != 0
	return nil
}

// cstrEqual reports whether the C string at z equals s, without copying.
func cstrEqual(z uintptr, s string) bool {
	if z == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if cbytes(z+uintptr(i), 1)[0] != s[i] {
			return false
		}
	}
	return cbytes(z+uintptr(len(s)), 1)[0] == 0
}

func (ch *Change) valid() bool {
	return ch != nil && ch.it != 0 && ch.kind != ConflictForeignKey
}

// PrimaryKey reports, for each column of the table, whether it is part of
// the primary key. https://sqlite.org/session/sqlite3changeset_pk.html
func (ch *Change) PrimaryKey() []bool {
	if !ch.valid() {
		return nil
	}
	out := ch.tls.Alloc(16)
	defer ch.tls.Free(16)
	if lib.Xsqlite3changeset_pk(ch.tls, ch.it, out, out+8) != lib.SQLITE_OK {
		return nil
	}
	n := int(readInt32(out + 8))
	pk := make([]bool, n)
	for i, b := range cbytes(readPtr(out), n) {
		pk[i] = b != 0
	}
	return pk
}

// Old returns the value column i held before the change, and whether the
// change carries it: an INSERT has no old values, and an UPDATE carries old
// values only for its primary key and the columns it modified (a patchset
// DELETE or UPDATE only for its primary key).
// https://sqlite.org/session/sqlite3changeset_old.html
func (ch *Change) Old(i int) (Value, bool) {
	if !ch.valid() || ch.Op == ChangeInsert {
		return Value{}, false
	}
	return ch.value(lib.Xsqlite3changeset_old, i)
}

// New returns the value column i holds after the change, and whether the
// change carries it: a DELETE has no new values, and an UPDATE carries new
// values only for the columns it modified.
// https://sqlite.org/session/sqlite3changeset_new.html
func (ch *Change) New(i int) (Value, bool) {
	if !ch.valid() || ch.Op == ChangeDelete {
		return Value{}, false
	}
	return ch.value(lib.Xsqlite3changeset_new, i)
}

// Conflicting returns, inside a conflict handler for a ConflictData or
// ConflictDuplicate conflict, the value of column i in the database row that
// conflicts with the change. It reports false in every other case.
// https://sqlite.org/session/sqlite3changeset_conflict.html
func (ch *Change) Conflicting(i int) (Value, bool) {
	if !ch.valid() || (ch.kind != ConflictData && ch.kind != ConflictDuplicate) {
		return Value{}, false
	}
	return ch.value(lib.Xsqlite3changeset_conflict, i)
}

// ForeignKeyConflicts returns, inside a conflict handler for a
// ConflictForeignKey conflict, the number of foreign key constraints the
// applied changes leave violated; 0 otherwise.
// https://sqlite.org/session/sqlite3changeset_fk_conflicts.html
func (ch *Change) ForeignKeyConflicts() int {
	if ch == nil || ch.it == 0 || ch.kind != ConflictForeignKey {
		return 0
	}
	out := ch.tls.Alloc(8)
	defer ch.tls.Free(8)
	if lib.Xsqlite3changeset_fk_conflicts(ch.tls, ch.it, out) != lib.SQLITE_OK {
		return 0
	}
	return int(readInt32(out))
}

func (ch *Change) value(f func(*libc.TLS, uintptr, int32, uintptr) int32, i int) (Value, bool) {
	if i < 0 || i >= ch.NumColumns {
		return Value{}, false
	}
	pp := ch.tls.Alloc(8)
	defer ch.tls.Free(8)
	writePtr(pp, 0)
	if f(ch.tls, ch.it, int32(i), pp) != lib.SQLITE_OK {
		return Value{}, false
	}
	p := readPtr(pp)
	if p == 0 {
		return Value{}, false
	}
	return Value{tls: ch.tls, p: p}, true
}

// NoValue stands, in ChangeRecord.Old and New, for a column whose value the
// change does not carry (see Change.Old and Change.New).
type NoValue struct{}

// ChangeRecord is a copy of a Change that outlives the iteration. Old and
// New hold one Go value per column (int64, float64, string, []byte, nil for
// NULL, or NoValue{}); Old is nil for an INSERT and New for a DELETE.
type ChangeRecord struct {
	Table      string
	Op         ChangeOp
	Indirect   bool
	PrimaryKey []bool
	Old, New   []any
}

// Record copies the change.
func (ch *Change) Record() ChangeRecord {
	r := ChangeRecord{Table: ch.Table, Op: ch.Op, Indirect: ch.Indirect, PrimaryKey: ch.PrimaryKey()}
	if !ch.valid() {
		return r
	}
	values := func(get func(int) (Value, bool)) []any {
		vs := make([]any, ch.NumColumns)
		for i := range vs {
			if v, ok := get(i); ok {
				vs[i] = v.Any()
			} else {
				vs[i] = NoValue{}
			}
		}
		return vs
	}
	if ch.Op != ChangeInsert {
		r.Old = values(ch.Old)
	}
	if ch.Op != ChangeDelete {
		r.New = values(ch.New)
	}
	return r
}

// Changes iterates over the changes of a changeset or patchset, in order.
// Each step yields a Change valid until the next one; a corrupt or truncated
// changeset ends the iteration with (nil, err), err an *Error with code
// ErrCorrupt. The iteration holds a copy of changeset, so the caller may
// reuse the slice at once.
//
//	for ch, err := range sqlite.Changes(cs) {
//		if err != nil { return err }
//		fmt.Println(ch.Op, ch.Table)
//	}
//
// https://sqlite.org/session/sqlite3changeset_start.html
func Changes(changeset []byte) iter.Seq2[*Change, error] {
	return func(yield func(*Change, error) bool) {
		tls := libc.NewTLS()
		defer tls.Close()
		in, err := cmallocBytes(tls, changeset)
		if err != nil {
			yield(nil, err)
			return
		}
		defer lib.Xsqlite3_free(tls, in)
		pp := tls.Alloc(8)
		writePtr(pp, 0)
		rc := lib.Xsqlite3changeset_start(tls, pp, int32(len(changeset)), in)
		it := readPtr(pp)
		tls.Free(8)
		if rc != lib.SQLITE_OK {
			if it != 0 {
				lib.Xsqlite3changeset_finalize(tls, it)
			}
			yield(nil, changesetError("reading changeset", rc))
			return
		}
		ch := &Change{tls: tls, it: it}
		defer func() {
			ch.it = 0
			if it != 0 {
				lib.Xsqlite3changeset_finalize(tls, it)
			}
		}()
		for {
			switch rc := lib.Xsqlite3changeset_next(tls, it); rc {
			case lib.SQLITE_ROW:
				if err := ch.load(); err != nil {
					yield(nil, err)
					return
				}
				if !yield(ch, nil) {
					return
				}
			case lib.SQLITE_DONE:
				ch.it = 0
				rc = lib.Xsqlite3changeset_finalize(tls, it)
				it = 0
				if rc != lib.SQLITE_OK {
					yield(nil, changesetError("reading changeset", rc))
				}
				return
			default:
				yield(nil, changesetError("reading changeset", rc))
				return
			}
		}
	}
}

// InvertChangeset returns the changeset that undoes changeset: inserts
// become deletes, deletes inserts, and updates swap their old and new
// values. A patchset cannot be inverted (ErrMisuse).
// https://sqlite.org/session/sqlite3changeset_invert.html
func InvertChangeset(changeset []byte) ([]byte, error) {
	if isPatchset(changeset) {
		return nil, Errorf(ErrMisuse, "a patchset cannot be inverted")
	}
	tls := libc.NewTLS()
	defer tls.Close()
	in, err := cmallocBytes(tls, changeset)
	if err != nil {
		return nil, err
	}
	defer lib.Xsqlite3_free(tls, in)
	out := tls.Alloc(16)
	defer tls.Free(16)
	writeInt32(out, 0)
	writePtr(out+8, 0)
	rc := lib.Xsqlite3changeset_invert(tls, int32(len(changeset)), in, out, out+8)
	data := takeCBytes(tls, readPtr(out+8), int(readInt32(out)))
	if rc != lib.SQLITE_OK {
		return nil, changesetError("inverting changeset", rc)
	}
	return data, nil
}

// ConcatChangesets returns one changeset with the effect of a followed by
// b, merging the changes to the same row. Both must be changesets, or both
// patchsets. A Changegroup does the same for any number of them.
// https://sqlite.org/session/sqlite3changeset_concat.html
func ConcatChangesets(a, b []byte) ([]byte, error) {
	tls := libc.NewTLS()
	defer tls.Close()
	inA, err := cmallocBytes(tls, a)
	if err != nil {
		return nil, err
	}
	defer lib.Xsqlite3_free(tls, inA)
	inB, err := cmallocBytes(tls, b)
	if err != nil {
		return nil, err
	}
	defer lib.Xsqlite3_free(tls, inB)
	out := tls.Alloc(16)
	defer tls.Free(16)
	writeInt32(out, 0)
	writePtr(out+8, 0)
	rc := lib.Xsqlite3changeset_concat(tls, int32(len(a)), inA, int32(len(b)), inB, out, out+8)
	data := takeCBytes(tls, readPtr(out+8), int(readInt32(out)))
	if rc != lib.SQLITE_OK {
		return nil, changesetError("concatenating changesets", rc)
	}
	return data, nil
}

// isPatchset reports whether data starts like a patchset (its first table
// header is 'P'; a changeset's is 'T').
func isPatchset(data []byte) bool { return len(data) > 0 && data[0] == 'P' }

// changesetError describes a failure of the changeset functions, which have
// no connection to hold a message.
func changesetError(what string, rc int32) error {
	code := ErrorCode(rc)
	msg := code.Error()
	switch code.Primary() {
	case ErrCorrupt:
		msg = "changeset is corrupt or truncated"
	case ErrError:
		msg = "changeset is invalid, or changesets and patchsets are mixed"
	}
	return Errorf(code, "%s: %s", what, msg)
}

// cmallocBytes copies b into memory from the engine's allocator (changeset
// functions read their input in place). The caller frees it.
func cmallocBytes(tls *libc.TLS, b []byte) (uintptr, error) {
	if len(b) > math.MaxInt32 {
		return 0, Errorf(ErrTooBig, "changeset of %d bytes is too large", len(b))
	}
	p := lib.Xsqlite3_malloc64(tls, uint64(max(len(b), 1)))
	if p == 0 {
		return 0, Errorf(ErrNoMem, "out of memory copying a %d-byte changeset", len(b))
	}
	copy(cbytes(p, len(b)), b)
	return p, nil
}

// takeCBytes copies the n bytes the engine allocated at p into a Go slice
// and frees them.
func takeCBytes(tls *libc.TLS, p uintptr, n int) []byte {
	if p == 0 {
		return nil
	}
	b := append([]byte{}, cbytes(p, n)...)
	lib.Xsqlite3_free(tls, p)
	return b
}
