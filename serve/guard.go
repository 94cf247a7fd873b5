package serve

import (
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// installAuthorizer gives every read-only connection of a DB (its readers)
// the read authorizer; the writer keeps none, so that the write endpoints
// and the program's own writes are not affected.
func installAuthorizer(c *sqlite.Conn) error {
	if c.ReadOnly("main") {
		c.SetAuthorizer(readAuthorizer)
	}
	return nil
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
