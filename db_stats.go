package asqlite

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a DB's activity since it opened; [DB.Stats] returns
// one. Counters are read one by one while the DB runs, so they may be
// slightly out of step with each other.
type Stats struct {
	// QueueDepth is the number of writes waiting in the queue now, and
	// QueueCapacity how many it holds (Options.QueueSize).
	QueueDepth, QueueCapacity int
	// QueueWaits counts writes that waited for room in a full queue;
	// QueueFull those that failed with ErrQueueFull instead.
	QueueWaits, QueueFull int64
	// QueueWait is the total time writes spent queued before the writer
	// took them, MaxQueueWait the longest.
	QueueWait, MaxQueueWait time.Duration
	// Abandoned counts writes whose context ended while they were queued.
	Abandoned int64

	// Writes counts the writes the writer answered, WriteErrors those it
	// answered with an error.
	Writes, WriteErrors int64
	// Commits counts committed write transactions, Rollbacks transactions
	// rolled back.
	Commits, Rollbacks int64
	// Batches counts committed transactions made by the queue (a group, or
	// a write alone), BatchedWrites the writes they committed, MaxBatch the
	// largest. BatchedWrites/Batches is the mean batch size.
	Batches, BatchedWrites int64
	MaxBatch               int
	// BatchSizes is a histogram of batch sizes: BatchSizes[i] counts the
	// batches of 2^i to 2^(i+1)-1 writes, the last bucket everything
	// larger.
	BatchSizes [8]int64
	// GroupFailures counts group transactions that failed as a whole, and
	// Redone the writes run again in transactions of their own after such
	// a failure.
	GroupFailures, Redone int64
	// Isolated counts writes run on a connection of their own.
	Isolated int64

	// Readers is the size of the reader pool, IdleReaders how many of its
	// connections are free now.
	Readers, IdleReaders int
	// Reads counts finished reads, ReadErrors those that failed,
	// TimeLimited those stopped by their time limit.
	Reads, ReadErrors, TimeLimited int64
	// ReadWaits counts reads that waited for a free reader, ReadWait the
	// total time they waited.
	ReadWaits int64
	ReadWait  time.Duration

	// Checkpoints counts the writer's successful checkpoints (PASSIVE,
	// RESTART and the final one), WALRestarts the RESTART ones,
	// CheckpointBusy the RESTART attempts that readers blocked, and
	// CheckpointErrors the failed ones. WALPages is the size of the WAL in
	// pages when last looked at.
	Checkpoints, WALRestarts, CheckpointBusy, CheckpointErrors int64
	WALPages                                                   int64
}

// dbCounters are the live counters behind Stats.
type dbCounters struct {
	queueWaitNs, maxQueueWaitNs      atomic.Int64
	writes, writeErrors              atomic.Int64
	commits, rollbacks               atomic.Int64
	batches, batchedWrites           atomic.Int64
	maxBatch                         atomic.Int64
	batchSizes                       [8]atomic.Int64
	groupFailures, redone, isolated  atomic.Int64
	reads, readErrors, timeLimited   atomic.Int64
	readWaits, readWaitNs            atomic.Int64
	checkpoints, walRestarts         atomic.Int64
	checkpointBusy, checkpointErrors atomic.Int64
	walPages                         atomic.Int64
}

// batchSize records a committed batch of n writes.
func (c *dbCounters) batchSize(n int) {
	c.batchedWrites.Add(int64(n))
	dbAtomicMax(&c.maxBatch, int64(n))
	i := min(bits.Len(uint(n))-1, len(c.batchSizes)-1)
	c.batchSizes[i].Add(1)
}

func dbAtomicMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// Stats returns a snapshot of the DB's counters. It is cheap and safe to
// call at any time, also after Close.
func (db *DB) Stats() Stats {
	c := &db.stats
	s := Stats{
		QueueWait:        time.Duration(c.queueWaitNs.Load()),
		MaxQueueWait:     time.Duration(c.maxQueueWaitNs.Load()),
		Writes:           c.writes.Load(),
		WriteErrors:      c.writeErrors.Load(),
		Commits:          c.commits.Load(),
		Rollbacks:        c.rollbacks.Load(),
		Batches:          c.batches.Load(),
		BatchedWrites:    c.batchedWrites.Load(),
		MaxBatch:         int(c.maxBatch.Load()),
		GroupFailures:    c.groupFailures.Load(),
		Redone:           c.redone.Load(),
		Isolated:         c.isolated.Load(),
		Readers:          len(db.all),
		IdleReaders:      len(db.readers),
		Reads:            c.reads.Load(),
		ReadErrors:       c.readErrors.Load(),
		TimeLimited:      c.timeLimited.Load(),
		ReadWaits:        c.readWaits.Load(),
		ReadWait:         time.Duration(c.readWaitNs.Load()),
		Checkpoints:      c.checkpoints.Load(),
		WALRestarts:      c.walRestarts.Load(),
		CheckpointBusy:   c.checkpointBusy.Load(),
		CheckpointErrors: c.checkpointErrors.Load(),
		WALPages:         c.walPages.Load(),
	}
	if q := db.w; q != nil {
		s.QueueDepth, s.QueueCapacity = q.q.Len(), db.opts.QueueSize
		s.QueueWaits, s.QueueFull, s.Abandoned = q.q.QueueWaits.Load(), q.q.QueueFull.Load(), q.q.Abandoned.Load()
	}
	for i := range s.BatchSizes {
		s.BatchSizes[i] = c.batchSizes[i].Load()
	}
	return s
}
