package tour

import (
	"context"
	"errors"

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
// changes and the transactions.
func tracing(ctx context.Context, t *T) error {
	db, err := sqlite.Open(":memory:", 0)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetContext(ctx)

	// A nil writer prints nothing: programs can take the events through
	// Options.OnEvent instead.
	opts := &trace.Options{
		VTables:      true,
		Changes:      trace.ChangeValues,
		Transactions: true,
	}
	return trace.Do(db, t.Writer(), opts, func() error {
		// A transaction around the block.
		err := db.Tx(sqlite.Deferred, func() error {
			// Some regular SQL.
			if err := db.Exec("create table multi(x)"); err != nil {
				return err
			}
			// The same statement run repeatedly (the statement cache
			// keeps it prepared).
			for x := range 5 {
				if err := db.Exec("insert into multi values(?)", x); err != nil {
					return err
				}
			}
			// See how many rows were processed.
			for _, err := range db.Query("select * from multi limit 2") {
				if err != nil {
					return err
				}
			}
			// You can also see how many rows were changed.
			return db.Exec("delete from multi where x < 4")
		})
		if err != nil {
			return err
		}

		// Pragma functions are virtual tables: see how many rows this
		// processes even though only one has 'pow'.
		for _, err := range db.Query("SELECT narg FROM pragma_function_list WHERE name='pow'") {
			if err != nil {
				return err
			}
		}

		// A trigger that causes a rollback.
		err = db.Exec(`
			create trigger error after insert on multi
			begin
			  update multi set rowid=100+new.rowid where rowid=new.rowid;
			  select raise(rollback, 'nope');
			end;`)
		if err != nil {
			return err
		}
		if err := db.Exec("insert into multi values(54)"); !errors.Is(err, sqlite.ErrConstraintTrigger) {
			return err
		}
		return nil
	})
}
