package dump_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/ext/dump"
	"github.com/asqlite/asqlite/sqlite"
)

func open(t *testing.T, path string) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func exec1(t *testing.T, c *sqlite.Conn, sql string, args ...any) {
	t.Helper()
	if err := c.Exec(sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// sqlite3Shell returns the path of the sqlite3 command-line shell. CI
// installs it; elsewhere its absence skips the test.
func sqlite3Shell(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sqlite3 shell not installed (.ci/run installs it)")
		}
		t.Skip("sqlite3 shell not installed")
	}
	return p
}

// loadWithShell feeds script to the sqlite3 shell, creating the database at path.
func loadWithShell(t *testing.T, path string, script []byte) {
	t.Helper()
	cmd := exec.Command(sqlite3Shell(t), "-bail", path)
	cmd.Stdin = bytes.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("sqlite3 shell failed: %v\n%s", err, out)
	}
}

// snapshot describes everything that must survive a dump: schema text,
// every row of every table (shadow tables included) with its rowid and
// exact storage classes, and the header pragmas.
func snapshot(t *testing.T, c *sqlite.Conn) string {
	t.Helper()
	var b strings.Builder
	var tables []string
	wr := map[string]bool{}
	for row, err := range c.Query("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name") {
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "schema %s %q %q %q\n", row.ColumnText(0), row.ColumnText(1), row.ColumnText(2), row.ColumnText(3))
		if row.ColumnText(0) == "table" && !strings.HasPrefix(row.ColumnText(3), "CREATE VIRTUAL") {
			tables = append(tables, row.ColumnText(1))
		}
	}
	for row, err := range c.Query("SELECT name, wr FROM pragma_table_list WHERE schema='main'") {
		if err != nil {
			t.Fatal(err)
		}
		wr[row.ColumnText(0)] = row.ColumnBool(1)
	}
	for _, p := range []string{"user_version", "application_id"} {
		for row, err := range c.Query("PRAGMA " + p) {
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %d\n", p, row.ColumnInt64(0))
		}
	}
	for _, tbl := range tables {
		q := `SELECT * FROM "` + strings.ReplaceAll(tbl, `"`, `""`) + `"`
		if !wr[tbl] {
			q = `SELECT _rowid_, * FROM "` + strings.ReplaceAll(tbl, `"`, `""`) + `"`
		}
		var rows []string
		for row, err := range c.Query(q) {
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			var r strings.Builder
			for i := range row.ColumnCount() {
				fmt.Fprintf(&r, "%s:%q|", row.ColumnType(i), row.ColumnRawBytes(i))
				if row.ColumnType(i) == sqlite.Float {
					fmt.Fprintf(&r, "%b|", row.ColumnFloat(i))
				}
			}
			rows = append(rows, r.String())
		}
		slices.Sort(rows)
		fmt.Fprintf(&b, "table %q %d rows\n%s\n", tbl, len(rows), strings.Join(rows, "\n"))
	}
	return b.String()
}

func dumpOf(t *testing.T, c *sqlite.Conn) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := dump.Dump(c, &buf, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// richSchema exercises what a dump must carry: rowids, blobs, NULs, odd
// identifiers, views, triggers, indexes, WITHOUT ROWID, generated columns,
// AUTOINCREMENT, FTS5 and user_version.
const richSchema = `
CREATE TABLE plain(a, b, c);
CREATE TABLE "odd ""name"" table"("col one" TEXT, "select" INTEGER, [br]acket REAL, "ünï" BLOB);
CREATE TABLE auto(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL DEFAULT 'x');
CREATE TABLE wr(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE gen(a INTEGER, b INTEGER GENERATED ALWAYS AS (a*2) VIRTUAL, c TEXT GENERATED ALWAYS AS (upper(d)) STORED, d TEXT);
CREATE TABLE hasrowid(rowid TEXT, x);
CREATE INDEX plain_b ON plain(b DESC, c);
CREATE UNIQUE INDEX auto_v ON auto(v) WHERE v <> 'x';
CREATE VIEW v1 AS SELECT a, b FROM plain WHERE a > 0;
CREATE TABLE log(msg);
CREATE TRIGGER plain_ins AFTER INSERT ON plain BEGIN INSERT INTO log VALUES('ins ' || new.a); END;
CREATE TRIGGER v1_ins INSTEAD OF INSERT ON v1 BEGIN INSERT INTO plain(a, b) VALUES(new.a, new.b); END;
CREATE VIRTUAL TABLE docs USING fts5(title, body);
PRAGMA user_version = 42;
PRAGMA application_id = 1234;
`

func fillRich(t *testing.T, c *sqlite.Conn) {
	exec1(t, c, richSchema)
	exec1(t, c, "INSERT INTO plain(rowid, a, b, c) VALUES(10, 1, 'it''s', x'00ff'), (20, NULL, 2.5, ''), (7, -9223372036854775808, 1e300, 'line1\nline2\r\nend')")
	exec1(t, c, "INSERT INTO plain VALUES(?, ?, ?)", "nul\x00inside", []byte{}, math.Inf(1))
	exec1(t, c, "INSERT INTO plain VALUES(?, ?, ?)", "bad utf8 \xff\xfe", 0.1, math.Inf(-1))
	exec1(t, c, "INSERT INTO plain VALUES(?, ?, ?)", 3.0, math.Copysign(0, -1), math.SmallestNonzeroFloat64)
	exec1(t, c, `INSERT INTO "odd ""name"" table" VALUES('a "q"', 1, 2.0, x'deadbeef')`)
	exec1(t, c, "INSERT INTO auto(v) VALUES('one'), ('two'), ('three'); DELETE FROM auto WHERE v = 'two'")
	exec1(t, c, "INSERT INTO wr VALUES('k1', 1), ('k2', NULL)")
	exec1(t, c, "INSERT INTO gen(a, d) VALUES(3, 'abc'), (NULL, NULL)")
	exec1(t, c, "INSERT INTO hasrowid(rowid, x) VALUES('text rowid', 1)")
	exec1(t, c, "INSERT INTO docs VALUES('Pasta', 'boil water, add salt'), ('Soup', 'chop onions; simmer')")
	exec1(t, c, "INSERT INTO v1 VALUES(5, 'via view')")
}

func TestDumpLoadsIntoSQLiteShellIdentically(t *testing.T) {
	dir := t.TempDir()
	src := open(t, filepath.Join(dir, "src.db"))
	fillRich(t, src)
	script := dumpOf(t, src)

	dst := filepath.Join(dir, "dst.db")
	loadWithShell(t, dst, script)
	got := open(t, dst)
	if a, b := snapshot(t, src), snapshot(t, got); a != b {
		t.Fatalf("databases differ after shell load\n--- source:\n%s\n--- loaded:\n%s\n--- dump:\n%s", a, b, script)
	}
	// The loaded FTS5 table still answers queries.
	var n int
	for row, err := range got.Query("SELECT count(*) FROM docs WHERE docs MATCH 'onions'") {
		if err != nil {
			t.Fatal(err)
		}
		n = row.ColumnInt(0)
	}
	if n != 1 {
		t.Errorf("fts5 MATCH after restore found %d rows, want 1", n)
	}
}

func TestRestoreReadsOwnDumpAndShellDump(t *testing.T) {
	dir := t.TempDir()
	src := open(t, filepath.Join(dir, "src.db"))
	fillRich(t, src)
	want := snapshot(t, src)

	mine := open(t, filepath.Join(dir, "mine.db"))
	if err := dump.Restore(mine, bytes.NewReader(dumpOf(t, src))); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, mine); got != want {
		t.Fatalf("restore of own dump differs\n--- want:\n%s\n--- got:\n%s", want, got)
	}

	shellDump, err := exec.Command(sqlite3Shell(t), filepath.Join(dir, "src.db"), ".dump").Output()
	if err != nil {
		t.Fatal(err)
	}
	fromShell := open(t, filepath.Join(dir, "shell.db"))
	if err := dump.Restore(fromShell, bytes.NewReader(shellDump)); err != nil {
		t.Fatal(err)
	}
	// The shell's .dump does not keep rowids of tables without an integer
	// primary key, so compare what it does keep: the schema and row counts.
	for row, err := range fromShell.Query("SELECT count(*) FROM plain") {
		if err != nil || row.ColumnInt(0) != 7 {
			t.Fatalf("plain has %d rows after restoring the shell's dump (err %v)", row.ColumnInt(0), err)
		}
	}
}

func TestRestoreRefusesNonEmptyDatabase(t *testing.T) {
	c := open(t, ":memory:")
	exec1(t, c, "CREATE TABLE t(x)")
	err := dump.Restore(c, strings.NewReader("CREATE TABLE u(y);"))
	if !errors.Is(err, dump.ErrNotEmpty) {
		t.Fatalf("got %v, want ErrNotEmpty", err)
	}
}

func TestRestoreReportsFailingLineAndRollsBack(t *testing.T) {
	c := open(t, ":memory:")
	script := "BEGIN;\nCREATE TABLE t(x);\nINSERT INTO t VALUES(1);\n\nINSERT INTO nope VALUES(2);\nCOMMIT;\n"
	err := dump.Restore(c, strings.NewReader(script))
	if err == nil || !strings.Contains(err.Error(), "line 5") {
		t.Fatalf("got %v, want an error naming line 5", err)
	}
	if !errors.Is(err, sqlite.ErrError) {
		t.Errorf("error does not wrap the SQLite error: %v", err)
	}
	if !c.AutoCommit() {
		t.Error("transaction left open")
	}
	for row, err := range c.Query("SELECT count(*) FROM sqlite_schema") {
		if err != nil || row.ColumnInt(0) != 0 {
			t.Errorf("schema not rolled back: %d objects (err %v)", row.ColumnInt(0), err)
		}
	}
}

func TestDumpOfClosedConnFails(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := dump.Dump(c, &bytes.Buffer{}, nil); !errors.Is(err, sqlite.ErrClosed) {
		t.Fatalf("got %v, want ErrClosed", err)
	}
}

// TestRandomDatabasesRoundTripThroughShell generates random schemas and data
// (odd identifiers, every storage class, edge values) and checks each dump
// loads into the sqlite3 shell as an identical database.
func TestRandomDatabasesRoundTripThroughShell(t *testing.T) {
	sqlite3Shell(t)
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			dir := t.TempDir()
			src := open(t, filepath.Join(dir, "src.db"))
			randomDatabase(t, src, rand.New(rand.NewPCG(uint64(seed), 7)))
			script := dumpOf(t, src)
			loadWithShell(t, filepath.Join(dir, "dst.db"), script)
			dst := open(t, filepath.Join(dir, "dst.db"))
			if a, b := snapshot(t, src), snapshot(t, dst); a != b {
				t.Fatalf("databases differ\n--- source:\n%s\n--- loaded:\n%s\n--- dump:\n%s", a, b, script)
			}
		})
	}
}

func randomIdent(r *rand.Rand) string {
	parts := []string{"a", "B", "select", "from", "x y", `q"uote`, "ünï", "n'q", "[b]", "_", "7", "tab\tle", "😀"}
	s := parts[r.IntN(len(parts))] + parts[r.IntN(len(parts))]
	return s + fmt.Sprint(r.IntN(1000))
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func randomValue(r *rand.Rand) any {
	switch r.IntN(9) {
	case 0:
		return nil
	case 1:
		return r.Int64() - r.Int64()
	case 2:
		return []int64{0, 1, -1, math.MaxInt64, math.MinInt64}[r.IntN(5)]
	case 3:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(600)-300))
	case 4:
		return []float64{0, math.Copysign(0, -1), 1, 0.1, math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64}[r.IntN(8)]
	case 5:
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	case 6:
		b := make([]byte, r.IntN(30))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b) // arbitrary bytes as text, NULs and invalid UTF-8 included
	default:
		pieces := []string{"it's", "\"", "\n", "\r\n", "--", "/*", ";", "ü", "😀", " ", "x'00'", "NULL"}
		var s strings.Builder
		for range r.IntN(6) {
			s.WriteString(pieces[r.IntN(len(pieces))])
		}
		return s.String()
	}
}

func randomDatabase(t *testing.T, c *sqlite.Conn, r *rand.Rand) {
	exec1(t, c, fmt.Sprintf("PRAGMA user_version = %d", r.IntN(1000)))
	for ti := range 1 + r.IntN(4) {
		name := randomIdent(r) + fmt.Sprint(ti)
		ncols := 1 + r.IntN(5)
		var names, cols []string
		types := []string{"", "INTEGER", "TEXT", "REAL", "BLOB", "NUMERIC", "ANY"}
		withoutRowid := r.IntN(3) == 0
		for ci := range ncols {
			n := quoteIdent(randomIdent(r) + fmt.Sprint(ci))
			names = append(names, n)
			cols = append(cols, n+" "+types[r.IntN(len(types))])
		}
		def := strings.Join(cols, ", ")
		if withoutRowid {
			def += ", PRIMARY KEY(" + names[0] + ")"
		}
		sql := "CREATE TABLE " + quoteIdent(name) + "(" + def + ")"
		if withoutRowid {
			sql += " WITHOUT ROWID"
		}
		exec1(t, c, sql)
		if r.IntN(2) == 0 {
			exec1(t, c, "CREATE INDEX "+quoteIdent(name+"_idx")+" ON "+quoteIdent(name)+"("+names[len(names)-1]+")")
		}
		for ri := range r.IntN(30) {
			args := make([]any, ncols)
			for i := range args {
				args[i] = randomValue(r)
			}
			if withoutRowid {
				args[0] = fmt.Sprint("pk", ri)
			}
			ph := strings.TrimSuffix(strings.Repeat("?,", ncols), ",")
			q := "INSERT INTO " + quoteIdent(name) + " VALUES(" + ph + ")"
			if !withoutRowid && r.IntN(2) == 0 {
				q = "INSERT INTO " + quoteIdent(name) + "(rowid," + strings.Join(names, ",") + ") VALUES(?," + ph + ")"
				args = append([]any{r.Int64N(1 << 40)}, args...)
			}
			if err := c.Exec(q, args...); err != nil && !errors.Is(err, sqlite.ErrConstraint) {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
}

// TestRestoredVirtualTableWorksOnTheRestoringConnection: the dump writes a
// virtual table into sqlite_schema directly; the connection that restores
// it rereads its schema, so the table works on it at once (a :memory:
// target has no other connection).
func TestRestoredVirtualTableWorksOnTheRestoringConnection(t *testing.T) {
	src := open(t, ":memory:")
	exec1(t, src, "CREATE VIRTUAL TABLE f USING fts5(a); INSERT INTO f VALUES ('hello world')")
	dst := open(t, ":memory:")
	if err := dump.Restore(dst, bytes.NewReader(dumpOf(t, src))); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range dst.Query("SELECT rowid FROM f WHERE f MATCH 'hello'") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d matches, want 1", n)
	}
}

// TestFailedRestoreLeavesTheSchemaReadOnly: a script that fails after
// turning writable_schema on does not leave it on.
func TestFailedRestoreLeavesTheSchemaReadOnly(t *testing.T) {
	c := open(t, ":memory:")
	err := dump.Restore(c, strings.NewReader("PRAGMA writable_schema=ON;\nINSERT INTO nope VALUES (1);\n"))
	if err == nil {
		t.Fatal("the failing script succeeded")
	}
	for row, err := range c.Query("PRAGMA writable_schema") {
		if err != nil || row.ColumnInt(0) != 0 {
			t.Fatalf("writable_schema %d (err %v), want 0", row.ColumnInt(0), err)
		}
	}
}

func TestNilWriterAndReaderAreErrors(t *testing.T) {
	c := open(t, ":memory:")
	if err := dump.Dump(c, nil, nil); err == nil {
		t.Error("Dump to a nil writer succeeded")
	}
	if err := dump.Restore(c, nil); err == nil {
		t.Error("Restore from a nil reader succeeded")
	}
}
