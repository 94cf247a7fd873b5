package tour

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "timelimits", Title: "Time limits", Order: 220, Run: timeLimits})
}

// endless is a query that runs until it is stopped.
const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"

// timeLimits shows the per-read time limit of the web application (1000 ms
// by default; 100 ms here), enforced like a context deadline, and the row
// cap.
func timeLimits(ctx context.Context, t *T) error {
	db, err := asqlite.Open(ctx, filepath.Join(t.Dir(), "limits.db"), &asqlite.Options{
		ReadTimeLimit: 100 * time.Millisecond,
		MaxRows:       3,
	})
	if err != nil {
		return err
	}
	defer db.Close()

	// SQL that would run forever is interrupted when the limit passes.
	start := time.Now()
	err = db.Read(ctx, func(c *sqlite.Conn) error { return c.Exec(endless) })
	t.Printf("endless query stopped after %s\n", Seconds(time.Since(start)))
	t.Printf("  ErrTimeLimit: %v, DeadlineExceeded: %v, SQLITE_INTERRUPT: %v\n",
		errors.Is(err, asqlite.ErrTimeLimit), errors.Is(err, context.DeadlineExceeded), errors.Is(err, sqlite.ErrInterrupt))

	// Go code in a read sees the limit as its context's deadline.
	err = db.Read(ctx, func(c *sqlite.Conn) error {
		<-c.Context().Done() // a slow Go function would stop here
		return c.Context().Err()
	})
	t.Printf("Go code stopped by the limit: %v\n", errors.Is(err, asqlite.ErrTimeLimit))

	// The caller's own earlier deadline wins, with its own error.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	err = db.Read(short, func(c *sqlite.Conn) error { return c.Exec(endless) })
	t.Printf("with the caller's deadline of 10ms: time limit %v, deadline %v\n",
		errors.Is(err, asqlite.ErrTimeLimit), errors.Is(err, context.DeadlineExceeded))

	// A Reader with other limits, for the calls that need them.
	slow := db.Reader(asqlite.ReadOptions{TimeLimit: time.Minute, MaxRows: -1})
	var n int64
	err = slow.Read(ctx, func(c *sqlite.Conn) error {
		n = dbCountOn(c, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT count(*) FROM c")
		return nil
	})
	if err != nil {
		return err
	}
	t.Printf("a reader with a one-minute limit counted to %d\n", n)

	// The row cap: QueryRows keeps the first MaxRows rows and says so.
	const ten = "SELECT value FROM json_each('[1,2,3,4,5,6,7,8,9,10]')"
	rs, err := db.QueryRows(ctx, ten)
	if err != nil {
		return err
	}
	t.Printf("capped: %v truncated=%v\n", rs.Rows, rs.Truncated)
	rs, err = slow.QueryRows(ctx, ten)
	if err != nil {
		return err
	}
	t.Printf("uncapped: %d rows truncated=%v\n", len(rs.Rows), rs.Truncated)
	st := db.Stats()
	t.Printf("reads stopped by their limit: %d\n", st.TimeLimited)
	return nil
}
