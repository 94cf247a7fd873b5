package tour

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asqlite/asqlite"
)

func init() {
	register(Section{Name: "breaktest", Title: "The break test", Order: 250, Run: breakTest})
}

// breakTest is the seed's test "very likely to break the database":
// many concurrent increments of the same row, which on a pool of
// connections fail with "database is locked" or lose updates. Through the
// DB's writer every one of them lands.
func breakTest(ctx context.Context, t *T) error {
	db, err := asqlite.Open(ctx, filepath.Join(t.Dir(), "stress_break_test.db"), nil)
	if err != nil {
		return err
	}
	defer db.Close()

	for _, numTasks := range []int{200, 10_000} {
		t.Println("Setting up test table...")
		err := db.ExecScript(ctx, `DROP TABLE IF EXISTS test;
			CREATE TABLE test (id INTEGER PRIMARY KEY, value INTEGER);
			INSERT INTO test (value) VALUES (0)`)
		if err != nil {
			return err
		}
		var wg sync.WaitGroup
		var ok, failed atomic.Int64
		start := time.Now()
		for range numTasks {
			wg.Go(func() {
				if _, err := db.Exec(ctx, "UPDATE test SET value = value + 1 WHERE id = 1"); err != nil {
					failed.Add(1)
					return
				}
				ok.Add(1)
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		final, err := dbQueryInt(ctx, db, "SELECT value FROM test WHERE id = 1")
		if err != nil {
			return err
		}
		t.Printf("%d tasks in %s: %d updates successful, %d failed\n", numTasks, Seconds(elapsed), ok.Load(), failed.Load())
		t.Printf("Final value in test table: %d (lost updates: %d)\n", final, ok.Load()-final)
	}
	return nil
}
