package tour

import (
	"context"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "callbacks", Title: "Functions and callbacks", Order: 20, Run: callbacks})
}

// requestKey carries a request ID in a context, to show whose call a
// function or hook is running for.
type requestKey struct{}

func request(ctx context.Context) string {
	id, _ := ctx.Value(requestKey{}).(string)
	return id
}

// callbacks registers Go functions and hooks through Conn.Run. They
// run on the Conn's worker, and each receives the context of the call whose
// SQL triggered it.
func callbacks(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer conn.Close()

	// Functions are registered with the binding's connection, through Run.
	err = conn.Run(ctx, func(sc *sqlite.Conn) error {
		// A scalar function.
		err := sc.CreateFunction("plus", 2, sqlite.Deterministic, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
			t.Printf("plus called with %d, %d\n", args[0].Int64(), args[1].Int64())
			fc.ResultInt64(args[0].Int64() + args[1].Int64())
			return nil
		})
		if err != nil {
			return err
		}
		// A function that looks at the context of the call running it.
		return sc.CreateFunction("whoami", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
			fc.ResultText(request(fc.Context()))
			return nil
		})
	})
	if err != nil {
		return err
	}

	row := conn.QueryRow(ctx, "SELECT plus(1, 2), plus(3, 4)")
	if err := row.Err(); err != nil {
		return err
	}
	t.Println(row.Values())

	req1 := context.WithValue(ctx, requestKey{}, "req-1")
	var who string
	if err := conn.QueryRow(req1, "SELECT whoami()").Scan(&who); err != nil {
		return err
	}
	t.Printf("whoami() ran for %q\n", who)

	// Hooks find the triggering call's context in sc.Context(): they run
	// on the worker, inside that call.
	err = conn.Run(ctx, func(sc *sqlite.Conn) error {
		_, err := sc.AddUpdateHook(func(op sqlite.Op, schema, table string, rowid int64) {
			t.Printf("update op=%v schema=%q table=%q rowid=%d for %q\n", op, schema, table, rowid, request(sc.Context()))
		})
		if err != nil {
			return err
		}
		_, err = sc.AddCommitHook(func() bool {
			t.Printf("commit for %q\n", request(sc.Context()))
			return false // true would turn the commit into a rollback
		})
		return err
	})
	if err != nil {
		return err
	}

	req2 := context.WithValue(ctx, requestKey{}, "req-2")
	if _, err := conn.Exec(req2, "CREATE TABLE x(y); INSERT INTO x VALUES (42)"); err != nil {
		return err
	}
	req3 := context.WithValue(ctx, requestKey{}, "req-3")
	return conn.Tx(req3, func(tx *asqlite.Tx) error {
		_, err := tx.Exec(req3, "UPDATE x SET y = y + 1; INSERT INTO x VALUES (7)")
		return err
	})
}
