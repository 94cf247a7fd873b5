package cluster

import "sync/atomic"

// Stats are counters of a DB's writer since Open.
type Stats struct {
	// Writes and Groups count the writes committed and the group
	// transactions that carried them.
	Writes, Groups int64
	// Reconnects counts the connections made to a (new) leader after the
	// first one.
	Reconnects int64
	// Retries counts group attempts made again after a lost leader or a
	// lock held by another client.
	Retries int64
	// OutcomeChecks counts COMMITs whose outcome was unknown and that the
	// writer looked up on the new leader; FoundCommitted those it found
	// committed (their writes were not run again).
	OutcomeChecks, FoundCommitted int64
}

type counters struct {
	writes, groups, reconnects, retries, checks, found atomic.Int64
}

// Stats returns the DB's counters.
func (db *DB) Stats() Stats {
	c := &db.w.stats
	return Stats{
		Writes: c.writes.Load(), Groups: c.groups.Load(), Reconnects: c.reconnects.Load(),
		Retries: c.retries.Load(), OutcomeChecks: c.checks.Load(), FoundCommitted: c.found.Load(),
	}
}
