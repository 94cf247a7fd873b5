package tour

import (
	"context"
	"errors"

	"github.com/asqlite/asqlite"
)

func init() {
	register(Section{Name: "basics", Title: "Basics", Order: 10, Run: basics})
}

// basics opens an asqlite.Conn: one SQLite connection served by a goroutine
// of its own, callable from any goroutine, with a context on every call.
func basics(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	// Always close: it waits for the worker goroutine to exit.
	defer conn.Close()

	// Exec runs a whole script; arguments bind to ? and :name parameters.
	if _, err := conn.Exec(ctx, `
		CREATE TABLE numbers(value, name);
		INSERT INTO numbers VALUES (1, 'one'), (20, 'twenty'), (3, 'three'), (10, 'ten');
	`); err != nil {
		return err
	}

	// Query is an iterator; rows come from the worker in batches.
	for row, err := range conn.Query(ctx, "SELECT value, name FROM numbers ORDER BY value DESC") {
		if err != nil {
			return err
		}
		var value int
		var name string
		if err := row.Scan(&value, &name); err != nil {
			return err
		}
		t.Printf("value=%d name=%q\n", value, name)
	}

	// QueryRow is for a single row (or a single value).
	var count int
	if err := conn.QueryRow(ctx, "SELECT COUNT(DISTINCT name) FROM pragma_function_list").Scan(&count); err != nil {
		return err
	}
	t.Printf("There are %d functions\n", count)

	// A pragma.
	mode, err := conn.Pragma(ctx, "journal_mode")
	if err != nil {
		return err
	}
	t.Printf("journal_mode=%v\n", mode)

	// Exec reports the rowid it inserted and the rows it changed.
	res, err := conn.Exec(ctx, "INSERT INTO numbers VALUES (?, ?)", 7, "seven")
	if err != nil {
		return err
	}
	t.Printf("inserted rowid %d, %d row changed\n", res.LastInsertRowID, res.Changes)

	// Transactions are blocks: nothing from other goroutines runs inside
	// one. A nested block is a savepoint; an error (or a panic) rolls back
	// that block only, and success commits it.
	err = conn.Tx(ctx, func(tx *asqlite.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO numbers VALUES (100, 'hundred')"); err != nil {
			return err
		}
		err := tx.Tx(ctx, func(tx *asqlite.Tx) error {
			if _, err := tx.Exec(ctx, "DROP TABLE numbers"); err != nil {
				return err
			}
			return errors.New("changed my mind")
		})
		t.Printf("inner block: %v\n", err)
		return nil // the outer block commits
	})
	if err != nil {
		return err
	}
	var names string
	if err := conn.QueryRow(ctx, "SELECT group_concat(name, ', ') FROM (SELECT name FROM numbers ORDER BY value)").Scan(&names); err != nil {
		return err
	}
	t.Printf("numbers still holds: %s\n", names)
	return nil
}
