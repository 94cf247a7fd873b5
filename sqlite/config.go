package sqlite

import (
	"sync/atomic"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// DBConfig is a boolean connection setting of sqlite3_db_config
// (https://sqlite.org/c3ref/c_dbconfig_defensive.html).
type DBConfig int

// Boolean connection settings.
const (
	DBConfigEnableFKey         DBConfig = lib.SQLITE_DBCONFIG_ENABLE_FKEY
	DBConfigEnableTrigger      DBConfig = lib.SQLITE_DBCONFIG_ENABLE_TRIGGER
	DBConfigEnableView         DBConfig = lib.SQLITE_DBCONFIG_ENABLE_VIEW
	DBConfigNoCkptOnClose      DBConfig = lib.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE
	DBConfigEnableQPSG         DBConfig = lib.SQLITE_DBCONFIG_ENABLE_QPSG
	DBConfigTriggerEQP         DBConfig = lib.SQLITE_DBCONFIG_TRIGGER_EQP
	DBConfigResetDatabase      DBConfig = lib.SQLITE_DBCONFIG_RESET_DATABASE
	DBConfigDefensive          DBConfig = lib.SQLITE_DBCONFIG_DEFENSIVE
	DBConfigWritableSchema     DBConfig = lib.SQLITE_DBCONFIG_WRITABLE_SCHEMA
	DBConfigLegacyAlterTable   DBConfig = lib.SQLITE_DBCONFIG_LEGACY_ALTER_TABLE
	DBConfigDQSDML             DBConfig = lib.SQLITE_DBCONFIG_DQS_DML
	DBConfigDQSDDL             DBConfig = lib.SQLITE_DBCONFIG_DQS_DDL
	DBConfigLegacyFileFormat   DBConfig = lib.SQLITE_DBCONFIG_LEGACY_FILE_FORMAT
	DBConfigTrustedSchema      DBConfig = lib.SQLITE_DBCONFIG_TRUSTED_SCHEMA
	DBConfigStmtScanStatus     DBConfig = lib.SQLITE_DBCONFIG_STMT_SCANSTATUS
	DBConfigReverseScanOrder   DBConfig = lib.SQLITE_DBCONFIG_REVERSE_SCANORDER
	DBConfigEnableAttachCreate DBConfig = lib.SQLITE_DBCONFIG_ENABLE_ATTACH_CREATE
	DBConfigEnableAttachWrite  DBConfig = lib.SQLITE_DBCONFIG_ENABLE_ATTACH_WRITE
	DBConfigEnableComments     DBConfig = lib.SQLITE_DBCONFIG_ENABLE_COMMENTS
)

// SetDBConfig turns setting op on or off and returns its new state.
// https://sqlite.org/c3ref/db_config.html
func (c *Conn) SetDBConfig(op DBConfig, on bool) (bool, error) {
	v := int32(0)
	if on {
		v = 1
	}
	return c.dbConfig(op, v)
}

// DBConfig reports whether setting op is on.
func (c *Conn) DBConfig(op DBConfig) (bool, error) { return c.dbConfig(op, -1) }

func (c *Conn) dbConfig(op DBConfig, v int32) (bool, error) {
	if err := c.check(); err != nil {
		return false, err
	}
	if op < lib.SQLITE_DBCONFIG_ENABLE_FKEY || op > lib.SQLITE_DBCONFIG_ENABLE_COMMENTS {
		return false, Errorf(ErrMisuse, "DBConfig %d is not a boolean setting", op)
	}
	// The variadic arguments are (int onoff, int *pRes): a va_list of two
	// slots followed by the int the engine writes.
	buf := c.tls.Alloc(24)
	defer c.tls.Free(24)
	out := buf + 16
	writeInt32(out, 0)
	rc := lib.Xsqlite3_db_config(c.tls, c.db, int32(op), libc.VaList(buf, v, out))
	if rc != lib.SQLITE_OK {
		return false, c.errorCode(rc, "")
	}
	return readInt32(out) != 0, nil
}

// OnClose registers fn to run when the connection closes, before anything
// is released, with the connection still usable (for PRAGMA optimize, a
// final checkpoint, ...). Functions run in reverse order of registration.
func (c *Conn) OnClose(fn func()) {
	if c.db != 0 && fn != nil {
		c.onClose = append(c.onClose, fn)
	}
}

// logHandler is the Go function SQLite's error log goes to.
var logHandler atomic.Pointer[func(code ErrorCode, msg string)]

// logInstalled reports whether the engine accepted the log callback; it
// must be configured before the engine initializes, which is the first
// Open in the process (or any use of modernc.org/sqlite elsewhere).
var logInstalled bool

func init() {
	tls := libc.NewTLS()
	defer tls.Close()
	buf := tls.Alloc(16)
	defer tls.Free(16)
	rc := lib.Xsqlite3_config(tls, lib.SQLITE_CONFIG_LOG, libc.VaList(buf, cfunc(logTrampoline), uintptr(0)))
	logInstalled = rc == lib.SQLITE_OK
}

func logTrampoline(tls *libc.TLS, _ uintptr, code int32, zMsg uintptr) {
	if fn := logHandler.Load(); fn != nil {
		defer func() { recover() }() // a failing logger must not unwind through the engine
		(*fn)(ErrorCode(code), gostring(zMsg))
	}
}

// SetLogHandler sends SQLite's error log (https://sqlite.org/errlog.html)
// to fn, for the whole process; nil stops it. fn may be called from any
// goroutine using SQLite and must not use a connection. It reports whether
// the log can be delivered: not when another user of the engine in this
// process initialized it first.
func SetLogHandler(fn func(code ErrorCode, msg string)) bool {
	if fn == nil {
		logHandler.Store(nil)
	} else {
		logHandler.Store(&fn)
	}
	return logInstalled
}
