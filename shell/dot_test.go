package shell

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/ext/fts"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// newShell returns a shell on a new database file in a temporary
// directory, made the current one, and its output and error buffers.
func newShell(t *testing.T, script string) (*Shell, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	conn, err := sqlite.Open(filepath.Join(dir, "test.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Exec(script); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	sh := New(conn, &out, &errOut)
	t.Cleanup(func() { sh.Close() })
	return sh, &out, &errOut
}

func TestProgressBarOnlyWhenAsked(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	sh, _, _ := newShell(t, "CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 500) INSERT INTO t SELECT randomblob(1000) FROM c")
	ctx := context.Background()
	if err := sh.Exec(ctx, ".backup quiet.db"); err != nil {
		t.Fatal(err)
	}
	var bar bytes.Buffer
	sh.SetProgress(&bar)
	for _, cmd := range []string{".backup loud.db", ".restore loud.db", ".once dump.sql", ".dump", ".once rows.csv", "SELECT hex(x) FROM t;", ".mode csv", ".import rows.csv u"} {
		bar.Reset()
		if err := sh.Exec(ctx, cmd); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		if name := strings.Fields(cmd)[0][1:]; cmd[0] == '.' && cmd != ".mode csv" && !strings.HasPrefix(cmd, ".once") && !strings.Contains(bar.String(), name) {
			t.Errorf("%s drew no progress bar: %q", cmd, bar.String())
		}
	}
	sh.SetProgress(nil)
	bar.Reset()
	if err := sh.Exec(ctx, ".backup quiet2.db"); err != nil {
		t.Fatal(err)
	}
	if bar.Len() > 0 {
		t.Errorf("bar drawn after SetProgress(nil): %q", bar.String())
	}
}

func TestLibraryDotCommands(t *testing.T) {
	sh, out, errOut := newShell(t, `CREATE TABLE recipes(name, body);
		INSERT INTO recipes VALUES ('soup', 'minced onion and olive oil'), ('cake', 'flour sugar peanut butter');`)
	if err := fts.Register(sh.Conn()); err != nil {
		t.Fatal(err)
	}
	if err := sh.Conn().Exec(`CREATE VIRTUAL TABLE search USING fts5(name, body);
		INSERT INTO search SELECT name, body FROM recipes;`); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ cmd, want string }{
		{".plan SELECT name FROM recipes WHERE name = ?", "SCAN recipes"},
		{".pages", "recipes"},
		{".stats", "Page cache hits:"},
		{".ftsq search olive", "1"},
		{".ftsq search olivve", "did you mean: olive"},
		{".usage on", ""},
		{"SELECT count(*) FROM recipes;", "vm"},
		{".usage off", ""},
		{".stats on", ""},
		{"SELECT 1;", "Pager Heap Usage"},
		{".stats off", ""},
		{".timeout 250", ""},
		{".help", ".import"},
		{".show", "mode: list"},
	} {
		out.Reset()
		if err := sh.Exec(ctx, tc.cmd); err != nil {
			t.Errorf("%s: %v: %s", tc.cmd, err, errOut.String())
			continue
		}
		if !strings.Contains(strings.ToLower(out.String()), strings.ToLower(tc.want)) {
			t.Errorf("%s: output %q lacks %q", tc.cmd, out.String(), tc.want)
		}
	}
	if sh.Conn().BusyTimeout().Milliseconds() != 250 {
		t.Errorf(".timeout 250: busy timeout %v", sh.Conn().BusyTimeout())
	}
	errOut.Reset()
	if err := sh.Exec(ctx, ".trace on"); err != nil {
		t.Fatal(err)
	}
	if err := sh.Exec(ctx, "SELECT count(*) FROM recipes"); err != nil {
		t.Fatal(err)
	}
	if err := sh.Exec(ctx, ".trace off"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "SELECT count(*) FROM recipes") {
		t.Errorf(".trace wrote %q", errOut.String())
	}
}

func TestImportStopsWhenContextEnds(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	sh, _, _ := newShell(t, "CREATE TABLE t(a, b)")
	var csv strings.Builder
	for range 10000 {
		csv.WriteString("a,b\n")
	}
	if err := os.WriteFile("big.csv", []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The import ends its context as soon as it has read from the file,
	// when its progress bar first draws.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sh.SetProgress(cancelWriter(cancel))
	if err := sh.Exec(ctx, ".import --csv big.csv t"); !errors.Is(err, context.Canceled) {
		t.Fatalf("import after its context ended: %v", err)
	}
	if !sh.Conn().AutoCommit() {
		t.Error("the import's transaction is still open")
	}
	if ok, _ := sh.Conn().TableExists("main", "t"); ok {
		n := 0
		for row, err := range sh.Conn().Query("SELECT count(*) FROM t") {
			if err != nil {
				t.Fatal(err)
			}
			n = row.ColumnInt(0)
		}
		if n != 0 {
			t.Errorf("%d rows imported by a cancelled import", n)
		}
	}
}

func TestOpenReplacesConnection(t *testing.T) {
	sh, out, _ := newShell(t, "CREATE TABLE first(x)")
	ctx := context.Background()
	given := sh.Conn()
	if err := sh.Exec(ctx, ".open --new other.db"); err != nil {
		t.Fatal(err)
	}
	if sh.Conn() == given {
		t.Fatal(".open kept the connection")
	}
	if err := sh.Exec(ctx, "CREATE TABLE second(x);"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	sh.Exec(ctx, ".tables")
	if out.String() != "second\n" {
		t.Errorf(".tables after .open: %q", out.String())
	}
	if err := sh.Close(); err != nil {
		t.Fatal(err)
	}
	if err := given.Exec("SELECT 1"); err != nil {
		t.Errorf("the caller's connection was closed: %v", err)
	}
}

// cancelWriter calls its function on every write.
type cancelWriter func()

func (c cancelWriter) Write(p []byte) (int, error) {
	c()
	return len(p), nil
}

func TestReadOfItselfFails(t *testing.T) {
	sh, out, errOut := newShell(t, "")
	if err := os.WriteFile("self.sql", []byte("SELECT 'once';\n.read self.sql\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sh.Exec(context.Background(), ".read self.sql"); err == nil {
		t.Fatal("a script reading itself ran to an end")
	}
	if n := strings.Count(out.String(), "once\n"); n != maxReadDepth {
		t.Errorf("ran %d times, want %d", n, maxReadDepth)
	}
	if !strings.Contains(errOut.String(), "nested more than") {
		t.Errorf("error output %q", errOut.String())
	}
}

func TestPrintAndSaveAsInSqlite3(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	sh, out, _ := newShell(t, "CREATE TABLE t(x); INSERT INTO t VALUES(42)")
	ctx := context.Background()
	for _, cmd := range []string{`.print hello "big world" 'x'`, ".print", ".save copy.db"} {
		if err := sh.Exec(ctx, cmd); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
	}
	if got, want := out.String(), "hello big world x\n\n"; got != want {
		t.Errorf(".print wrote %q, want %q", got, want)
	}
	c, err := sqlite.Open("copy.db", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n int64
	for st, err := range c.Query("SELECT x FROM t") {
		if err != nil {
			t.Fatal(err)
		}
		n = st.ColumnInt64(0)
	}
	if n != 42 {
		t.Errorf(".save: x = %d, want 42", n)
	}
}
