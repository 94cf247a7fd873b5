package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestHelpListsCommands(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(out.String(), "asqlite "+c.name) {
			t.Errorf("help does not list %q:\n%s", c.name, out.String())
		}
	}
}

func TestUnknownCommandFails(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, &out, &out); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(out.String(), `unknown command "frobnicate"`) {
		t.Errorf("message does not name the command: %s", out.String())
	}
}

func TestVersionPrintsEngine(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out.String(), "SQLite 3.") {
		t.Errorf("got %q", out.String())
	}
}

func TestDumpThenRestoreCopiesDatabase(t *testing.T) {
	dir := t.TempDir()
	src := dir + "/src.db"
	conn, err := sqlite.Open(src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec("CREATE TABLE t(x); INSERT INTO t VALUES('hello'), (x'01'), (NULL)"); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	var sql, errOut bytes.Buffer
	if code := run(context.Background(), []string{"dump", src}, &sql, &errOut); code != 0 {
		t.Fatalf("dump exit %d: %s", code, errOut.String())
	}
	if err := restore(context.Background(), dir+"/dst.db", &sql); err != nil {
		t.Fatal(err)
	}
	dst, err := sqlite.Open(dir+"/dst.db", sqlite.OpenReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	var got []string
	for row, err := range dst.Query("SELECT quote(x) FROM t ORDER BY rowid") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.ColumnText(0))
	}
	if strings.Join(got, ",") != "'hello',X'01',NULL" {
		t.Errorf("restored rows %v", got)
	}
}

func TestDumpOfMissingFileFails(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"dump", t.TempDir() + "/nope.db"}, &out, &out); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, out.String())
	}
}
