package tour

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "writequeue", Title: "The write queue", Order: 200, Run: writeQueue})
}

// writeQueue shows asqlite.DB's writes: one writer goroutine owns the only
// writing connection and takes the writes from a queue, one at a time, each
// in its own transaction, so concurrent writers never meet "database is
// locked".
func writeQueue(ctx context.Context, t *T) error {
	db, err := asqlite.Open(ctx, filepath.Join(t.Dir(), "notes.db"), nil)
	if err != nil {
		return err
	}
	defer db.Close()

	if _, err := db.Exec(ctx, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL)"); err != nil {
		return err
	}
	res, err := db.Exec(ctx, "INSERT INTO notes(body) VALUES (?)", "buy milk")
	if err != nil {
		return err
	}
	t.Printf("Exec inserted row %d\n", res.LastInsertRowID)
	res, err = db.ExecMany(ctx, "INSERT INTO notes(body) VALUES (?)", [][]any{{"call mom"}, {"water plants"}, {"file taxes"}})
	if err != nil {
		return err
	}
	t.Printf("ExecMany inserted %d rows, the last with id %d\n", res.Changes, res.LastInsertRowID)

	// A Write function runs on the writer inside its write's transaction:
	// it sees its own changes, and an error rolls all of them back.
	err = db.Write(ctx, func(c *sqlite.Conn) error {
		if err := c.Exec("DELETE FROM notes"); err != nil {
			return err
		}
		t.Printf("inside the write, %d notes are left\n", dbCountOn(c, "SELECT count(*) FROM notes"))
		return errors.New("changed my mind")
	})
	t.Printf("Write returned %q\n", err)
	n, err := dbQueryInt(ctx, db, "SELECT count(*) FROM notes")
	if err != nil {
		return err
	}
	t.Printf("readers still see %d notes\n", n)

	// A script that manages its own transaction (or runs VACUUM) goes
	// through ExecScript, outside the writer's transactions.
	if err := db.ExecScript(ctx, "BEGIN; UPDATE notes SET body = upper(body); COMMIT; VACUUM"); err != nil {
		return err
	}

	// A hundred goroutines writing at once: no error, nothing lost.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i := range 100 {
		wg.Go(func() {
			if _, err := db.Exec(ctx, "INSERT INTO notes(body) VALUES (?)", fmt.Sprint("note ", i)); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	n, err = dbQueryInt(ctx, db, "SELECT count(*) FROM notes")
	if err != nil {
		return err
	}
	t.Printf("100 concurrent writes: %d errors, %d notes\n", len(errs), n)

	// An isolated write runs on a connection opened just for it, so what
	// it changes on its connection (here an attached database) dies with
	// it. It still waits its turn like any write.
	iso := db.Writer(asqlite.WriteOptions{Isolated: true, NoTransaction: true})
	err = iso.Write(ctx, func(c *sqlite.Conn) error {
		return c.Exec("ATTACH ? AS archive; CREATE TABLE archive.old AS SELECT * FROM notes; DETACH archive",
			filepath.Join(t.Dir(), "archive.db"))
	})
	if err != nil {
		return err
	}
	t.Println("an isolated write archived the notes into another database")
	return dbBackpressure(ctx, t)
}

// dbBackpressure fills a small queue while the writer is busy.
func dbBackpressure(ctx context.Context, t *T) error {
	db, err := asqlite.Open(ctx, filepath.Join(t.Dir(), "small.db"), &asqlite.Options{QueueSize: 2, FailWhenQueueFull: true})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE TABLE t(x)"); err != nil {
		return err
	}
	release, done := dbHoldWriter(ctx, db)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { db.Exec(ctx, "INSERT INTO t VALUES (?)", i) })
	}
	dbWaitFor(func() bool { return db.Stats().QueueDepth == 2 })
	st := db.Stats()
	t.Printf("writer busy, queue holds %d of %d writes\n", st.QueueDepth, st.QueueCapacity)
	_, err = db.Exec(ctx, "INSERT INTO t VALUES (3)")
	t.Printf("one more write: %v (errors.Is ErrQueueFull: %v)\n", err, errors.Is(err, asqlite.ErrQueueFull))
	release()
	wg.Wait()
	if err := <-done; err != nil {
		return err
	}
	n, err := dbQueryInt(ctx, db, "SELECT count(*) FROM t")
	if err != nil {
		return err
	}
	t.Printf("after the writer is free again: %d rows\n", n)
	return nil
}

// dbHoldWriter queues a write that keeps the writer busy until release is
// called, and returns once the writer runs it. Its outcome arrives on done.
func dbHoldWriter(ctx context.Context, db *asqlite.DB) (release func(), done <-chan error) {
	running := make(chan struct{})
	proceed := make(chan struct{})
	result := make(chan error, 1)
	var once sync.Once
	go func() {
		result <- db.Write(ctx, func(*sqlite.Conn) error {
			once.Do(func() { close(running) })
			<-proceed
			return nil
		})
	}()
	<-running
	var closeOnce sync.Once
	return func() { closeOnce.Do(func() { close(proceed) }) }, result
}

// dbWaitFor waits until cond holds (a tour has no better way to know that
// other goroutines' writes are queued).
func dbWaitFor(cond func() bool) {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() && time.Now().Before(deadline) {
		runtime.Gosched()
	}
}

// dbQueryInt reads one integer through the DB's readers.
func dbQueryInt(ctx context.Context, db *asqlite.DB, sql string, args ...any) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}

// dbCountOn runs a query returning one integer on c (0 on error).
func dbCountOn(c *sqlite.Conn, sql string, args ...any) int64 {
	for s, err := range c.Query(sql, args...) {
		if err != nil {
			return 0
		}
		return s.ColumnInt64(0)
	}
	return 0
}
