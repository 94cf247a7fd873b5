package shell

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

// zoo holds the values every output mode must write as sqlite3 does.
const zoo = `CREATE TABLE zoo(a, "b c");
INSERT INTO zoo VALUES (NULL, 1), (42, -7), (1.0, 1e300), (-0.0, 0.1), ('it''s "q"', 'a|b,c'),
 ('line1
line2', 'tab	here'), ('cr' || char(13) || 'lf' || char(13,10) || 'x', '\n and \012'), (x'00ff41', ''),
 (9223372036854775807, 3.14159265358979), (1e-5, 123456789012345678.0), (-1e999, 1e999),
 ('<b>&amp;</b>', char(1,2,31,127)), ('a b', 'x''y'), ('back\\slash', '!#$%'), (x'', -9223372036854775808);
INSERT INTO zoo VALUES (91/7.0, 13.0), (0.3, 2.0/3), (1e15, 1e16), (100.0, 1e-300);
CREATE TABLE nums AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 2000)
 SELECT i, i/7.0 AS sev, i*0.001 AS milli, 1.0/i AS inv, i*i*1e150 AS big, -i/3.0 AS neg FROM c;
CREATE TABLE wide(w);
INSERT INTO wide VALUES ('héllo 世界'), ('e' || char(769)), ('ｆｕｌｌ');
`

var extraSettings = regexp.MustCompile(`(?m)^ *(bail|changes|timer|trace|usage): o(n|ff)\n`)

// zooFile is a database file holding the zoo, made once.
var zooFile = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "zoo")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	c, err := sqlite.Open(filepath.Join(dir, "zoo.db"), 0)
	if err != nil {
		return nil, err
	}
	if err := c.Exec(zoo); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, "zoo.db"))
})

// sqlite3Path returns the sqlite3 program, skipping the test without it.
func sqlite3Path(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("sqlite3 is not installed")
	}
	return path
}

// both runs script on a copy of the zoo through the shell and through
// sqlite3, returning their outputs.
func both(t *testing.T, script string) (got, want string) {
	t.Helper()
	return bothWithFiles(t, nil, script)
}

// bothWithFiles is both, with files (names to contents) written to the
// directory the script runs in.
func bothWithFiles(t *testing.T, files map[string]string, script string) (got, want string) {
	t.Helper()
	sqlite3 := sqlite3Path(t)
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	newZoo := func(name string) string {
		db := filepath.Join(dir, name)
		data, err := zooFile()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(db, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return db
	}
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte("a,b\r\n1,2\n3\n\n4,5,6\n\"x,y\",\"q\"\"z\"\n\"multi\nline\",\"bad\"quote\"\n\xef\xbb\xbfbom,7\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "in.sql"), []byte("CREATE TABLE fromread(x);\nINSERT INTO fromread VALUES(1),\n(2);\n.mode csv\nSELECT * FROM fromread;\n"), 0o644)
	cmd := exec.Command(sqlite3, "-batch", newZoo("zoo.db"))
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(script)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Run()
	want = out.String() + errOut.String()
	if data, err := os.ReadFile(filepath.Join(dir, "out.txt")); err == nil {
		want += "out.txt: " + string(data)
		os.Remove(filepath.Join(dir, "out.txt"))
	}
	os.Remove(filepath.Join(dir, "bk.db"))
	os.Remove(filepath.Join(dir, "other.db"))

	os.Remove(filepath.Join(dir, "zoo.db"))
	conn, err := sqlite.Open(newZoo("zoo.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var sout, serr bytes.Buffer
	sh := New(conn, &sout, &serr)
	defer sh.Close()
	t.Chdir(dir)
	sh.Run(context.Background(), strings.NewReader(script))
	sh.Close()
	got = sout.String() + serr.String()
	if data, err := os.ReadFile(filepath.Join(dir, "out.txt")); err == nil {
		got += "out.txt: " + string(data)
	}
	// .show's lines after sqlite3's are the shell's own settings.
	return extraSettings.ReplaceAllString(got, ""), want
}

// Errors read as sqlite3 writes them: the phase, the line, the message,
// the primary result code unless it is SQLITE_ERROR, and the caret under a
// parse error.
func TestErrorsMatchSqlite3(t *testing.T) {
	script := `CREATE TABLE errs(a UNIQUE, b NOT NULL CHECK (b > 0));
INSERT INTO errs VALUES (1, 1);
INSERT INTO errs VALUES (1, 2);
INSERT INTO errs VALUES (2, NULL);
INSERT INTO errs VALUES (3, -1);
SELECT randomblob(2000000000);
SELECT abs(-9223372036854775808);
SELECT nosuch FROM errs;
INSERT INTO nosuch VALUES (1);
SELECT count(*) FROM errs;
`
	if got, want := both(t, script); got != want {
		t.Errorf("shell:\n%s\nsqlite3:\n%s", got, want)
	}
}

func TestOutputModesMatchSqlite3(t *testing.T) {
	modes := []string{"list", "csv", "json", "line", "quote", "insert", "markdown", "html", "tabs", "ascii", "tcl"}
	for _, m := range modes {
		for _, headers := range []string{"on", "off"} {
			for _, q := range []string{"SELECT * FROM zoo", "SELECT * FROM wide", "SELECT * FROM nums", "SELECT 1 WHERE 0"} {
				script := fmt.Sprintf(".mode %s\n.headers %s\n%s;\n", m, headers, q)
				got, want := both(t, script)
				if got != want {
					t.Errorf("%q:\n got %q\nwant %q", script, got, want)
				}
			}
		}
	}
}

func TestColumnarModesMatchSqlite3OnASCII(t *testing.T) {
	// box, table and column align by display width, where sqlite3 counts
	// characters: the two agree on ASCII text.
	for _, m := range []string{"box", "table", "column", "markdown"} {
		for _, q := range []string{"SELECT * FROM zoo WHERE typeof(a) != 'blob' AND rowid NOT IN (1)",
			"SELECT 1 AS x, 'abc' AS yy UNION ALL SELECT NULL, 'defghi'"} {
			script := fmt.Sprintf(".mode %s\n.nullvalue NULL\n%s;\n.width 5 -3\n%s;\n.width 0 0\n.mode %s --wrap 4\n%s;\n", m, q, q, m, q)
			got, want := both(t, script)
			if got != want {
				t.Errorf("%q:\n got %q\nwant %q", script, got, want)
			}
		}
	}
}

func TestSettingsMatchSqlite3(t *testing.T) {
	for _, script := range []string{
		".separator ; ~\n.nullvalue -\nSELECT * FROM zoo;\n",
		".mode csv\n.separator |\nSELECT * FROM zoo;\n",
		".mode insert t2\n.headers on\nSELECT * FROM zoo;\n",
		".mode insert\nSELECT 1 AS \"select\", 2 AS \"x y\", 3 AS _ok;\n",
		".tables\n.tables z%\n.indexes\n.schema\n.schema wid%\n",
		"CREATE INDEX i1 ON zoo(a); CREATE VIEW v AS SELECT 1;\n.tables\n.indexes\n.indexes zoo\n.schema\n",
		".parameter set :x 42\n.parameter set @y 'hello'\n.parameter list\nSELECT :x, @y, $z;\n.parameter unset :x\nSELECT :x;\n.parameter clear\nSELECT @y;\n",
		".echo on\nSELECT 1;\n.echo off\n",
		"CREATE TABLE \"q t\"(x); CREATE TABLE c(x) -- trailing\n;\nCREATE TABLE d(x /* in */);\n.schema\n",
		".import --csv in.csv imp\n.schema imp\nSELECT * FROM imp;\n.import --csv --skip 2 in.csv imp\nSELECT count(*) FROM imp;\n",
		".import in.csv imp2\nSELECT * FROM imp2;\n.mode ascii\n.import in.csv imp3\n.mode quote\nSELECT * FROM imp3;\n",
		"CREATE TABLE e(p,q,r);\n.import --csv in.csv e\n.mode quote\nSELECT * FROM e;\n",
		".read in.sql\nSELECT * FROM fromread;\n",
		".backup main bk.db\n.open bk.db\nSELECT count(*) FROM zoo;\n.open\nSELECT count(*) FROM sqlite_schema;\n.restore bk.db\nSELECT count(*) FROM zoo;\n",
		".databases\nATTACH 'other.db' AS other;\nCREATE TABLE other.o(x);\n.databases\n.tables\nBEGIN;\nSELECT * FROM zoo LIMIT 1;\n.databases\n",
		"SELECT 1;\n.quit\nSELECT 2;\n",
		"CREATE INDEX za ON zoo(a);\nEXPLAIN QUERY PLAN SELECT * FROM zoo WHERE a = 1 UNION ALL SELECT * FROM zoo, wide;\n.mode json\nEXPLAIN QUERY PLAN SELECT * FROM zoo WHERE a IN (SELECT a FROM zoo);\nEXPLAIN QUERY PLAN SELECT 1;\n",
		"EXPLAIN SELECT * FROM zoo;\n",
		".separator \\t \\r\\n\nSELECT * FROM zoo;\n.separator \"\\\\ \\\"x\" '\\t'\n.nullvalue 'a b'\nSELECT * FROM zoo;\n.separator \\101\\x\nSELECT 1, 2;\n",
		"SELECT 1;\n.exit 3\nSELECT 2;\n",
		".mode qbox\nSELECT * FROM zoo WHERE rowid < 6;\n.mode\n.mode nope\n",
		".show\n.mode box\n.width 3 -4\n.nullvalue é\n.stats on\n.separator ; \\t\n.show\n.stats off\n.mode insert t\n.output out.txt\n.show\n",
		".nullvalue\n.bogus\n.headers\n.bail maybe\n",
		".changes on\nINSERT INTO zoo VALUES(1,2);\nSELECT 3;\n",
		".once out.txt\nSELECT 1;\nSELECT 2;\n",
		".once out.txt\n.tables\n.tables\n",
		".output out.txt\nSELECT 1;\n.output\nSELECT 2;\n",
		".mode list\n.mode\n.mode column\n.mode\n",
		".mode c\n.mode\n.mode t\n.mode\n.mode ta\n.mode\n.mode li\n.mode\n.mode m\n.mode\n.mode lines\n.mode\n.mode columns\n.mode\n.mode q\n.mode\n",
		".mode box --wrap 10 --wordwrap on\nSELECT 'the quick brown fox jumps over the lazy dog' AS t, 'abcdefghijklmnopqrstuvwxyz' AS u, 'x.y-z(1,2)' || char(9) || 'tab, and, commas' AS v;\n.mode\n",
		".mode table --quote\nSELECT * FROM zoo WHERE rowid NOT IN (7, 8);\n.mode\n.mode column -ww\n.mode\n",
		"SELECT 1;\nSELECT * FROM nope;\nSELECT 2;\n",
		".bail on\nSELECT 1;\nSELECT * FROM nope;\nSELECT 2;\n",
		"SELECT 1; SELECT 2\n;SELECT 3\n",
	} {
		got, want := both(t, script)
		if got != want {
			t.Errorf("%q:\n got %q\nwant %q", script, got, want)
		}
	}
}

func TestRealsFormatAsSqlite3(t *testing.T) {
	sqlite3 := sqlite3Path(t)
	rng := rand.New(rand.NewSource(1))
	vals := []float64{1, 1e300, 0.1, 1e-5, 3.14159265358979, 123456789012345678.0, 0.5, 100, 1e15,
		1e16, 1e17, 1e-300, 2.5e-308, 1.7976931348623157e308, 0.3, 2.0 / 3, 12345.678, 5e-324}
	for range 200 {
		vals = append(vals, rng.Float64()*math.Pow(10, float64(rng.Intn(40)-20)))
	}
	// The values reach sqlite3 as exact bits, through ieee754(), since its
	// own reading of decimal text rounds differently.
	var sql strings.Builder
	for _, v := range vals {
		frac, exp := math.Frexp(v)
		m := int64(frac * (1 << 53))
		fmt.Fprintf(&sql, "SELECT printf('%%!.15g %%!.20g', ieee754(%d,%d), ieee754(%d,%d));\n", m, exp-53, m, exp-53)
	}
	cmd := exec.Command(sqlite3, ":memory:")
	cmd.Stdin = strings.NewReader(sql.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, v := range vals {
		if got := formatReal(v, 15) + " " + formatReal(v, 20); got != lines[i] {
			t.Errorf("%v: got %q, sqlite3 %q", v, got, lines[i])
		}
	}
}

func TestDumpLoadsBackInSqlite3(t *testing.T) {
	// The shell's .dump is ext/dump's, not sqlite3's text; what sqlite3
	// makes of it must be the database itself.
	sqlite3 := sqlite3Path(t)
	sh, out, errOut := newShell(t, zoo+"CREATE INDEX za ON zoo(a); CREATE VIEW v AS SELECT a FROM zoo; CREATE TRIGGER tr AFTER INSERT ON wide BEGIN SELECT 1; END;")
	if err := sh.Exec(context.Background(), ".dump"); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	load := exec.Command(sqlite3, "copy.db")
	load.Stdin = strings.NewReader(out.String())
	if msg, err := load.CombinedOutput(); err != nil || len(msg) > 0 {
		t.Fatalf("sqlite3 loading the dump: %v: %s", err, msg)
	}
	dumpOf := func(db string) string {
		text, err := exec.Command(sqlite3, db, ".dump").Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(text)
	}
	if got, want := dumpOf("copy.db"), dumpOf("test.db"); got != want {
		t.Errorf("sqlite3 dumps the copy as\n%s\nand the original as\n%s", got, want)
	}
}

func TestQuickRealsMatchExtendedArithmetic(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	vals := []float64{0, 1, 0.5, 1e15, 999999999999999.5, 1000000000000005, 9.99999999999999e22, 5e-324, math.MaxFloat64}
	for range 50000 {
		vals = append(vals, rng.Float64()*math.Pow(10, float64(rng.Intn(80)-40)), math.Float64frombits(rng.Uint64()>>1), float64(rng.Int63n(1<<53)))
	}
	quick := 0
	for _, v := range vals {
		z, ok := formatReal15(v)
		if !ok {
			continue
		}
		quick++
		if want := formatExtended(v, 15); z != want {
			t.Errorf("%v: quick %q, extended %q", v, z, want)
		}
	}
	if quick < len(vals)/2 {
		t.Errorf("only %d of %d values took the quick way", quick, len(vals))
	}
}
