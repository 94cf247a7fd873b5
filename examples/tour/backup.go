package tour

import (
	"bytes"
	"context"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "backup", Title: "Backup", Order: 100, Run: backup})
}

// backup copies databases page by page with SQLite's online backup, 42
// pages at a time, between every pairing of a plain sqlite.Conn and an
// asqlite.Conn as source and destination.
//
// A backup step uses both connections, so the goroutine that steps must be
// the only one using either: a plain *sqlite.Conn belongs to one goroutine
// at a time, and an asqlite.Conn's connection is reachable only inside its
// Run, on its worker. So the backup runs inside the Run of each asqlite.Conn
// it involves; the plain connections are used by that worker while their
// owner waits for Run to return.
func backup(ctx context.Context, t *T) error {
	const fill = "CREATE TABLE x(y); INSERT INTO x VALUES (randomblob(250000))"

	// The sources, each filled with a large amount of (different) data.
	plainSrc, err := openPlain(ctx, fill)
	if err != nil {
		return err
	}
	defer plainSrc.Close()
	asyncSrc, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer asyncSrc.Close()
	if _, err := asyncSrc.Exec(ctx, fill); err != nil {
		return err
	}

	// The destinations, empty for now.
	plainDst, err := openPlain(ctx, "")
	if err != nil {
		return err
	}
	defer plainDst.Close()
	asyncDst, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer asyncDst.Close()

	// What the destination must hold after each backup.
	plainData, err := plainContent(plainSrc)
	if err != nil {
		return err
	}
	asyncData, err := asyncContent(ctx, asyncSrc)
	if err != nil {
		return err
	}

	t.Println("plain destination, plain source")
	if err := copyPages(t, plainDst, plainSrc); err != nil {
		return err
	}
	if err := checkCopy(t, plainData, func() ([]byte, error) { return plainContent(plainDst) }); err != nil {
		return err
	}

	t.Println("asqlite destination, plain source")
	// In the destination's Run: its worker steps, using plainSrc while
	// this goroutine waits.
	if err := asyncDst.Run(ctx, func(dst *sqlite.Conn) error { return copyPages(t, dst, plainSrc) }); err != nil {
		return err
	}
	if err := checkCopy(t, plainData, func() ([]byte, error) { return asyncContent(ctx, asyncDst) }); err != nil {
		return err
	}

	t.Println("plain destination, asqlite source")
	// In the source's Run, using plainDst the same way.
	if err := asyncSrc.Run(ctx, func(src *sqlite.Conn) error { return copyPages(t, plainDst, src) }); err != nil {
		return err
	}
	if err := checkCopy(t, asyncData, func() ([]byte, error) { return plainContent(plainDst) }); err != nil {
		return err
	}

	t.Println("asqlite destination, asqlite source")
	// Two workers are involved. The source's Run holds its worker, which
	// then waits in the destination's Run, doing nothing else: while the
	// destination's worker steps, the source's connection is free for it
	// to use. (Different Conns, so this is not a re-entrant call. Should
	// other goroutines nest Runs of the same two Conns, all must nest in
	// the same order, as with locks, or two of them could wait on each
	// other.)
	err = asyncSrc.Run(ctx, func(src *sqlite.Conn) error {
		return asyncDst.Run(ctx, func(dst *sqlite.Conn) error { return copyPages(t, dst, src) })
	})
	if err != nil {
		return err
	}
	return checkCopy(t, asyncData, func() ([]byte, error) { return asyncContent(ctx, asyncDst) })
}

// openPlain opens a plain in-memory connection for ctx and runs script on
// it.
func openPlain(ctx context.Context, script string) (*sqlite.Conn, error) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		return nil, err
	}
	c.SetContext(ctx)
	if script != "" {
		if err := c.Exec(script); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// copyPages backs src up over dst, 42 pages per step, printing the
// progress after each step.
func copyPages(t *T, dst, src *sqlite.Conn) error {
	b, err := sqlite.NewBackup(dst, "main", src, "main")
	if err != nil {
		return err
	}
	defer b.Close()
	for {
		done, err := b.Step(42)
		if err != nil {
			return err
		}
		t.Printf("page_count = %d remaining = %d\n", b.PageCount(), b.Remaining())
		if done {
			return b.Close()
		}
	}
}

// checkCopy prints whether the destination, read by content, holds want.
func checkCopy(t *T, want []byte, content func() ([]byte, error)) error {
	got, err := content()
	if err != nil {
		return err
	}
	t.Printf("destination holds the source's %d bytes: %v\n", len(want), bytes.Equal(got, want))
	return nil
}

func plainContent(c *sqlite.Conn) ([]byte, error) {
	for s, err := range c.Query("SELECT y FROM x") {
		if err != nil {
			return nil, err
		}
		return s.ColumnBytes(0, nil), nil
	}
	return nil, nil
}

func asyncContent(ctx context.Context, c *asqlite.Conn) ([]byte, error) {
	var y []byte
	err := c.QueryRow(ctx, "SELECT y FROM x").Scan(&y)
	return y, err
}
