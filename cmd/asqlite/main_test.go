package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/examples/tour"
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
	src := newDatabase(t, "CREATE TABLE t(x); INSERT INTO t VALUES('hello'), (x'01'), (NULL)")
	var sql, errOut bytes.Buffer
	if code := run(context.Background(), []string{"dump", src}, &sql, &errOut); code != 0 {
		t.Fatalf("dump exit %d: %s", code, errOut.String())
	}
	dst := filepath.Join(t.TempDir(), "dst.db")
	if err := restore(context.Background(), dst, &sql); err != nil {
		t.Fatal(err)
	}
	if got := queryStrings(t, dst, "SELECT quote(x) FROM t ORDER BY rowid"); strings.Join(got, ",") != "'hello',X'01',NULL" {
		t.Errorf("restored rows %v", got)
	}
}

func TestDumpOfMissingFileFails(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"dump", t.TempDir() + "/nope.db"}, &out, &out); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, out.String())
	}
}

func TestEveryCommandPrintsHelpAndExitsZero(t *testing.T) {
	// In an empty directory, to see that asking for help creates nothing.
	dir := t.TempDir()
	t.Chdir(dir)
	for _, c := range commands {
		for _, args := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {"help", c.name}} {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), args, &out, &errOut); code != 0 {
				t.Errorf("%q: exit %d, want 0: %s", args, code, errOut.String())
			}
			if !strings.HasPrefix(out.String(), "usage: asqlite "+c.name) || errOut.Len() > 0 {
				t.Errorf("%q: stdout %q, stderr %q; want the usage on stdout", args, out.String(), errOut.String())
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("asking for help created %v", entries)
	}
}

func TestBadArgumentsExitTwoNamingTheFlag(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct {
		args []string
		want string // in the message
	}{
		{[]string{"stress", "-readers", "-3"}, `invalid value "-3" for flag -readers`},
		{[]string{"stress", "-writers", "-1"}, "-writers"},
		{[]string{"stress", "-goroutines", "0"}, "-goroutines"},
		{[]string{"stress", "-read-pct", "120"}, "-read-pct"},
		{[]string{"stress", "-duration", "0s"}, "-duration"},
		{[]string{"stress", "-sync", "sometimes"}, `invalid value "sometimes" for flag -sync`},
		{[]string{"stress", "-test", "nope"}, `unknown test "nope"`},
		{[]string{"stress", "-inserts", "many"}, "-inserts"},
		{[]string{"stress", "a.db", "b.db"}, "too many arguments"},
		{[]string{"bench", "-rows", "0"}, "-rows"},
		{[]string{"bench", "-count", "0"}, "-count"},
		{[]string{"bench", "-benchtime", "soon"}, "-benchtime"},
		{[]string{"bench", "-run", "("}, "-run"},
		{[]string{"bench", "-run", "nothing-matches-this"}, "-run"},
		{[]string{"bench", "extra"}, "too many arguments"},
		{[]string{"tour", "-nosuchflag"}, "-nosuchflag"},
		{[]string{"tour", "blob", "nosuch"}, `"nosuch"`},
		{[]string{"version", "extra"}, "too many arguments"},
		{[]string{"dump"}, "missing arguments"},
		{[]string{"dump", "a.db", "b.db"}, "too many arguments"},
		{[]string{"restore"}, "missing arguments"},
		{[]string{"restore", "-x", "a.db"}, "-x"},
		{[]string{"shell", "-nosuch"}, "-nosuch"},
		{[]string{"shell", "-batch", "-interactive"}, "-batch"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2: %s", tc.args, code, errOut.String())
		}
		msg := errOut.String()
		if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "usage: asqlite "+tc.args[0]) {
			t.Errorf("%q: message %q, want one naming %s with the usage line", tc.args, msg, tc.want)
		}
		if out.Len() > 0 {
			t.Errorf("%q: ran anyway: %s", tc.args, out.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("bad command lines created %v", entries)
	}
}

func TestTourListsSections(t *testing.T) {
	for _, args := range [][]string{{"tour", "-list"}, {"tour", "--help"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errOut.String())
		}
		for _, s := range tour.Sections() {
			if !strings.Contains(out.String(), "  "+s.Name+" ") {
				t.Errorf("%q does not list section %s:\n%s", args, s.Name, out.String())
			}
		}
	}
}

func TestDumpAcceptsURI(t *testing.T) {
	src := newDatabase(t, "CREATE TABLE t(x); INSERT INTO t VALUES('from the uri')")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"dump", "file:" + src + "?immutable=1"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "'from the uri'") {
		t.Errorf("dump lacks the row:\n%s", out.String())
	}
}

// newDatabase creates a database file in a new directory, runs script on
// it and returns its path.
func newDatabase(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	c, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Exec(script); err != nil {
		t.Fatal(err)
	}
	return path
}

// queryStrings returns the first column of the rows of query, run on the
// database at path opened read-only, as text.
func queryStrings(t *testing.T, path, query string) []string {
	t.Helper()
	c, err := sqlite.Open(path, sqlite.OpenReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got []string
	for row, err := range c.Query(query) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.ColumnText(0))
	}
	return got
}
