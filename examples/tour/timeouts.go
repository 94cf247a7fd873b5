package tour

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/asqlite/asqlite"
)

func init() {
	register(Section{Name: "timeouts", Title: "Timeouts", Order: 40, Run: timeouts})
}

// mandelbrot is the "outlandish" recursive query of SQLite's documentation
// (https://sqlite.org/lang_with.html): it draws the Mandelbrot set in ASCII,
// following each point's orbit for at most ? iterations. With 28 it takes
// milliseconds; with 800000 it would run for days.
const mandelbrot = `
WITH RECURSIVE
  re(x) AS (SELECT -2.0 UNION ALL SELECT x + 0.05 FROM re WHERE x < 1.2),
  im(y) AS (SELECT -1.0 UNION ALL SELECT y + 0.1 FROM im WHERE y < 1.0),
  orbit(n, cx, cy, x, y) AS (
    SELECT 0, x, y, 0.0, 0.0 FROM re, im
    UNION ALL
    SELECT n + 1, cx, cy, x*x - y*y + cx, 2.0*x*y + cy FROM orbit
     WHERE x*x + y*y < 4.0 AND n < ?
  ),
  escaped(n, cx, cy) AS (SELECT max(n), cx, cy FROM orbit GROUP BY cx, cy),
  line(txt) AS (
    SELECT group_concat(substr(' .+*#', 1 + min(n / 7, 4), 1), '')
      FROM escaped GROUP BY cy
  )
SELECT group_concat(rtrim(txt), char(10)) FROM line`

// timeouts shows a context deadline bounding a Go function that blocks and
// CPU-bound SQL alike.
func timeouts(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := sleepFunction(ctx, conn); err != nil {
		return err
	}

	// A Go function blocking past the deadline: it sees its call's context
	// end and returns.
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = conn.Exec(short, "SELECT sleep(3600)")
	if !errors.Is(err, context.DeadlineExceeded) {
		return errors.New("sleep(3600) was not stopped by its deadline")
	}
	t.Printf("Go function stopped by its deadline after %s\n", Seconds(time.Since(start)))

	// The fractal, quickly.
	var art string
	if err := conn.QueryRow(ctx, mandelbrot, 28).Scan(&art); err != nil {
		return err
	}
	lines := strings.Split(art, "\n")
	t.Printf("The Mandelbrot set in %d lines of SQL:\n", strings.Count(strings.TrimSpace(mandelbrot), "\n")+1)
	for _, l := range lines {
		t.Println("   ", l)
	}

	// The same with 800000 iterations: CPU-bound SQL, interrupted when the
	// deadline passes.
	short, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	err = conn.QueryRow(short, mandelbrot, 800_000).Scan(&art)
	if !errors.Is(err, context.DeadlineExceeded) {
		return errors.New("the fractal query was not stopped by its deadline")
	}
	t.Printf("SQL stopped by its deadline after %s\n", Seconds(time.Since(start)))
	return nil
}
