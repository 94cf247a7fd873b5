package tour

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "groupcommit", Title: "Group commit", Order: 230, Run: groupCommit})
}

// groupCommit shows writes queued together sharing one transaction, each
// in its own savepoint: one COMMIT (one fsync) for all of them, a failing
// write rolled back alone, and nobody told "done" before the COMMIT.
func groupCommit(ctx context.Context, t *T) error {
	// Writes join a group while it is younger than MaxBatchDelay (5ms by
	// default); a long delay here makes the demonstration deterministic.
	db, err := asqlite.Open(ctx, filepath.Join(t.Dir(), "group.db"), &asqlite.Options{MaxBatchDelay: time.Minute})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE TABLE tags(name TEXT PRIMARY KEY)"); err != nil {
		return err
	}

	// While the writer is busy, ten writes queue up; one of them repeats a
	// name and will fail.
	release, held := dbHoldWriter(ctx, db)
	names := []string{"go", "sql", "wal", "fsync", "go", "queue", "batch", "savepoint", "commit", "reader"}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { _, errs[i] = db.Exec(ctx, "INSERT INTO tags VALUES (?)", name) })
		dbWaitFor(func() bool { return db.Stats().QueueDepth == i+1 }) // keep them in order
	}
	before := db.Stats()
	release()
	wg.Wait()
	if err := <-held; err != nil {
		return err
	}
	after := db.Stats()
	for i, err := range errs {
		if err != nil {
			t.Printf("write %d (%q) failed alone: %v\n", i+1, names[i], err)
		}
	}
	n, err := dbQueryInt(ctx, db, "SELECT count(*) FROM tags")
	if err != nil {
		return err
	}
	t.Printf("11 writes (the busy one and 10 queued) made %d commit; the largest batch held %d writes; %d tags\n",
		after.Commits-before.Commits, after.MaxBatch, n)

	// If the shared COMMIT fails, nothing of the group was applied: each
	// write is run again in a transaction of its own. A commit hook that
	// vetoes one commit shows it.
	var veto atomic.Bool
	err = db.Register(ctx, func(c *sqlite.Conn) error {
		c.AddCommitHook(func() bool { return veto.CompareAndSwap(true, false) })
		return nil
	})
	if err != nil {
		return err
	}
	release, held = dbHoldWriter(ctx, db)
	for i := range 5 {
		wg.Go(func() { _, errs[i] = db.Exec(ctx, "INSERT INTO tags VALUES (?)", fmt.Sprint("retry ", i)) })
	}
	dbWaitFor(func() bool { return db.Stats().QueueDepth == 5 })
	veto.Store(true)
	release()
	wg.Wait()
	if err := <-held; err != nil {
		return err
	}
	failed := 0
	for _, err := range errs[:5] {
		if err != nil {
			failed++
		}
	}
	n, err = dbQueryInt(ctx, db, "SELECT count(*) FROM tags WHERE name LIKE 'retry %'")
	if err != nil {
		return err
	}
	st := db.Stats()
	t.Printf("vetoed group COMMIT: %d failed groups, %d writes redone, %d errors, %d rows (each applied once)\n",
		st.GroupFailures, st.Redone, failed, n)

	// What grouping buys: 1000 concurrent writers, with every commit
	// synced to disk (synchronous=FULL).
	for _, off := range []bool{false, true} {
		if err := groupTiming(ctx, t, off); err != nil {
			return err
		}
	}
	return nil
}

// groupTiming times 1000 concurrent inserts with group commit on or off.
func groupTiming(ctx context.Context, t *T, off bool) error {
	name := fmt.Sprintf("timing-%v.db", off)
	db, err := asqlite.Open(ctx, filepath.Join(t.Dir(), name), &asqlite.Options{Synchronous: sqlite.SyncFull, DisableGroupCommit: off})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE TABLE t(x)"); err != nil {
		return err
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	start := time.Now()
	for i := range 1000 {
		wg.Go(func() {
			if _, err := db.Exec(ctx, "INSERT INTO t VALUES (?)", i); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	mode := "on "
	if off {
		mode = "off"
	}
	t.Printf("group commit %s: 1000 writes in %s (%.0f ops/s), %d errors\n", mode, Seconds(d), 1000/d.Seconds(), failed.Load())
	return nil
}
