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
	register(Section{Name: "stresstest", Title: "The stress test", Order: 240, Run: stressTest})
}

// stressTest is the seed's stress test of a connection pool, on a DB: 300
// inserts, a read after every third one, and 300 more reads, all at once.
// The seed's Python version takes about 0.36s on this machine.
func stressTest(ctx context.Context, t *T) error {
	db, err := asqlite.Open(ctx, filepath.Join(t.Dir(), "stress_test.db"), nil)
	if err != nil {
		return err
	}
	defer db.Close()

	t.Println("Setting up test table...")
	err = db.ExecScript(ctx, `DROP TABLE IF EXISTS stress_table;
		CREATE TABLE stress_table (id INTEGER PRIMARY KEY, value TEXT)`)
	if err != nil {
		return err
	}
	insertTask := func(id int) error {
		_, err := db.Exec(ctx, "INSERT INTO stress_table (value) VALUES (?)", fmt.Sprintf("value_%d", id))
		return err
	}
	var maxSeen atomic.Int64
	readTask := func(id int) error {
		return db.Read(ctx, func(c *sqlite.Conn) error {
			n := dbCountOn(c, "SELECT COUNT(*) FROM stress_table")
			for old := maxSeen.Load(); n > old && !maxSeen.CompareAndSwap(old, n); old = maxSeen.Load() {
			}
			return nil
		})
	}

	const numInserts, numReads = 300, 300
	var wg sync.WaitGroup
	var failed atomic.Int64
	run := func(task func(int) error, id int) {
		wg.Go(func() {
			if err := task(id); err != nil {
				failed.Add(1)
			}
		})
	}
	start := time.Now()
	for i := range numInserts {
		run(insertTask, i)
		if i%3 == 0 {
			run(readTask, i)
		}
	}
	for i := range numReads {
		run(readTask, i+numInserts)
	}
	wg.Wait()
	t.Printf("Stress test completed in %s: 300 inserts, 400 reads, %d errors\n", Seconds(time.Since(start)), failed.Load())

	final, err := dbQueryInt(ctx, db, "SELECT COUNT(*) FROM stress_table")
	if err != nil {
		return err
	}
	t.Println("Expected inserted rows:", numInserts)
	t.Println("Final row count in stress_table:", final)
	t.Printf("No read saw more rows than were inserted: %v\n", maxSeen.Load() <= numInserts)
	return nil
}
