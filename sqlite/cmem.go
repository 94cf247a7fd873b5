package sqlite

import (
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// This file holds the only pointer conversions between Go and the engine's
// C memory. The engine allocates outside the Go heap, so an address it hands
// out stays valid until the engine frees it and the garbage collector never
// moves or scans it.

// cptr turns an engine address into an unsafe.Pointer. Converting through a
// pointer to the uintptr keeps vet's unsafeptr check quiet about what is a
// legitimate conversion of non-Go memory.
func cptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// cbytes views n bytes of engine memory at p. The view is valid only as long
// as the engine keeps that memory.
func cbytes(p uintptr, n int) []byte {
	if p == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(cptr(p)), n)
}

// gostring copies the NUL-terminated C string at p.
func gostring(p uintptr) string {
	if p == 0 {
		return ""
	}
	return libc.GoString(p)
}

// gostringN copies n bytes at p into a Go string.
func gostringN(p uintptr, n int) string {
	if p == 0 || n <= 0 {
		return ""
	}
	return string(cbytes(p, n))
}

// cstring copies s into memory from the engine's allocator, NUL-terminated.
// The caller frees it with sqlite3_free (or hands ownership to the engine).
func cstring(tls *libc.TLS, s string) uintptr {
	p := lib.Xsqlite3_malloc64(tls, uint64(len(s)+1))
	if p == 0 {
		return 0
	}
	b := cbytes(p, len(s)+1)
	copy(b, s)
	b[len(s)] = 0
	return p
}

// stringBytes views the bytes of s, which must not be modified.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// readPtr and writePtr access a pointer-sized out-parameter slot.
func readPtr(p uintptr) uintptr     { return *(*uintptr)(cptr(p)) }
func writePtr(p uintptr, v uintptr) { *(*uintptr)(cptr(p)) = v }
func readInt32(p uintptr) int32     { return *(*int32)(cptr(p)) }
func writeInt32(p uintptr, v int32) { *(*int32)(cptr(p)) = v }
func readInt64(p uintptr) int64     { return *(*int64)(cptr(p)) }
func writeInt64(p uintptr, v int64) { *(*int64)(cptr(p)) = v }

// cfunc returns the address the engine calls for the top-level Go function f.
// The engine invokes function pointers by converting them back to Go func
// values, so f must be a top-level function (never a closure): its value is a
// pointer to read-only data that never moves.
func cfunc[T any](f T) uintptr { return *(*uintptr)(unsafe.Pointer(&struct{ f T }{f})) }

// cfuncOf views the engine function pointer p as a Go func of type F, the
// inverse of cfunc: FTS5's APIs are structs of function pointers, which the
// translated C code calls this way too. F must be the exact Go signature of
// the C function: *libc.TLS first, then the C parameters.
func cfuncOf[F any](p uintptr) F { return *(*F)(unsafe.Pointer(&p)) }

// scratch is a growable C buffer owned by one connection. It carries Go
// strings into calls that need a C string for the duration of the call only
// (SQL text for prepare, text bound with SQLITE_TRANSIENT).
type scratch struct {
	p uintptr
	n int
}

// cstr copies s into the buffer, NUL-terminated, and returns its address,
// valid until the next use of the buffer.
func (b *scratch) cstr(tls *libc.TLS, s string) uintptr {
	return b.bytes(tls, stringBytes(s))
}

func (b *scratch) bytes(tls *libc.TLS, s []byte) uintptr {
	need := len(s) + 1
	if need > b.n {
		n := max(need, 2*b.n, 256)
		p := lib.Xsqlite3_realloc64(tls, b.p, uint64(n))
		if p == 0 {
			return 0
		}
		b.p, b.n = p, n
	}
	d := cbytes(b.p, need)
	copy(d, s)
	d[len(s)] = 0
	return b.p
}

func (b *scratch) free(tls *libc.TLS) {
	if b.p != 0 {
		lib.Xsqlite3_free(tls, b.p)
		b.p, b.n = 0, 0
	}
}

// The column accessors and binders read two engine structures directly, a
// prepared statement (Vdbe) and a value (Mem), to skip a chain of C API
// calls on their hot paths. The Go types come from the engine's own
// translation, so a layout change there fails to compile here. Every fast
// path handles only the plain cases and calls the C API for the rest.

// vdbeOf views the prepared statement at p.
func vdbeOf(p uintptr) *lib.TVdbe { return (*lib.TVdbe)(cptr(p)) }

// resultMem returns column i of the statement's current row, or nil when
// there is no row or i is out of range.
func resultMem(p uintptr, i int) *lib.TMem {
	v := vdbeOf(p)
	if v.FpResultRow == 0 || uint(i) >= uint(v.FnResColumn) {
		return nil
	}
	return memOf(v.FpResultRow + uintptr(i)*unsafe.Sizeof(lib.TMem{}))
}

// memOf views the value (sqlite3_value, a Mem) at p.
func memOf(p uintptr) *lib.TMem { return (*lib.TMem)(cptr(p)) }

// memInt64 reads the integer member of m's value union.
func memInt64(m *lib.TMem) int64 { return *(*int64)(unsafe.Pointer(&m.Fu)) }
