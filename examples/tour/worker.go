package tour

import (
	"context"
	"fmt"
	"strings"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/ext/inspect"
	"github.com/asqlite/asqlite/shell"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "worker", Title: "Worker goroutine", Order: 50, Run: worker})
}

// schemaUpgrade brings a database to schema version 2, keyed on
// user_version. It runs on the Conn's worker, where the connection is a
// plain *sqlite.Conn used the ordinary, synchronous way.
func schemaUpgrade(sc *sqlite.Conn) error {
	// Everything in one transaction.
	return sc.Tx(sqlite.Immediate, func() error {
		version := func() (int64, error) {
			for s, err := range sc.Query("PRAGMA user_version") {
				if err != nil {
					return 0, err
				}
				return s.ColumnInt64(0), nil
			}
			return 0, nil
		}
		v, err := version()
		if err != nil {
			return err
		}
		if v == 0 { // a fresh database
			if err := sc.Exec(`
				CREATE TABLE products(id, name, sku, price);
				CREATE TABLE orders(id, product_id, quantity);
				PRAGMA user_version = 1;
			`); err != nil {
				return err
			}
			v = 1
		}
		if v == 1 {
			if err := sc.Exec(`
				ALTER TABLE products ADD COLUMN description;
				CREATE INDEX orders_idx ON orders(id, product_id);
				PRAGMA user_version = 2;
			`); err != nil {
				return err
			}
			v = 2
		}
		if v > 2 {
			// A newer schema than this code understands: refuse to touch it.
			return fmt.Errorf("schema version %d is newer than this program (2)", v)
		}
		return nil
	})
}

// worker runs code on the Conn's worker goroutine with Run: useful for
// anything that makes many calls before it has a result.
func worker(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer conn.Close()

	// Do the upgrade.
	if err := conn.Run(ctx, schemaUpgrade); err != nil {
		return err
	}
	version, err := conn.Pragma(ctx, "user_version")
	if err != nil {
		return err
	}
	t.Printf("schema version %v\n", version)

	// One operation.
	if err := conn.Run(ctx, func(sc *sqlite.Conn) error {
		return sc.Exec("INSERT INTO products(id, name) VALUES (?, ?)", 37, "Banana")
	}); err != nil {
		return err
	}

	// Getting a result out: the function writes to the caller's variable,
	// which is safe because Run returns only after the function has.
	var rows int64
	if err := conn.Run(ctx, func(sc *sqlite.Conn) error {
		for s, err := range sc.Query("SELECT COUNT(*) FROM products") {
			if err != nil {
				return err
			}
			rows = s.ColumnInt64(0)
		}
		return nil
	}); err != nil {
		return err
	}
	t.Printf("rows=%d\n", rows)

	// A dump, made on the worker by the shell's .dump, as in asqlite shell.
	var out, errOut strings.Builder
	if err := conn.Run(ctx, func(sc *sqlite.Conn) error {
		sh := shell.New(sc, &out, &errOut)
		defer sh.Close()
		return sh.Exec(ctx, ".dump")
	}); err != nil {
		return fmt.Errorf("%w: %s", err, errOut.String())
	}
	text := out.String()
	t.Printf("Dump is %d lines, starting %q\n", strings.Count(text, "\n"), firstLine(text))

	// How the database's pages are used.
	var usage *inspect.DatabaseUsage
	if err := conn.Run(ctx, func(sc *sqlite.Conn) (err error) {
		usage, err = inspect.AnalyzePages(sc, "main", inspect.ScopeTable)
		return err
	}); err != nil {
		return err
	}
	for _, u := range usage.Usage {
		t.Printf("table %-8s %d page(s), %d cell(s)\n", u.Name, u.Pages, u.Cells)
	}

	// A second upgrade finds nothing to do.
	if err := conn.Run(ctx, schemaUpgrade); err != nil {
		return err
	}
	t.Println("upgrading again changes nothing")
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
