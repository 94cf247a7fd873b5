package sqlite

import (
	"strings"

	"modernc.org/libc"
)

// cnames copies the names (schema, table, column names) into the scratch
// buffer b as consecutive NUL-terminated C strings and returns the address
// of each, valid until the next use of b. A name containing a NUL byte
// cannot reach SQLite intact, so it is rejected with ErrMisuse. With
// emptyNil, an empty name is passed as a NULL pointer.
func cnames(tls *libc.TLS, b *scratch, emptyNil bool, names ...string) ([]uintptr, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var sb strings.Builder
	for _, n := range names {
		if strings.IndexByte(n, 0) >= 0 {
			return nil, Errorf(ErrMisuse, "name %q contains a NUL byte", n)
		}
		sb.WriteString(n)
		sb.WriteByte(0)
	}
	all := sb.String()
	z := b.cstr(tls, all[:len(all)-1])
	if z == 0 {
		return nil, Errorf(ErrNoMem, "out of memory")
	}
	ps := make([]uintptr, len(names))
	off := uintptr(0)
	for i, n := range names {
		if !(emptyNil && n == "") {
			ps[i] = z + off
		}
		off += uintptr(len(n)) + 1
	}
	return ps, nil
}
