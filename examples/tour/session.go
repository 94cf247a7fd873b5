package tour

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "session", Title: "Session", Order: 120, Run: session})
}

// session records the changes made through an asqlite.Conn with the
// session extension, turns them into a changeset, and undoes them by
// applying its inverse.
func session(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Exec(ctx, "CREATE TABLE x(y PRIMARY KEY, z)"); err != nil {
		return err
	}

	// A session belongs to the connection, so it is created through Run,
	// and afterwards used only inside Run, on the worker: between calls it
	// just waits in a variable. It records the changes made by every call.
	var s *sqlite.Session
	err = conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
		// Size estimates are on by default.
		if s, err = sc.CreateSession("main", nil); err != nil {
			return err
		}
		return s.Attach("") // all tables
	})
	if err != nil {
		return err
	}
	// Closing the connection closes the session too, but the session's own
	// close is cheap and explicit.
	defer conn.Run(ctx, func(*sqlite.Conn) error { return s.Close() })

	// Add some data: 200 rows, in one transaction.
	err = conn.Tx(ctx, func(tx *asqlite.Tx) error {
		for i := range 200 {
			if _, err := tx.Exec(ctx, "INSERT INTO x VALUES (?, ?)", i, strings.Repeat("a", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	var estimate int64
	var changeset []byte
	err = conn.Run(ctx, func(*sqlite.Conn) (err error) {
		estimate = s.ChangesetSize()
		changeset, err = s.Changeset()
		return err
	})
	if err != nil {
		return err
	}
	t.Printf("Size estimate %d\n", estimate)
	t.Printf("Actual size %d\n", len(changeset))

	// Other than applying, changeset operations need no connection: any
	// goroutine may read or invert one.
	if err := printChanges(t, "changeset", changeset); err != nil {
		return err
	}
	undo, err := sqlite.InvertChangeset(changeset)
	if err != nil {
		return err
	}
	if err := printChanges(t, "inverse", undo); err != nil {
		return err
	}

	if err := printCount(ctx, t, conn, "before undoing"); err != nil {
		return err
	}
	// Undo the changes: applying runs on the worker.
	if err := conn.Run(ctx, func(sc *sqlite.Conn) error { return sc.ApplyChangeset(undo, nil) }); err != nil {
		return err
	}
	if err := printCount(ctx, t, conn, "after undoing"); err != nil {
		return err
	}

	// The session recorded the undo too: each row was inserted and then
	// deleted, so the changes cancel out. (The size estimate is an upper
	// bound, and stays where it was.)
	err = conn.Run(ctx, func(*sqlite.Conn) (err error) {
		estimate = s.ChangesetSize()
		changeset, err = s.Changeset()
		return err
	})
	if err != nil {
		return err
	}
	t.Printf("the session's changeset is now %d bytes (estimate %d)\n", len(changeset), estimate)
	return nil
}

// printChanges prints how many changes of each kind a changeset holds,
// per table.
func printChanges(t *T, label string, changeset []byte) error {
	counts := map[string]int{}
	for ch, err := range sqlite.Changes(changeset) {
		if err != nil {
			return err
		}
		counts[fmt.Sprintf("%s on %s", ch.Op, ch.Table)]++
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	t.Printf("%s: %s\n", label, strings.Join(parts, ", "))
	return nil
}

func printCount(ctx context.Context, t *T, conn *asqlite.Conn, when string) error {
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM x").Scan(&n); err != nil {
		return err
	}
	t.Printf("rows in x %s: %d\n", when, n)
	return nil
}
