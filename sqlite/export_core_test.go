package sqlite

import lib "modernc.org/sqlite/lib"

// SetLimitForTest sets a run-time limit (sqlite3_limit) and returns the old
// value, for tests that need small limits.
func (c *Conn) SetLimitForTest(id, v int) int {
	return int(lib.Xsqlite3_limit(c.tls, c.db, int32(id), int32(v)))
}

const LimitLengthForTest = lib.SQLITE_LIMIT_LENGTH
