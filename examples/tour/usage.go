package tour

import (
	"context"
	"errors"
	"time"

	"github.com/asqlite/asqlite"
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
// operating system's counters and SQLite's, showing what changed. The
// measurement starts and stops on the Conn's worker (with Run), which
// runs the SQL: the Thread scope measures the worker's OS thread, the
// Process scope every goroutine.
func resourceUsage(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer conn.Close()

	measure := func(scope usage.Scope, work func() error) (usage.Usage, error) {
		var m *usage.Meter
		err := conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
			m, err = usage.Start(sc, &usage.Options{Scope: scope})
			return err
		})
		if err != nil {
			return usage.Usage{}, err
		}
		err = work()
		var u usage.Usage
		stopErr := conn.Run(context.WithoutCancel(ctx), func(*sqlite.Conn) error {
			u = m.Stop()
			return nil
		})
		return u, errors.Join(err, stopErr)
	}
	work := func(show bool) func() error {
		return func() error {
			// Some SQLite work.
			var picture string
			if err := conn.QueryRow(ctx, fractal).Scan(&picture); err != nil {
				return err
			}
			if show {
				t.Println(picture)
				t.Println()
			}
			// And take some wall clock time.
			select {
			case <-time.After(100 * time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	show := func(u usage.Usage) error {
		// usage.Do and Usage.WriteTo print everything that changed; the
		// tour leaves out the operating system's counters (page faults,
		// context switches...) and the split of CPU time between user and
		// system, which differ from run to run.
		u.Rusage = usage.Rusage{}
		u.User, u.System = 0, 0
		_, err := u.WriteTo(t.Writer())
		return err
	}

	t.Println("thread (the Conn's worker, locked to its OS thread while measured)")
	u, err := measure(usage.Thread, work(true))
	if err != nil {
		return err
	}
	if err := show(u); err != nil {
		return err
	}

	t.Println("\nprocess (every goroutine, the garbage collector included)")
	if u, err = measure(usage.Process, work(false)); err != nil {
		return err
	}
	return show(u)
}
