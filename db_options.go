package asqlite

import (
	"runtime"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// Options configure a DB. The zero value (and a nil *Options) gives the
// defaults listed with each field; every field can be changed.
type Options struct {
	// Readers is the number of read-only connections in the reader pool.
	// Default: the larger of 4 and GOMAXPROCS.
	Readers int

	// ReadOnly opens the database without a writer: every write fails with
	// ErrReadOnly. A database the process may not write (file permissions,
	// "file:x.db?mode=ro", "?immutable=1") is opened read-only even when
	// ReadOnly is false.
	ReadOnly bool

	// Synchronous is the writer's PRAGMA synchronous. Default (zero):
	// [sqlite.SyncNormal], which in WAL mode never corrupts the database and
	// may lose the last commits on power loss (not on a process crash);
	// [sqlite.SyncFull] makes every acknowledged commit durable.
	// https://sqlite.org/pragma.html#pragma_synchronous
	Synchronous sqlite.SyncMode

	// BusyTimeout bounds how long a connection waits for a lock held by
	// another process (or, for the writer, by readers during a checkpoint).
	// The wait also ends when the call's context ends. Default: 5s.
	// https://sqlite.org/c3ref/busy_timeout.html
	BusyTimeout time.Duration

	// JournalSizeLimit is the PRAGMA journal_size_limit in bytes: the WAL
	// file is truncated to at most this size when it is reset. Default:
	// 64 MiB; negative means no limit.
	// https://sqlite.org/pragma.html#pragma_journal_size_limit
	JournalSizeLimit int64

	// StatementCache is how many prepared statements each connection keeps.
	// Default: 64; negative disables the cache.
	StatementCache int

	// DisableForeignKeys leaves foreign key enforcement off (it is on by
	// default). https://sqlite.org/foreignkeys.html
	DisableForeignKeys bool

	// QueueSize bounds the number of writes waiting for the writer.
	// Default: 1024.
	QueueSize int

	// FailWhenQueueFull makes a write fail at once with ErrQueueFull when
	// the queue is full. By default the caller waits for room (or for its
	// context to end).
	FailWhenQueueFull bool

	// DisableGroupCommit runs every write in its own transaction. By
	// default, writes queued together share one transaction (see DB).
	DisableGroupCommit bool

	// MaxBatch bounds how many writes share one group transaction.
	// Default: 128.
	MaxBatch int

	// MaxBatchDelay bounds how long a group transaction keeps taking new
	// writes: once it has been open this long, it commits after the write
	// that is running. Default: 5ms.
	MaxBatchDelay time.Duration

	// ReadTimeLimit is the default time limit of a read: it runs as if its
	// context had a deadline this far in the future (an earlier deadline
	// of the caller's context wins). Default: 1s; negative means none.
	// ReadOptions.TimeLimit overrides it per call.
	ReadTimeLimit time.Duration

	// MaxRows is the default row cap of QueryRows (0: no cap).
	// ReadOptions.MaxRows overrides it per call.
	MaxRows int

	// CheckpointPages is how many pages the WAL grows by between two
	// PASSIVE checkpoints of the writer, which copy what readers no longer
	// need back into the database (SQLite's wal_autocheckpoint, which the
	// writer replaces). Default: 1000.
	// https://sqlite.org/wal.html#automatic_checkpoint
	CheckpointPages int

	// WALRestartPages is the size of the WAL, in pages, above which the
	// writer runs a RESTART checkpoint after a commit: it waits (up to
	// CheckpointBusyTimeout) for the readers still using old snapshots and
	// makes the next write start the WAL over, so that a steady stream of
	// overlapping reads cannot make it grow forever. Default: 4000 pages
	// (16 MB with 4 KiB pages).
	// https://sqlite.org/wal.html#avoiding_excessively_large_wal_files
	WALRestartPages int

	// CheckpointBusyTimeout bounds how long a RESTART checkpoint waits for
	// readers; the writer takes no write meanwhile. Default: 100ms.
	CheckpointBusyTimeout time.Duration

	// DisableOptimizeOnClose skips PRAGMA optimize when the DB closes.
	// https://sqlite.org/pragma.html#pragma_optimize
	DisableOptimizeOnClose bool

	// ConnectHook, when set, runs on every connection the DB opens — the
	// writer, each reader, each isolated-write connection — after the
	// DB's own settings and before the connection is used. readOnly tells
	// a reader from a writing connection. An error fails Open (or the
	// isolated write). DB.Register adds work of this kind after Open.
	ConnectHook func(c *sqlite.Conn, readOnly bool) error
}

// withDefaults returns a copy of o (nil allowed) with zero fields set to
// their defaults.
func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Readers <= 0 {
		r.Readers = max(4, runtime.GOMAXPROCS(0))
	}
	if r.Synchronous == 0 {
		r.Synchronous = sqlite.SyncNormal
	}
	if r.BusyTimeout <= 0 {
		r.BusyTimeout = 5 * time.Second
	}
	if r.JournalSizeLimit == 0 {
		r.JournalSizeLimit = 64 << 20
	}
	if r.StatementCache == 0 {
		r.StatementCache = 64
	}
	if r.QueueSize <= 0 {
		r.QueueSize = 1024
	}
	if r.MaxBatch <= 0 {
		r.MaxBatch = 128
	}
	if r.MaxBatchDelay <= 0 {
		r.MaxBatchDelay = 5 * time.Millisecond
	}
	if r.ReadTimeLimit == 0 {
		r.ReadTimeLimit = time.Second
	}
	if r.CheckpointPages <= 0 {
		r.CheckpointPages = 1000
	}
	if r.WALRestartPages <= 0 {
		r.WALRestartPages = 4000
	}
	if r.CheckpointBusyTimeout <= 0 {
		r.CheckpointBusyTimeout = 100 * time.Millisecond
	}
	return r
}

// ReadOptions change the limits of reads made through [DB.Reader].
type ReadOptions struct {
	// TimeLimit replaces Options.ReadTimeLimit: 0 keeps the DB's default,
	// negative means no limit.
	TimeLimit time.Duration
	// MaxRows replaces Options.MaxRows for QueryRows: 0 keeps the DB's
	// default, negative means no cap.
	MaxRows int
}

// WriteOptions change how writes made through [DB.Writer] run.
type WriteOptions struct {
	// NoTransaction runs the write outside any transaction the DB opens:
	// each of its statements commits by itself, unless the write opens a
	// transaction of its own (BEGIN ... COMMIT). Use it for statements
	// that cannot run in a transaction (VACUUM, PRAGMA journal_mode) or
	// for scripts that manage their own. Such a write never shares a
	// group transaction.
	NoTransaction bool

	// Isolated runs the write on a fresh connection opened for it and
	// closed after it, with the DB's settings, ConnectHook and
	// registrations applied, so nothing it changes on its connection
	// (ATTACH, PRAGMAs, temp tables) outlives it. It is still serialized
	// with the other writes and never shares a group transaction.
	Isolated bool
}
