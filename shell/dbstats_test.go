package shell

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

func TestStatsPrintsTheFiguresOfItsDB(t *testing.T) {
	leakcheck.Check(t)
	ctx := context.Background()
	db, err := asqlite.Open(ctx, filepath.Join(t.TempDir(), "app.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE TABLE t(x)"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := db.Exec(ctx, "INSERT INTO t VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, "INSERT INTO nosuch VALUES (1)"); err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 3 {
		t.Fatalf("count: %d, %v", n, err)
	}

	var out, errOut bytes.Buffer
	err = db.Read(ctx, func(sc *sqlite.Conn) error {
		sh := New(sc, &out, &errOut)
		defer sh.Close()
		if err := sh.Exec(ctx, ".stats"); err != nil {
			return err
		}
		before := out.Len()
		sh.SetDB(db)
		if err := sh.Exec(ctx, ".stats"); err != nil {
			return err
		}
		dbPart := out.String()[before:]
		for _, want := range []string{
			"DB writes:                           5 (errors 1)\n",
			"DB reads:                            1 (errors 0, time-limited 0",
			"DB readers:",
			"DB write queue:                      0 of ",
			"DB group commits:",
			"DB checkpoints:",
		} {
			if !strings.Contains(dbPart, want) {
				t.Errorf(".stats lacks %q:\n%s", want, dbPart)
			}
		}
		if strings.Contains(out.String()[:before], "DB writes") {
			t.Errorf(".stats before SetDB printed a DB's figures:\n%s", out.String()[:before])
		}
		// A connection .open makes is no connection of the DB's.
		out.Reset()
		if err := sh.Exec(ctx, ".open :memory:"); err != nil {
			return err
		}
		if err := sh.Exec(ctx, ".stats"); err != nil {
			return err
		}
		if strings.Contains(out.String(), "DB writes") {
			t.Errorf(".stats after .open printed the DB's figures:\n%s", out.String())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
}
