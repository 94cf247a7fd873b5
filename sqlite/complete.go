package sqlite

import (
	"sync"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// completeTLS is the engine thread Complete runs on; Complete needs no
// connection, so it keeps one of its own.
var completeTLS struct {
	sync.Mutex
	tls *libc.TLS
	buf scratch
}

// Complete reports whether sql ends with a complete SQL statement: a
// semicolon that is not inside a string, comment or trigger body. Shells and
// script readers use it to know when to stop reading lines. It is safe for
// concurrent use.
//
// https://sqlite.org/c3ref/complete.html
func Complete(sql string) bool {
	completeTLS.Lock()
	defer completeTLS.Unlock()
	if completeTLS.tls == nil {
		completeTLS.tls = libc.NewTLS()
	}
	z := completeTLS.buf.cstr(completeTLS.tls, sql)
	if z == 0 {
		return false
	}
	return lib.Xsqlite3_complete(completeTLS.tls, z) != 0
}
