package sqlite

import (
	"strconv"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// AuthCode is the kind of action the authorizer is asked about
// (https://sqlite.org/c3ref/c_alter_table.html). Its String method gives the
// C name, such as "SQLITE_CREATE_INDEX".
type AuthCode int

// Authorizer action codes. The comment after each says what AuthAction's
// Arg1 and Arg2 hold for it.
const (
	AuthCreateIndex       AuthCode = lib.SQLITE_CREATE_INDEX        // index, table
	AuthCreateTable       AuthCode = lib.SQLITE_CREATE_TABLE        // table, -
	AuthCreateTempIndex   AuthCode = lib.SQLITE_CREATE_TEMP_INDEX   // index, table
	AuthCreateTempTable   AuthCode = lib.SQLITE_CREATE_TEMP_TABLE   // table, -
	AuthCreateTempTrigger AuthCode = lib.SQLITE_CREATE_TEMP_TRIGGER // trigger, table
	AuthCreateTempView    AuthCode = lib.SQLITE_CREATE_TEMP_VIEW    // view, -
	AuthCreateTrigger     AuthCode = lib.SQLITE_CREATE_TRIGGER      // trigger, table
	AuthCreateView        AuthCode = lib.SQLITE_CREATE_VIEW         // view, -
	AuthDelete            AuthCode = lib.SQLITE_DELETE              // table, -
	AuthDropIndex         AuthCode = lib.SQLITE_DROP_INDEX          // index, table
	AuthDropTable         AuthCode = lib.SQLITE_DROP_TABLE          // table, -
	AuthDropTempIndex     AuthCode = lib.SQLITE_DROP_TEMP_INDEX     // index, table
	AuthDropTempTable     AuthCode = lib.SQLITE_DROP_TEMP_TABLE     // table, -
	AuthDropTempTrigger   AuthCode = lib.SQLITE_DROP_TEMP_TRIGGER   // trigger, table
	AuthDropTempView      AuthCode = lib.SQLITE_DROP_TEMP_VIEW      // view, -
	AuthDropTrigger       AuthCode = lib.SQLITE_DROP_TRIGGER        // trigger, table
	AuthDropView          AuthCode = lib.SQLITE_DROP_VIEW           // view, -
	AuthInsert            AuthCode = lib.SQLITE_INSERT              // table, -
	AuthPragma            AuthCode = lib.SQLITE_PRAGMA              // pragma name, its argument or ""
	AuthRead              AuthCode = lib.SQLITE_READ                // table, column
	AuthSelect            AuthCode = lib.SQLITE_SELECT              // -, -
	AuthTransaction       AuthCode = lib.SQLITE_TRANSACTION         // operation (BEGIN, COMMIT, ROLLBACK), -
	AuthUpdate            AuthCode = lib.SQLITE_UPDATE              // table, column
	AuthAttach            AuthCode = lib.SQLITE_ATTACH              // file name, -
	AuthDetach            AuthCode = lib.SQLITE_DETACH              // schema, -
	AuthAlterTable        AuthCode = lib.SQLITE_ALTER_TABLE         // schema, table
	AuthReindex           AuthCode = lib.SQLITE_REINDEX             // index, -
	AuthAnalyze           AuthCode = lib.SQLITE_ANALYZE             // table, -
	AuthCreateVTable      AuthCode = lib.SQLITE_CREATE_VTABLE       // table, module
	AuthDropVTable        AuthCode = lib.SQLITE_DROP_VTABLE         // table, module
	AuthFunction          AuthCode = lib.SQLITE_FUNCTION            // -, function name
	AuthSavepoint         AuthCode = lib.SQLITE_SAVEPOINT           // operation (BEGIN, RELEASE, ROLLBACK), savepoint name
	AuthRecursive         AuthCode = lib.SQLITE_RECURSIVE           // -, -
)

var authNames = [...]string{
	AuthCreateIndex: "CREATE_INDEX", AuthCreateTable: "CREATE_TABLE",
	AuthCreateTempIndex: "CREATE_TEMP_INDEX", AuthCreateTempTable: "CREATE_TEMP_TABLE",
	AuthCreateTempTrigger: "CREATE_TEMP_TRIGGER", AuthCreateTempView: "CREATE_TEMP_VIEW",
	AuthCreateTrigger: "CREATE_TRIGGER", AuthCreateView: "CREATE_VIEW", AuthDelete: "DELETE",
	AuthDropIndex: "DROP_INDEX", AuthDropTable: "DROP_TABLE", AuthDropTempIndex: "DROP_TEMP_INDEX",
	AuthDropTempTable: "DROP_TEMP_TABLE", AuthDropTempTrigger: "DROP_TEMP_TRIGGER",
	AuthDropTempView: "DROP_TEMP_VIEW", AuthDropTrigger: "DROP_TRIGGER", AuthDropView: "DROP_VIEW",
	AuthInsert: "INSERT", AuthPragma: "PRAGMA", AuthRead: "READ", AuthSelect: "SELECT",
	AuthTransaction: "TRANSACTION", AuthUpdate: "UPDATE", AuthAttach: "ATTACH", AuthDetach: "DETACH",
	AuthAlterTable: "ALTER_TABLE", AuthReindex: "REINDEX", AuthAnalyze: "ANALYZE",
	AuthCreateVTable: "CREATE_VTABLE", AuthDropVTable: "DROP_VTABLE", AuthFunction: "FUNCTION",
	AuthSavepoint: "SAVEPOINT", AuthRecursive: "RECURSIVE",
}

// String returns the code's C name, such as "SQLITE_READ".
func (a AuthCode) String() string {
	if a >= 0 && int(a) < len(authNames) && authNames[a] != "" {
		return "SQLITE_" + authNames[a]
	}
	return "AuthCode(" + strconv.Itoa(int(a)) + ")"
}

// AuthAction is what the authorizer is asked to allow: an action code, two
// arguments whose meaning depends on it (see the AuthCode constants; "" when
// absent), the schema concerned ("main", "temp", ...) if any, and the
// innermost trigger or view responsible for the access, "" when the
// statement itself makes it.
type AuthAction struct {
	Code       AuthCode
	Arg1, Arg2 string
	Schema     string
	Trigger    string
}

// AuthResult is an authorizer's answer.
type AuthResult int

// Authorizer answers (https://sqlite.org/c3ref/c_deny.html).
const (
	// AuthOK allows the action.
	AuthOK AuthResult = lib.SQLITE_OK
	// AuthDeny makes preparing the statement fail with ErrAuth.
	AuthDeny AuthResult = lib.SQLITE_DENY
	// AuthIgnore disallows the action but lets the statement compile: a
	// column read (AuthRead) reads as NULL, an updated column
	// (AuthUpdate) keeps its value, a DELETE (AuthDelete) still deletes,
	// row by row; for other actions see the SQLite page.
	AuthIgnore AuthResult = lib.SQLITE_IGNORE
)

// String returns "OK", "DENY" or "IGNORE".
func (r AuthResult) String() string {
	switch r {
	case AuthOK:
		return "OK"
	case AuthDeny:
		return "DENY"
	case AuthIgnore:
		return "IGNORE"
	}
	return "AuthResult(" + strconv.Itoa(int(r)) + ")"
}

// SetAuthorizer registers fn to be asked about each action a statement
// performs, while the statement is being prepared (and prepared again after
// a schema change). A nil fn removes the authorizer. Either way the
// connection's prepared statements (those in the statement cache too) are
// expired, so each is prepared, and authorized, again when next run.
//
// fn runs on the goroutine driving the connection, with the triggering
// call's context in c.Context(); it must not run SQL or prepare statements
// on the connection. A panic in fn is recovered and answers AuthDeny; the
// caller's error (ErrAuth) wraps a *PanicError holding the panic value.
//
// https://sqlite.org/c3ref/set_authorizer.html
func (c *Conn) SetAuthorizer(fn func(a AuthAction) AuthResult) {
	if c.db == 0 {
		return
	}
	c.hooks.auth = fn
	if fn == nil {
		lib.Xsqlite3_set_authorizer(c.tls, c.db, 0, 0)
	} else {
		lib.Xsqlite3_set_authorizer(c.tls, c.db, cfunc(authTrampoline), c.handle)
	}
}

// Authorizer returns the function installed by SetAuthorizer, or nil, so
// code that needs an authorizer for a while can put the previous one back.
func (c *Conn) Authorizer() func(a AuthAction) AuthResult { return c.hooks.auth }

func authTrampoline(tls *libc.TLS, arg uintptr, code int32, z1, z2, zDb, zTrigger uintptr) (rc int32) {
	c := hookConn(arg)
	if c == nil || c.hooks.auth == nil {
		return lib.SQLITE_OK
	}
	defer func() {
		if v := recover(); v != nil {
			c.setCallbackError(hookPanicked("authorizer", v))
			rc = lib.SQLITE_DENY
		}
	}()
	n := &c.hooks.names
	return int32(c.hooks.auth(AuthAction{
		Code:    AuthCode(code),
		Arg1:    n.get(z1),
		Arg2:    n.get(z2),
		Schema:  n.get(zDb),
		Trigger: n.get(zTrigger),
	}))
}
