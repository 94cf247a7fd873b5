package sqlite

import (
	"math"

	lib "modernc.org/sqlite/lib"
)

// LimitID names one of a connection's run-time limits. Each limit can be
// lowered below its compile-time maximum (https://sqlite.org/limits.html),
// for instance to run untrusted SQL safely.
//
// https://sqlite.org/c3ref/c_limit_attached.html
type LimitID int

// Run-time limit categories.
const (
	// LimitLength: the largest string, blob or row, in bytes. Going over it
	// fails with ErrTooBig.
	LimitLength LimitID = lib.SQLITE_LIMIT_LENGTH
	// LimitSQLLength: the longest SQL statement, in bytes.
	LimitSQLLength LimitID = lib.SQLITE_LIMIT_SQL_LENGTH
	// LimitColumn: the most columns in a table, index, result set, ORDER BY
	// or GROUP BY.
	LimitColumn LimitID = lib.SQLITE_LIMIT_COLUMN
	// LimitExprDepth: the deepest expression parse tree.
	LimitExprDepth LimitID = lib.SQLITE_LIMIT_EXPR_DEPTH
	// LimitCompoundSelect: the most terms in a compound SELECT.
	LimitCompoundSelect LimitID = lib.SQLITE_LIMIT_COMPOUND_SELECT
	// LimitVDBEOp: the most virtual machine instructions in one statement.
	LimitVDBEOp LimitID = lib.SQLITE_LIMIT_VDBE_OP
	// LimitFunctionArg: the most arguments to a function.
	LimitFunctionArg LimitID = lib.SQLITE_LIMIT_FUNCTION_ARG
	// LimitAttached: the most attached databases.
	LimitAttached LimitID = lib.SQLITE_LIMIT_ATTACHED
	// LimitLikePatternLength: the longest LIKE or GLOB pattern.
	LimitLikePatternLength LimitID = lib.SQLITE_LIMIT_LIKE_PATTERN_LENGTH
	// LimitVariableNumber: the largest parameter index in a statement.
	LimitVariableNumber LimitID = lib.SQLITE_LIMIT_VARIABLE_NUMBER
	// LimitTriggerDepth: the deepest recursion of triggers.
	LimitTriggerDepth LimitID = lib.SQLITE_LIMIT_TRIGGER_DEPTH
	// LimitWorkerThreads: the most auxiliary threads one statement may use.
	LimitWorkerThreads LimitID = lib.SQLITE_LIMIT_WORKER_THREADS
	// LimitParserDepth: the deepest nesting of the SQL parser (parentheses,
	// subqueries); going over it fails with "Recursion limit".
	LimitParserDepth LimitID = lib.SQLITE_LIMIT_PARSER_DEPTH
	// LimitSchema: the most objects (tables, indexes, views, triggers) in a
	// database schema.
	LimitSchema LimitID = lib.SQLITE_LIMIT_SCHEMA
	// LimitTriggerSteps: the most steps in one trigger program.
	LimitTriggerSteps LimitID = lib.SQLITE_LIMIT_TRIGGER_STEPS
)

// Limit sets the limit id to newVal and returns its previous value. A
// negative newVal changes nothing, so Limit(id, -1) reads the limit. Values
// above the compile-time maximum are lowered to it, and LimitLength cannot
// go below 30.
//
// Limit returns -1 for an unknown id or a closed connection.
//
// https://sqlite.org/c3ref/limit.html
func (c *Conn) Limit(id LimitID, newVal int) (old int) {
	if c.db == 0 {
		return -1
	}
	if newVal < 0 {
		newVal = -1
	} else if newVal > math.MaxInt32 {
		newVal = math.MaxInt32
	}
	return int(lib.Xsqlite3_limit(c.tls, c.db, int32(id), int32(newVal)))
}
