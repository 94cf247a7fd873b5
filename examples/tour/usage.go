package tour

import (
	"context"
	"time"

	"github.com/asqlite/asqlite/ext/usage"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{
		Name:  "usage",
		Title: "Resource usage in a block",
		Order: 80,
		Run:   resourceUsage,
	})
}

// fractal is the outlandish query from https://sqlite.org/lang_with.html:
// the Mandelbrot set, computed by recursive common table expressions.
const fractal = `
WITH RECURSIVE
  xaxis(x) AS (VALUES(-2.0) UNION ALL SELECT x+0.05 FROM xaxis WHERE x<1.2),
  yaxis(y) AS (VALUES(-1.0) UNION ALL SELECT y+0.1 FROM yaxis WHERE y<1.0),
  m(iter, cx, cy, x, y) AS (
    SELECT 0, x, y, 0.0, 0.0 FROM xaxis, yaxis
    UNION ALL
    SELECT iter+1, cx, cy, x*x-y*y + cx, 2.0*x*y + cy FROM m
     WHERE (x*x + y*y) < 4.0 AND iter<28
  ),
  m2(iter, cx, cy) AS (
    SELECT max(iter), cx, cy FROM m GROUP BY cx, cy
  ),
  a(t) AS (
    SELECT group_concat( substr(' .+*#', 1+min(iter/7,4), 1), '')
    FROM m2 GROUP BY cy
  )
SELECT group_concat(rtrim(t),x'0a') FROM a`

// resourceUsage measures a block of work: CPU and wall clock time, the
// operating system's counters and SQLite's, showing what changed.
func resourceUsage(ctx context.Context, t *T) error {
	db, err := sqlite.Open(":memory:", 0)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetContext(ctx)

	work := func(show bool) error {
		// Some SQLite work.
		for row, err := range db.Query(fractal) {
			if err != nil {
				return err
			}
			if show {
				t.Println(row.ColumnText(0))
				t.Println()
			}
		}
		// And take some wall clock time.
		select {
		case <-time.After(100 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	show := func(u usage.Usage) error {
		// usage.Do prints everything that changed; the tour leaves out the
		// operating system's counters (page faults, context switches...)
		// and the split of CPU time, which differ from run to run.
		u.Rusage = usage.Rusage{}
		u.User, u.System = 0, 0
		_, err := u.WriteTo(t.Writer())
		return err
	}

	t.Println("thread (the goroutine, locked to its OS thread for the block)")
	u, err := usage.Measure(db, &usage.Options{Scope: usage.Thread}, func() error { return work(true) })
	if err != nil {
		return err
	}
	if err := show(u); err != nil {
		return err
	}

	t.Println("\nprocess (every goroutine, the garbage collector included)")
	u, err = usage.Measure(db, &usage.Options{Scope: usage.Process}, func() error { return work(false) })
	if err != nil {
		return err
	}
	return show(u)
}
