package tour

import (
	"context"
	"path/filepath"
	"sync"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "readers", Title: "The reader pool", Order: 210, Run: readerPool})
}

// readerPool shows the DB's readers: read-only connections in WAL mode,
// used on the calling goroutine, which never wait for the writer.
func readerPool(ctx context.Context, t *T) error {
	db, err := asqlite.Open(ctx, filepath.Join(t.Dir(), "pool.db"), &asqlite.Options{Readers: 4})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `CREATE TABLE cities(name TEXT PRIMARY KEY, population INTEGER);
		INSERT INTO cities VALUES ('Lagos', 15388000), ('Lima', 10151000), ('Oslo', 709000)`); err != nil {
		return err
	}

	// Keep a write transaction open on the writer: a write whose function
	// waits before it returns.
	inside, finish := make(chan struct{}), make(chan struct{})
	written := make(chan error, 1)
	go func() {
		written <- db.Write(ctx, func(c *sqlite.Conn) error {
			if err := c.Exec("INSERT INTO cities VALUES ('Quito', 2800000)"); err != nil {
				return err
			}
			close(inside)
			<-finish
			return nil
		})
	}()
	<-inside

	// Meanwhile four reads run at once, one on each reader, and see the
	// last committed state: the open transaction holds no lock they need.
	var all, wg sync.WaitGroup
	all.Add(4)
	counts := make([]int64, 4)
	for i := range 4 {
		wg.Go(func() {
			db.Read(ctx, func(c *sqlite.Conn) error {
				all.Done()
				all.Wait() // every reader is busy at this point
				counts[i] = dbCountOn(c, "SELECT count(*) FROM cities")
				return nil
			})
		})
	}
	wg.Wait()
	t.Printf("4 reads during the write saw %v cities\n", counts)
	close(finish)
	if err := <-written; err != nil {
		return err
	}
	n, err := dbQueryInt(ctx, db, "SELECT count(*) FROM cities")
	if err != nil {
		return err
	}
	t.Printf("after its commit: %d cities\n", n)

	// Rows one at a time, read on this goroutine...
	for row, err := range db.Query(ctx, "SELECT name, population FROM cities WHERE population > ? ORDER BY name", 1_000_000) {
		if err != nil {
			return err
		}
		t.Printf("  %-6s %9d\n", row.Text(0), row.Int64(1))
	}
	// ...or all of them at once.
	rs, err := db.QueryRows(ctx, "SELECT name FROM cities ORDER BY population DESC")
	if err != nil {
		return err
	}
	t.Printf("%v: %v\n", rs.Columns, rs.Rows)

	// Readers are read-only.
	err = db.Read(ctx, func(c *sqlite.Conn) error { return c.Exec("DELETE FROM cities") })
	t.Printf("a write on a reader: %v\n", err)
	st := db.Stats()
	t.Printf("%d readers, %d idle\n", st.Readers, st.IdleReaders)
	return nil
}
