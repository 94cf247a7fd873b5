package sqlite

import (
	"strconv"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// StmtStatusOp selects a counter of a prepared statement
// (https://sqlite.org/c3ref/c_stmtstatus_counter.html).
type StmtStatusOp int

// Statement counters. Except StmtStatusMemUsed, they count from the
// statement's preparation (or their last reset), across all its runs.
const (
	// StmtStatusFullScanStep counts forward steps of full table scans;
	// large values suggest a missing index.
	StmtStatusFullScanStep StmtStatusOp = lib.SQLITE_STMTSTATUS_FULLSCAN_STEP
	// StmtStatusSort counts sort operations.
	StmtStatusSort StmtStatusOp = lib.SQLITE_STMTSTATUS_SORT
	// StmtStatusAutoIndex counts rows inserted into automatic indexes.
	StmtStatusAutoIndex StmtStatusOp = lib.SQLITE_STMTSTATUS_AUTOINDEX
	// StmtStatusVMStep counts virtual machine operations.
	StmtStatusVMStep StmtStatusOp = lib.SQLITE_STMTSTATUS_VM_STEP
	// StmtStatusReprepare counts automatic re-preparations after schema
	// changes.
	StmtStatusReprepare StmtStatusOp = lib.SQLITE_STMTSTATUS_REPREPARE
	// StmtStatusRun counts runs: one or more Steps followed by a Reset.
	StmtStatusRun StmtStatusOp = lib.SQLITE_STMTSTATUS_RUN
	// StmtStatusFilterMiss and StmtStatusFilterHit count Bloom filter
	// checks that found the row absent or possibly present.
	StmtStatusFilterMiss StmtStatusOp = lib.SQLITE_STMTSTATUS_FILTER_MISS
	StmtStatusFilterHit  StmtStatusOp = lib.SQLITE_STMTSTATUS_FILTER_HIT
	// StmtStatusMemUsed is the memory in bytes the statement uses now;
	// reset does not apply to it.
	StmtStatusMemUsed StmtStatusOp = lib.SQLITE_STMTSTATUS_MEMUSED
)

// String returns the counter's C name, such as "SQLITE_STMTSTATUS_VM_STEP".
func (op StmtStatusOp) String() string {
	switch op {
	case StmtStatusFullScanStep:
		return "SQLITE_STMTSTATUS_FULLSCAN_STEP"
	case StmtStatusSort:
		return "SQLITE_STMTSTATUS_SORT"
	case StmtStatusAutoIndex:
		return "SQLITE_STMTSTATUS_AUTOINDEX"
	case StmtStatusVMStep:
		return "SQLITE_STMTSTATUS_VM_STEP"
	case StmtStatusReprepare:
		return "SQLITE_STMTSTATUS_REPREPARE"
	case StmtStatusRun:
		return "SQLITE_STMTSTATUS_RUN"
	case StmtStatusFilterMiss:
		return "SQLITE_STMTSTATUS_FILTER_MISS"
	case StmtStatusFilterHit:
		return "SQLITE_STMTSTATUS_FILTER_HIT"
	case StmtStatusMemUsed:
		return "SQLITE_STMTSTATUS_MEMUSED"
	}
	return "StmtStatusOp(" + strconv.Itoa(int(op)) + ")"
}

// Status returns the statement counter op, and sets it to zero if reset is
// true. A closed statement, or an unknown op, reads 0.
//
// https://sqlite.org/c3ref/stmt_status.html
func (s *Stmt) Status(op StmtStatusOp, reset bool) int {
	if s == nil || s.p == 0 {
		return 0
	}
	return stmtStatus(s.c.tls, s.p, op, reset)
}

func stmtStatus(tls *libc.TLS, p uintptr, op StmtStatusOp, reset bool) int {
	r := int32(0)
	if reset {
		r = 1
	}
	return int(lib.Xsqlite3_stmt_status(tls, p, int32(op), r))
}

// StmtCounters holds all counters of a statement at one moment. Counters
// accumulate over the statement's runs: subtract a snapshot taken before a
// run from one taken after it (Sub) to get that run's counts.
type StmtCounters struct {
	FullScanSteps int // StmtStatusFullScanStep
	Sorts         int // StmtStatusSort
	AutoIndexRows int // StmtStatusAutoIndex
	VMSteps       int // StmtStatusVMStep
	Reprepares    int // StmtStatusReprepare
	Runs          int // StmtStatusRun
	FilterMisses  int // StmtStatusFilterMiss
	FilterHits    int // StmtStatusFilterHit
	MemUsed       int // StmtStatusMemUsed, bytes in use (not a count)
}

// Counters returns all the statement's counters, without resetting them.
// A closed statement reads all zero.
func (s *Stmt) Counters() StmtCounters {
	if s == nil || s.p == 0 {
		return StmtCounters{}
	}
	return stmtCounters(s.c.tls, s.p)
}

func stmtCounters(tls *libc.TLS, p uintptr) StmtCounters {
	get := func(op StmtStatusOp) int { return stmtStatus(tls, p, op, false) }
	return StmtCounters{
		FullScanSteps: get(StmtStatusFullScanStep),
		Sorts:         get(StmtStatusSort),
		AutoIndexRows: get(StmtStatusAutoIndex),
		VMSteps:       get(StmtStatusVMStep),
		Reprepares:    get(StmtStatusReprepare),
		Runs:          get(StmtStatusRun),
		FilterMisses:  get(StmtStatusFilterMiss),
		FilterHits:    get(StmtStatusFilterHit),
		MemUsed:       get(StmtStatusMemUsed),
	}
}

// Sub returns the counts accumulated between snapshot b and a; MemUsed is
// a's (memory in use is a level, not a count).
func (a StmtCounters) Sub(b StmtCounters) StmtCounters {
	return StmtCounters{
		FullScanSteps: a.FullScanSteps - b.FullScanSteps,
		Sorts:         a.Sorts - b.Sorts,
		AutoIndexRows: a.AutoIndexRows - b.AutoIndexRows,
		VMSteps:       a.VMSteps - b.VMSteps,
		Reprepares:    a.Reprepares - b.Reprepares,
		Runs:          a.Runs - b.Runs,
		FilterMisses:  a.FilterMisses - b.FilterMisses,
		FilterHits:    a.FilterHits - b.FilterHits,
		MemUsed:       a.MemUsed,
	}
}

// Add returns the sum of a and b, MemUsed included; use it to total the
// counts of many statement runs.
func (a StmtCounters) Add(b StmtCounters) StmtCounters {
	return StmtCounters{
		FullScanSteps: a.FullScanSteps + b.FullScanSteps,
		Sorts:         a.Sorts + b.Sorts,
		AutoIndexRows: a.AutoIndexRows + b.AutoIndexRows,
		VMSteps:       a.VMSteps + b.VMSteps,
		Reprepares:    a.Reprepares + b.Reprepares,
		Runs:          a.Runs + b.Runs,
		FilterMisses:  a.FilterMisses + b.FilterMisses,
		FilterHits:    a.FilterHits + b.FilterHits,
		MemUsed:       a.MemUsed + b.MemUsed,
	}
}

// DBStatusOp selects a counter of a connection
// (https://sqlite.org/c3ref/c_dbstatus_options.html).
type DBStatusOp int

// Connection counters. Sizes are in bytes; "hiwtr" is the highest value
// seen, where SQLite tracks one.
const (
	// DBStatusLookasideUsed: lookaside slots in use (and their high water).
	DBStatusLookasideUsed DBStatusOp = lib.SQLITE_DBSTATUS_LOOKASIDE_USED
	// DBStatusCacheUsed: memory used by the page caches.
	DBStatusCacheUsed DBStatusOp = lib.SQLITE_DBSTATUS_CACHE_USED
	// DBStatusSchemaUsed: memory used by the schemas.
	DBStatusSchemaUsed DBStatusOp = lib.SQLITE_DBSTATUS_SCHEMA_USED
	// DBStatusStmtUsed: memory used by prepared statements.
	DBStatusStmtUsed DBStatusOp = lib.SQLITE_DBSTATUS_STMT_USED
	// DBStatusLookasideHit: allocations served from lookaside (hiwtr only).
	DBStatusLookasideHit DBStatusOp = lib.SQLITE_DBSTATUS_LOOKASIDE_HIT
	// DBStatusLookasideMissSize: allocations too big for lookaside (hiwtr only).
	DBStatusLookasideMissSize DBStatusOp = lib.SQLITE_DBSTATUS_LOOKASIDE_MISS_SIZE
	// DBStatusLookasideMissFull: allocations missed because lookaside was
	// full (hiwtr only).
	DBStatusLookasideMissFull DBStatusOp = lib.SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL
	// DBStatusCacheHit, DBStatusCacheMiss, DBStatusCacheWrite: page cache
	// hits, misses and pages written (cur only).
	DBStatusCacheHit   DBStatusOp = lib.SQLITE_DBSTATUS_CACHE_HIT
	DBStatusCacheMiss  DBStatusOp = lib.SQLITE_DBSTATUS_CACHE_MISS
	DBStatusCacheWrite DBStatusOp = lib.SQLITE_DBSTATUS_CACHE_WRITE
	// DBStatusDeferredFKs: cur is 1 if deferred foreign key constraints are
	// unresolved, 0 otherwise.
	DBStatusDeferredFKs DBStatusOp = lib.SQLITE_DBSTATUS_DEFERRED_FKS
	// DBStatusCacheUsedShared: like DBStatusCacheUsed, shared caches
	// divided between the connections sharing them.
	DBStatusCacheUsedShared DBStatusOp = lib.SQLITE_DBSTATUS_CACHE_USED_SHARED
	// DBStatusCacheSpill: dirty pages written in the middle of a
	// transaction because the cache was full (cur only).
	DBStatusCacheSpill DBStatusOp = lib.SQLITE_DBSTATUS_CACHE_SPILL
	// DBStatusTempBufSpill: bytes written to temporary files because
	// in-memory sort or temporary buffers overflowed (cur only).
	DBStatusTempBufSpill DBStatusOp = lib.SQLITE_DBSTATUS_TEMPBUF_SPILL
)

var dbStatusNames = [...]string{
	DBStatusLookasideUsed: "LOOKASIDE_USED", DBStatusCacheUsed: "CACHE_USED",
	DBStatusSchemaUsed: "SCHEMA_USED", DBStatusStmtUsed: "STMT_USED",
	DBStatusLookasideHit: "LOOKASIDE_HIT", DBStatusLookasideMissSize: "LOOKASIDE_MISS_SIZE",
	DBStatusLookasideMissFull: "LOOKASIDE_MISS_FULL", DBStatusCacheHit: "CACHE_HIT",
	DBStatusCacheMiss: "CACHE_MISS", DBStatusCacheWrite: "CACHE_WRITE",
	DBStatusDeferredFKs: "DEFERRED_FKS", DBStatusCacheUsedShared: "CACHE_USED_SHARED",
	DBStatusCacheSpill: "CACHE_SPILL", DBStatusTempBufSpill: "TEMPBUF_SPILL",
}

// DBStatusOps lists every connection counter, in numeric order.
var DBStatusOps = []DBStatusOp{
	DBStatusLookasideUsed, DBStatusCacheUsed, DBStatusSchemaUsed, DBStatusStmtUsed,
	DBStatusLookasideHit, DBStatusLookasideMissSize, DBStatusLookasideMissFull,
	DBStatusCacheHit, DBStatusCacheMiss, DBStatusCacheWrite, DBStatusDeferredFKs,
	DBStatusCacheUsedShared, DBStatusCacheSpill, DBStatusTempBufSpill,
}

// String returns the counter's C name, such as "SQLITE_DBSTATUS_CACHE_HIT".
func (op DBStatusOp) String() string {
	if op >= 0 && int(op) < len(dbStatusNames) {
		return "SQLITE_DBSTATUS_" + dbStatusNames[op]
	}
	return "DBStatusOp(" + strconv.Itoa(int(op)) + ")"
}

// Status returns the current and highest values of the connection counter
// op. If reset is true the highest value is brought down to the current
// one, and the counters that count events (hits, misses, writes, spills)
// restart from zero. It fails with ErrMisuse on a closed connection and
// ErrError for an unknown op.
//
// https://sqlite.org/c3ref/db_status.html
func (c *Conn) Status(op DBStatusOp, reset bool) (cur, hiwtr int, err error) {
	if err := c.check(); err != nil {
		return 0, 0, err
	}
	p := c.tls.Alloc(8)
	defer c.tls.Free(8)
	r := int32(0)
	if reset {
		r = 1
	}
	writeInt32(p, 0)
	writeInt32(p+4, 0)
	if rc := lib.Xsqlite3_db_status(c.tls, c.db, int32(op), p, p+4, r); rc != lib.SQLITE_OK {
		return 0, 0, Errorf(ErrorCode(rc), "unknown connection status counter %d", int(op))
	}
	return int(readInt32(p)), int(readInt32(p + 4)), nil
}

// StatusOp selects a process-wide counter of the SQLite library
// (https://sqlite.org/c3ref/c_status_malloc_count.html).
type StatusOp int

// Library counters. This engine is built with memory statistics off
// (SQLITE_DEFAULT_MEMSTATUS=0), so the memory counters read zero.
const (
	// StatusMemoryUsed: bytes of memory allocated by SQLite.
	StatusMemoryUsed StatusOp = lib.SQLITE_STATUS_MEMORY_USED
	// StatusPageCacheUsed: pages used from the page cache buffer.
	StatusPageCacheUsed StatusOp = lib.SQLITE_STATUS_PAGECACHE_USED
	// StatusPageCacheOverflow: bytes of page cache allocated from the
	// heap because the page cache buffer was full or absent.
	StatusPageCacheOverflow StatusOp = lib.SQLITE_STATUS_PAGECACHE_OVERFLOW
	// StatusMallocSize: the largest allocation requested (hiwtr).
	StatusMallocSize StatusOp = lib.SQLITE_STATUS_MALLOC_SIZE
	// StatusParserStack: the deepest parser stack (hiwtr).
	StatusParserStack StatusOp = lib.SQLITE_STATUS_PARSER_STACK
	// StatusPageCacheSize: the largest page cache allocation (hiwtr).
	StatusPageCacheSize StatusOp = lib.SQLITE_STATUS_PAGECACHE_SIZE
	// StatusMallocCount: allocations outstanding.
	StatusMallocCount StatusOp = lib.SQLITE_STATUS_MALLOC_COUNT
)

// String returns the counter's C name, such as "SQLITE_STATUS_MEMORY_USED".
func (op StatusOp) String() string {
	switch op {
	case StatusMemoryUsed:
		return "SQLITE_STATUS_MEMORY_USED"
	case StatusPageCacheUsed:
		return "SQLITE_STATUS_PAGECACHE_USED"
	case StatusPageCacheOverflow:
		return "SQLITE_STATUS_PAGECACHE_OVERFLOW"
	case StatusMallocSize:
		return "SQLITE_STATUS_MALLOC_SIZE"
	case StatusParserStack:
		return "SQLITE_STATUS_PARSER_STACK"
	case StatusPageCacheSize:
		return "SQLITE_STATUS_PAGECACHE_SIZE"
	case StatusMallocCount:
		return "SQLITE_STATUS_MALLOC_COUNT"
	}
	return "StatusOp(" + strconv.Itoa(int(op)) + ")"
}

// GlobalStatus returns the current and highest values of the library
// counter op, shared by every connection in the process, and resets the
// highest value to the current one if reset is true. It is safe for
// concurrent use. An unknown op fails with ErrMisuse.
//
// https://sqlite.org/c3ref/status.html
func GlobalStatus(op StatusOp, reset bool) (cur, hiwtr int64, err error) {
	tls := libc.NewTLS()
	defer tls.Close()
	p := tls.Alloc(16)
	defer tls.Free(16)
	r := int32(0)
	if reset {
		r = 1
	}
	writeInt64(p, 0)
	writeInt64(p+8, 0)
	if rc := lib.Xsqlite3_status64(tls, int32(op), p, p+8, r); rc != lib.SQLITE_OK {
		return 0, 0, Errorf(ErrorCode(rc), "unknown status counter %d", int(op))
	}
	return readInt64(p), readInt64(p + 8), nil
}
