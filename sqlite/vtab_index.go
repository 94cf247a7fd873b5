package sqlite

import (
	"math"
	"reflect"
	"strconv"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// IndexInfo is the conversation between SQLite's query planner and
// VTab.BestIndex (https://sqlite.org/c3ref/index_info.html).
//
// SQLite fills the inputs (Constraints with their Column, Op and Usable
// fields, OrderBy, ColUsed) and calls BestIndex once per candidate plan.
// BestIndex answers through the outputs: for each constraint it will use,
// ArgvIndex (its position, from 1, in the args of VTabCursor.Filter) and
// Omit; then IdxNum and IdxStr (handed back to Filter to say which plan was
// chosen), OrderByConsumed, EstimatedCost, EstimatedRows and IdxFlags.
//
// The methods (IsIn, HandleIn, RHSValue, Collation, Distinct) ask SQLite
// more about the query; they work only during BestIndex. An IndexInfo must
// not be kept after BestIndex returns.
type IndexInfo struct {
	// Constraints are the WHERE terms (and LIMIT/OFFSET) that involve the
	// table. Only Usable ones may be given an ArgvIndex.
	Constraints []IndexConstraint
	// OrderBy are the terms of the ORDER BY clause, when every one of
	// them is a column of this table.
	OrderBy []IndexOrderBy
	// ColUsed has bit i set when the statement reads column i; bit 63
	// stands for column 63 and all above it.
	ColUsed uint64

	// IdxNum and IdxStr identify the chosen plan to Filter.
	IdxNum int
	IdxStr string
	// OrderByConsumed promises that the cursor returns rows in the order
	// of OrderBy, so SQLite does not sort them.
	OrderByConsumed bool
	// EstimatedCost is the cost of the plan (in disk accesses, roughly):
	// SQLite picks the cheapest plan. EstimatedRows is the number of rows
	// expected. Both start at SQLite's defaults.
	EstimatedCost float64
	EstimatedRows int64
	// IdxFlags describe the scan, such as IndexScanUnique.
	IdxFlags IndexFlags

	// live points to the sqlite3_index_info while BestIndex runs; shared by
	// copies of the IndexInfo, so that none outlives the call.
	live *indexInfoRef
}

type indexInfoRef struct {
	tls *libc.TLS
	p   uintptr
}

// ref returns the live sqlite3_index_info and its constraint count check,
// or false after BestIndex returned.
func (info *IndexInfo) ref(i int) (*indexInfoRef, bool) {
	r := info.live
	if r == nil || r.p == 0 || i < 0 || i >= len(info.Constraints) {
		return nil, false
	}
	return r, true
}

// IndexConstraint is one term of IndexInfo.Constraints.
type IndexConstraint struct {
	// Column is the constrained column (-1 for the rowid); meaningless
	// for ConstraintLimit and ConstraintOffset.
	Column int
	// Op is the operator: Column Op value.
	Op ConstraintOp
	// Usable is false when the right-hand value is not available in this
	// plan (it comes from a table joined later).
	Usable bool

	// ArgvIndex, when > 0, asks for the right-hand value as
	// args[ArgvIndex-1] of Filter. The used indexes must be 1..n without
	// gaps.
	ArgvIndex int
	// Omit promises that the cursor only returns rows satisfying the
	// constraint, so SQLite need not check it again.
	Omit bool
}

// IndexOrderBy is one term of IndexInfo.OrderBy.
type IndexOrderBy struct {
	Column int
	Desc   bool
}

// ConstraintOp is the operator of an IndexConstraint
// (https://sqlite.org/c3ref/c_index_constraint_eq.html). IN (...) terms
// arrive as ConstraintEQ (see IndexInfo.HandleIn).
type ConstraintOp int

// Constraint operators.
const (
	ConstraintEQ        ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_EQ
	ConstraintGT        ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_GT
	ConstraintLE        ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_LE
	ConstraintLT        ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_LT
	ConstraintGE        ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_GE
	ConstraintMatch     ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_MATCH
	ConstraintLike      ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_LIKE
	ConstraintGlob      ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_GLOB
	ConstraintRegexp    ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_REGEXP
	ConstraintNE        ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_NE
	ConstraintIsNot     ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_ISNOT
	ConstraintIsNotNull ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_ISNOTNULL
	ConstraintIsNull    ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_ISNULL
	ConstraintIs        ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_IS
	// ConstraintLimit and ConstraintOffset carry the statement's LIMIT and
	// OFFSET when SQLite can leave them to the table (a query on this table
	// alone, with no sorting left to do). The table must then apply them
	// itself if it takes them (ArgvIndex > 0).
	ConstraintLimit  ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_LIMIT
	ConstraintOffset ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_OFFSET
	// ConstraintFunction is the first operator an OverloadVTab may assign
	// to an overloaded function; operators up to 255 are available.
	ConstraintFunction ConstraintOp = lib.SQLITE_INDEX_CONSTRAINT_FUNCTION
)

var constraintOpNames = map[ConstraintOp]string{
	ConstraintEQ: "=", ConstraintGT: ">", ConstraintLE: "<=", ConstraintLT: "<", ConstraintGE: ">=",
	ConstraintMatch: "MATCH", ConstraintLike: "LIKE", ConstraintGlob: "GLOB", ConstraintRegexp: "REGEXP",
	ConstraintNE: "!=", ConstraintIsNot: "IS NOT", ConstraintIsNotNull: "IS NOT NULL",
	ConstraintIsNull: "IS NULL", ConstraintIs: "IS", ConstraintLimit: "LIMIT", ConstraintOffset: "OFFSET",
}

// String returns the operator as SQL ("=", "LIKE", "IS NOT NULL", "LIMIT",
// ...), or "FUNCTION+n" for an overloaded function's operator.
func (op ConstraintOp) String() string {
	if s, ok := constraintOpNames[op]; ok {
		return s
	}
	if op >= ConstraintFunction {
		return "FUNCTION+" + strconv.Itoa(int(op-ConstraintFunction))
	}
	return "ConstraintOp(" + strconv.Itoa(int(op)) + ")"
}

// IndexFlags describe a scan (https://sqlite.org/c3ref/c_index_scan_hex.html).
type IndexFlags int

const (
	// IndexScanUnique says the scan visits at most one row, which lets
	// SQLite skip some work (notably for an UPDATE or DELETE on the table).
	IndexScanUnique IndexFlags = lib.SQLITE_INDEX_SCAN_UNIQUE
	// IndexScanHex makes EXPLAIN QUERY PLAN show IdxNum in hexadecimal.
	IndexScanHex IndexFlags = lib.SQLITE_INDEX_SCAN_HEX
)

// ColumnUsed reports whether the statement reads column i (per ColUsed).
func (info *IndexInfo) ColumnUsed(i int) bool {
	if i < 0 {
		return false
	}
	return info.ColUsed&(1<<min(i, 63)) != 0
}

// IsIn reports whether constraint i is an IN (...) term whose values Filter
// could receive all at once (see HandleIn).
//
// https://sqlite.org/c3ref/vtab_in.html
func (info *IndexInfo) IsIn(i int) bool {
	r, ok := info.ref(i)
	if !ok {
		return false
	}
	return lib.Xsqlite3_vtab_in(r.tls, r.p, int32(i), -1) != 0
}

// HandleIn chooses how Filter receives the values of the IN (...)
// constraint i: with all true, Filter is called once with a single
// argument standing for the whole list, read with Value.InValues; with all
// false (the default), Filter is called once per value. It reports whether
// constraint i is such an IN term; the choice takes effect only if the
// constraint also gets an ArgvIndex.
//
// https://sqlite.org/c3ref/vtab_in.html
func (info *IndexInfo) HandleIn(i int, all bool) bool {
	r, ok := info.ref(i)
	if !ok {
		return false
	}
	var b int32
	if all {
		b = 1
	}
	return lib.Xsqlite3_vtab_in(r.tls, r.p, int32(i), b) != 0
}

// RHSValue returns the right-hand value of constraint i when SQLite knows
// it while planning (a literal or a bound parameter), and false otherwise.
// The Value is valid only during BestIndex.
//
// https://sqlite.org/c3ref/vtab_rhs_value.html
func (info *IndexInfo) RHSValue(i int) (Value, bool) {
	r, ok := info.ref(i)
	if !ok {
		return Value{}, false
	}
	out := r.tls.Alloc(8)
	defer r.tls.Free(8)
	writePtr(out, 0)
	if lib.Xsqlite3_vtab_rhs_value(r.tls, r.p, int32(i), out) != lib.SQLITE_OK {
		return Value{}, false
	}
	p := readPtr(out)
	return Value{tls: r.tls, p: p}, p != 0
}

// Collation returns the name of the collating sequence constraint i
// compares with, such as "BINARY" or "NOCASE".
//
// https://sqlite.org/c3ref/vtab_collation.html
func (info *IndexInfo) Collation(i int) string {
	r, ok := info.ref(i)
	if !ok {
		return ""
	}
	return gostring(lib.Xsqlite3_vtab_collation(r.tls, r.p, int32(i)))
}

// Distinct tells how the statement uses the rows, which may let the table
// take shortcuts when OrderByConsumed is set:
//
//	0: rows must come in OrderBy order (no DISTINCT)
//	1: rows with equal OrderBy columns must be adjacent, in any order (GROUP BY)
//	2: rows may come in any order and duplicates (over the used columns) may be dropped (DISTINCT)
//	3: like 2, but in OrderBy order (DISTINCT with ORDER BY)
//
// https://sqlite.org/c3ref/vtab_distinct.html
func (info *IndexInfo) Distinct() int {
	r := info.live
	if r == nil || r.p == 0 {
		return 0
	}
	return int(lib.Xsqlite3_vtab_distinct(r.tls, r.p))
}

var (
	sizeofIndexConstraint      = reflect.TypeFor[lib.Tsqlite3_index_constraint]().Size()
	sizeofIndexConstraintUsage = reflect.TypeFor[lib.Tsqlite3_index_constraint_usage]().Size()
	sizeofIndexOrderBy         = reflect.TypeFor[lib.Tsqlite3_index_orderby]().Size()
)

// readIndexInfo fills info from the sqlite3_index_info at p.
func readIndexInfo(tls *libc.TLS, p uintptr, info *IndexInfo) {
	ii := (*lib.Tsqlite3_index_info)(cptr(p))
	info.live = &indexInfoRef{tls: tls, p: p}
	info.Constraints = make([]IndexConstraint, ii.FnConstraint)
	for i := range info.Constraints {
		c := (*lib.Tsqlite3_index_constraint)(cptr(ii.FaConstraint + uintptr(i)*sizeofIndexConstraint))
		info.Constraints[i] = IndexConstraint{Column: int(c.FiColumn), Op: ConstraintOp(c.Fop), Usable: c.Fusable != 0}
	}
	info.OrderBy = make([]IndexOrderBy, ii.FnOrderBy)
	for i := range info.OrderBy {
		o := (*lib.Tsqlite3_index_orderby)(cptr(ii.FaOrderBy + uintptr(i)*sizeofIndexOrderBy))
		info.OrderBy[i] = IndexOrderBy{Column: int(o.FiColumn), Desc: o.Fdesc != 0}
	}
	info.ColUsed = ii.FcolUsed
	info.IdxNum = int(ii.FidxNum)
	info.EstimatedCost = ii.FestimatedCost
	info.EstimatedRows = ii.FestimatedRows
	info.IdxFlags = IndexFlags(ii.FidxFlags)
}

// writeIndexInfo stores the outputs of info into the sqlite3_index_info.
func writeIndexInfo(tls *libc.TLS, info *IndexInfo) error {
	ii := (*lib.Tsqlite3_index_info)(cptr(info.live.p))
	if len(info.Constraints) != int(ii.FnConstraint) {
		return Errorf(ErrMisuse, "BestIndex changed the number of constraints from %d to %d", ii.FnConstraint, len(info.Constraints))
	}
	if info.IdxNum < math.MinInt32 || info.IdxNum > math.MaxInt32 {
		return Errorf(ErrRange, "BestIndex set IdxNum %d, out of the 32-bit range", info.IdxNum)
	}
	for i, c := range info.Constraints {
		if c.ArgvIndex < 0 || c.ArgvIndex > len(info.Constraints) {
			return Errorf(ErrRange, "BestIndex set ArgvIndex %d on constraint %d of %d", c.ArgvIndex, i, len(info.Constraints))
		}
		if c.ArgvIndex > 0 && !c.Usable {
			return Errorf(ErrMisuse, "BestIndex set ArgvIndex on unusable constraint %d (%s on column %d)", i, c.Op, c.Column)
		}
	}
	for i, c := range info.Constraints {
		u := (*lib.Tsqlite3_index_constraint_usage)(cptr(ii.FaConstraintUsage + uintptr(i)*sizeofIndexConstraintUsage))
		u.FargvIndex = int32(c.ArgvIndex)
		u.Fomit = 0
		if c.Omit {
			u.Fomit = 1
		}
	}
	ii.FidxNum = int32(info.IdxNum)
	if info.IdxStr != "" {
		z := cstring(tls, info.IdxStr)
		if z == 0 {
			return Errorf(ErrNoMem, "out of memory storing IdxStr")
		}
		ii.FidxStr = z
		ii.FneedToFreeIdxStr = 1
	}
	ii.ForderByConsumed = 0
	if info.OrderByConsumed {
		ii.ForderByConsumed = 1
	}
	ii.FestimatedCost = info.EstimatedCost
	ii.FestimatedRows = info.EstimatedRows
	ii.FidxFlags = int32(info.IdxFlags)
	return nil
}
