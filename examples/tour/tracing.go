package tour

import (
	"context"
	"errors"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/ext/trace"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{
		Name:  "tracing",
		Title: "Tracing in a block",
		Order: 70,
		Run:   tracing,
	})
}

// tracing shows every statement a block of work runs, with its figures,
// the statements virtual tables and triggers run inside it, the rows it
// changes and the transactions. The trace lives on the connection, so it
// is started and stopped on the Conn's worker (with Run); the calls in
// between are ordinary calls, and the trace sees everything they run.
func tracing(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer conn.Close()

	// A nil writer prints nothing: programs can take the events through
	// Options.OnEvent instead.
	opts := &trace.Options{
		VTables:      true,
		Changes:      trace.ChangeValues,
		Transactions: true,
	}
	var stop func() error
	err = conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
		stop, err = trace.Start(sc, t.Writer(), opts)
		return err
	})
	if err != nil {
		return err
	}
	defer conn.Run(context.WithoutCancel(ctx), func(*sqlite.Conn) error { return stop() })

	// A transaction block.
	err = conn.Tx(ctx, func(tx *asqlite.Tx) error {
		// Some regular SQL.
		if _, err := tx.Exec(ctx, "create table multi(x)"); err != nil {
			return err
		}
		// The same statement run repeatedly (the statement cache keeps it
		// prepared).
		for x := range 5 {
			if _, err := tx.Exec(ctx, "insert into multi values(?)", x); err != nil {
				return err
			}
		}
		// See how many rows were processed.
		for _, err := range tx.Query(ctx, "select * from multi limit 2") {
			if err != nil {
				return err
			}
		}
		// You can also see how many rows were changed.
		_, err := tx.Exec(ctx, "delete from multi where x < 4")
		return err
	})
	if err != nil {
		return err
	}

	// Pragma functions are virtual tables: see how many rows this processes
	// even though only one has 'pow'.
	for _, err := range conn.Query(ctx, "SELECT narg FROM pragma_function_list WHERE name='pow'") {
		if err != nil {
			return err
		}
	}

	// A trigger that causes a rollback.
	_, err = conn.Exec(ctx, `
		create trigger error after insert on multi
		begin
		  update multi set rowid=100+new.rowid where rowid=new.rowid;
		  select raise(rollback, 'nope');
		end;`)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "insert into multi values(54)"); !errors.Is(err, sqlite.ErrConstraintTrigger) {
		return err
	}
	return nil
}
