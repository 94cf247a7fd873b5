package serve

import (
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// writeKey marks the context of a write made through the write
// endpoints, which the writer's authorizer checks.
type writeKey struct{}

// installGuards gives every read-only connection of a DB (its readers)
// the read authorizer and a length limit of maxLen, and its writing
// connections the write authorizer, which only judges the statements of
// the write endpoints (their context carries writeKey) and lets the
// program's own writes be. An authorizer the connection had keeps its say.
func installGuards(c *sqlite.Conn, maxLen int) error {
	prev := c.Authorizer()
	if c.ReadOnly("main") {
		c.Limit(sqlite.LimitLength, maxLen)
		c.SetAuthorizer(func(a sqlite.AuthAction) sqlite.AuthResult {
			if r := readAuthorizer(a); r != sqlite.AuthOK || prev == nil {
				return r
			}
			return prev(a)
		})
		return nil
	}
	c.SetAuthorizer(func(a sqlite.AuthAction) sqlite.AuthResult {
		if ctx := c.Context(); ctx != nil && ctx.Value(writeKey{}) != nil {
			if r := writeAuthorizer(a); r != sqlite.AuthOK {
				return r
			}
		}
		if prev == nil {
			return sqlite.AuthOK
		}
		return prev(a)
	})
	return nil
}

// writePragmas are the pragmas a write endpoint may not set: they reach
// files other than the database (directories), let SQL corrupt it, or
// change how the DB's connections share it.
var writePragmas = map[string]bool{
	"writable_schema": true, "temp_store_directory": true, "data_store_directory": true,
	"journal_mode": true, "locking_mode": true, "trusted_schema": true, "query_only": true,
	"mmap_size": true,
}

// writeAuthorizer refuses, in the SQL of the write endpoints, what reaches
// beyond the database's content: ATTACH (which VACUUM INTO also does),
// DETACH, load_extension and the pragmas of writePragmas given a value.
func writeAuthorizer(a sqlite.AuthAction) sqlite.AuthResult {
	switch a.Code {
	case sqlite.AuthAttach, sqlite.AuthDetach:
		return sqlite.AuthDeny
	case sqlite.AuthFunction:
		if strings.EqualFold(a.Arg2, "load_extension") {
			return sqlite.AuthDeny
		}
	case sqlite.AuthPragma:
		if writePragmas[strings.ToLower(a.Arg1)] && a.Arg2 != "" {
			return sqlite.AuthDeny
		}
	}
	return sqlite.AuthOK
}

// readPragmas are the pragmas a read may run: each only reports, whatever
// its argument (a table or index name).
var readPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true,
	"index_list": true, "index_info": true, "index_xinfo": true,
	"foreign_key_list": true, "collation_list": true, "function_list": true,
	"module_list": true, "pragma_list": true, "database_list": true,
	"compile_options": true, "data_version": true, "freelist_count": true,
	"page_count": true,
}

// settingPragmas report their setting when given no argument and change it
// when given one: reads may run them without.
var settingPragmas = map[string]bool{
	"user_version": true, "application_id": true, "schema_version": true,
	"page_size": true, "encoding": true, "journal_mode": true,
	"auto_vacuum": true, "foreign_keys": true, "query_only": true,
}

// readAuthorizer allows what a SELECT needs and nothing else: no change to
// any database (temp included), no ATTACH, no transaction control, no
// pragma that changes a setting, no loading of extensions.
func readAuthorizer(a sqlite.AuthAction) sqlite.AuthResult {
	switch a.Code {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthRecursive:
		return sqlite.AuthOK
	case sqlite.AuthFunction:
		if strings.EqualFold(a.Arg2, "load_extension") {
			return sqlite.AuthDeny
		}
		return sqlite.AuthOK
	case sqlite.AuthPragma:
		name := strings.ToLower(a.Arg1)
		if readPragmas[name] || settingPragmas[name] && a.Arg2 == "" {
			return sqlite.AuthOK
		}
	}
	return sqlite.AuthDeny
}
