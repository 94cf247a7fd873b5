//go:build cgo

package bench

import (
	_ "github.com/mattn/go-sqlite3" // registers "sqlite3"
)

// github.com/mattn/go-sqlite3: SQLite's C code through cgo, the most used
// Go driver, through database/sql. It needs cgo (CGO_ENABLED=1 and a C
// compiler); without cgo the runner leaves it out.
func init() {
	Register(Lib{Name: "mattn", API: "database/sql (cgo)", Open: pooled(sqlOpener("sqlite3"))})
}
