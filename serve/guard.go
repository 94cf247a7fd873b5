package serve

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/asqlite/asqlite/sqlite"
)

// writeKey marks the context of a write made through the write
// endpoints, which the writer's authorizer checks.
type writeKey struct{}

// refusalKey carries, in the context of a request's SQL, a *refusal the
// authorizers set when they deny an action of it.
type refusalKey struct{}

// refusal records that an authorizer denied an action of a request's SQL.
// It is set on the connection's goroutine and read by the handler's, which
// may stop waiting before the connection is done: hence the atomic.
type refusal struct{ denied atomic.Bool }

// watchRefusals returns ctx carrying a new refusal, for the SQL of one
// request.
func watchRefusals(ctx context.Context) (context.Context, *refusal) {
	r := new(refusal)
	return context.WithValue(ctx, refusalKey{}, r), r
}

// noteRefusal records a denial in the refusal of ctx, if it has one.
func noteRefusal(ctx context.Context, res sqlite.AuthResult) sqlite.AuthResult {
	if res == sqlite.AuthDeny && ctx != nil {
		if r, _ := ctx.Value(refusalKey{}).(*refusal); r != nil {
			r.denied.Store(true)
		}
	}
	return res
}

// refusedError is the error of SQL an authorizer refused.
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

// check returns err, marked as a refusal when an authorizer denied an
// action of the request's SQL. SQLite reports most denials as
// SQLITE_AUTH, but a denied function (load_extension) as a plain
// SQLITE_ERROR told apart only by its message, whose wording is not an
// interface: the authorizer's own record is exact.
func (r *refusal) check(err error) error {
	if err != nil && r.denied.Load() {
		return &refusedError{err}
	}
	return err
}

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
				return noteRefusal(c.Context(), r)
			}
			return noteRefusal(c.Context(), prev(a))
		})
		return nil
	}
	c.SetAuthorizer(func(a sqlite.AuthAction) sqlite.AuthResult {
		ctx := c.Context()
		if ctx != nil && ctx.Value(writeKey{}) != nil {
			if r := writeAuthorizer(a); r != sqlite.AuthOK {
				return noteRefusal(ctx, r)
			}
		}
		if prev == nil {
			return sqlite.AuthOK
		}
		return noteRefusal(ctx, prev(a))
	})
	return nil
}

// maintenancePragmas are the pragmas a write endpoint may run with a value
// besides the reporting ones: each only tidies the database file, changing
// no setting of a connection, of the process or of the file, and no
// result of a query.
var maintenancePragmas = map[string]bool{
	"optimize":           true, // ANALYZE where it is due
	"incremental_vacuum": true, // frees pages in an auto_vacuum=incremental file
}

// writeAuthorizer refuses, in the SQL of the write endpoints, what reaches
// beyond the database's content or outlives the request as state of the
// writer connection, which the program's own writes share:
//   - ATTACH (which VACUUM INTO also does) and DETACH;
//   - load_extension;
//   - every temporary object, created or dropped, and the statement's own
//     changes to the temp schema: a TEMP TRIGGER would rewrite the
//     program's later writes, a TEMP TABLE or VIEW would shadow its tables
//     (the triggers of the program's own temp objects still run);
//   - BEGIN, COMMIT, ROLLBACK and savepoints, which would end the write
//     queue's transaction, shared with other writes, the program's too;
//   - every pragma but those that only report (readAuthorizer's, the
//     settings read without a value) and the maintenance of
//     maintenancePragmas. An allow-list, since nearly every pragma given a
//     value changes a setting of the connection (ignore_check_constraints,
//     foreign_keys, cache_size...), of the process (soft_heap_limit,
//     threads...) or of the file (journal_mode, page_size...), and the
//     program's own markers user_version and application_id are not
//     maintenance either.
func writeAuthorizer(a sqlite.AuthAction) sqlite.AuthResult {
	switch a.Code {
	case sqlite.AuthAttach, sqlite.AuthDetach, sqlite.AuthTransaction, sqlite.AuthSavepoint,
		sqlite.AuthCreateTempTable, sqlite.AuthCreateTempIndex, sqlite.AuthCreateTempTrigger,
		sqlite.AuthCreateTempView, sqlite.AuthDropTempTable, sqlite.AuthDropTempIndex,
		sqlite.AuthDropTempTrigger, sqlite.AuthDropTempView:
		return sqlite.AuthDeny
	case sqlite.AuthCreateVTable, sqlite.AuthDropVTable:
		if strings.EqualFold(a.Schema, "temp") {
			return sqlite.AuthDeny
		}
	case sqlite.AuthAlterTable:
		if strings.EqualFold(a.Arg1, "temp") {
			return sqlite.AuthDeny
		}
	case sqlite.AuthInsert, sqlite.AuthUpdate, sqlite.AuthDelete:
		if a.Trigger == "" && strings.EqualFold(a.Schema, "temp") {
			return sqlite.AuthDeny
		}
	case sqlite.AuthFunction:
		if strings.EqualFold(a.Arg2, "load_extension") {
			return sqlite.AuthDeny
		}
	case sqlite.AuthPragma:
		if !readPragma(a) && !maintenancePragmas[strings.ToLower(a.Arg1)] {
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
		if readPragma(a) {
			return sqlite.AuthOK
		}
	}
	return sqlite.AuthDeny
}

// readPragma reports whether the pragma of a only reports.
func readPragma(a sqlite.AuthAction) bool {
	name := strings.ToLower(a.Arg1)
	return readPragmas[name] || settingPragmas[name] && a.Arg2 == ""
}
