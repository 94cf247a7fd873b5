package shell

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestImportRenamesDuplicateColumnsAsSqlite3(t *testing.T) {
	for _, header := range []string{
		`a,a,,"b c"`,
		"A,a",
		",,",
		"x,,y,",
		"a,a,a_2",
		"a_1,a,a",
		"a,A,a_1",
		"a,a,a_02",
		"a_1,a_1,a,a",
		"a,a_1_1,a_1,a",
		"b,a,a,a,a,a,a,a,a,a,a,a",
		"É,é,Q,q",
		"a,b,c,d,e,f",
		// sqlite3 pads the positions to two digits to test the names,
		// not to make them, and fails on a_2.
		"a,a,a_2,b,c,d,e,f,g,h,i,j",
	} {
		files := map[string]string{"h.csv": header + "\n1,2,3,4,5,6,7,8,9,10,11,12\n"}
		script := ".import --csv h.csv t\n.schema t\n.mode quote\nSELECT * FROM t;\n"
		if got, want := bothWithFiles(t, files, script); got != want {
			t.Errorf("header %s:\n got %q\nwant %q", header, got, want)
		}
	}
}

func TestImportRenamesDuplicateColumns(t *testing.T) {
	for _, tc := range []struct {
		header, names []string
		renames       int
	}{
		{[]string{"a", "a", "", "b c"}, []string{"a_1", "a_2", "?", "b c"}, 2},
		{[]string{"A", "a"}, []string{"A_1", "a_2"}, 2},
		{[]string{"", "", ""}, []string{"?_1", "?_2", "?_3"}, 3},
		{[]string{"a", "a", "a_2"}, []string{"a_01", "a_02", "a_2"}, 2},
		{[]string{"x", "y"}, []string{"x", "y"}, 0},
	} {
		names, renames := importColumnNames(tc.header)
		if !slices.Equal(names, tc.names) || len(renames) != tc.renames {
			t.Errorf("%q: got %q, %d renames; want %q, %d", tc.header, names, len(renames), tc.names, tc.renames)
		}
	}

	sh, out, errOut := newShell(t, "")
	writeFile(t, "dup.csv", "a,a,,\"b c\"\n1,2,3,4\n")
	if err := sh.Run(context.Background(), strings.NewReader(".import --csv dup.csv t\n.mode quote\nSELECT * FROM t;\n.schema t\n")); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	if want := "Columns renamed during .import dup.csv due to duplicates:\n\"a\" to \"a_1\",\n\"a\" to \"a_2\"\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
	if want := "'1','2','3','4'\nCREATE TABLE IF NOT EXISTS \"t\"(\n\"a_1\" TEXT, \"a_2\" TEXT, \"?\" TEXT, \"b c\" TEXT);\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
}

func TestImportFindsTablesAsSqlite3(t *testing.T) {
	files := map[string]string{"n.csv": "a,b\n1,2\n"}
	for _, script := range []string{
		"CREATE TEMP TABLE t(a,b);\n.import --csv n.csv t\n.tables\n.mode quote\nSELECT * FROM temp.t;\n",
		"ATTACH ':memory:' AS aux;\nCREATE TABLE aux.t(a,b);\n.import --csv n.csv t\n.tables\nSELECT * FROM aux.t;\n",
		"CREATE TEMP TABLE t(a,b);\nCREATE TABLE main.t(c,d);\n.import --csv n.csv t\nSELECT * FROM temp.t;\nSELECT count(*) FROM main.t;\n",
		".import --csv --schema temp n.csv t\n.tables\n.schema t\nSELECT * FROM t;\n",
		".import --csv --schema nope n.csv t\n",
		"CREATE VIEW v AS SELECT 1 a, 2 b;\n.import --csv n.csv v\n.tables\n",
		"CREATE TABLE t(a,b);\n.import --csv n.csv t\n.import --csv --schema main n.csv t\nSELECT * FROM t;\n",
	} {
		if got, want := bothWithFiles(t, files, script); got != want {
			t.Errorf("%q:\n got %q\nwant %q", script, got, want)
		}
	}
}

func TestImportIntoTempTable(t *testing.T) {
	sh, out, errOut := newShell(t, "CREATE TEMP TABLE t(a,b)")
	writeFile(t, "n.csv", "a,b\n1,2\n")
	if err := sh.Run(context.Background(), strings.NewReader(".import --csv n.csv t\n.tables\n.mode quote\nSELECT * FROM temp.t;\n")); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	// The header is data, as the table exists, and no main.t is made.
	if want := "temp.t\n'a','b'\n'1','2'\n"; out.String() != want || errOut.Len() > 0 {
		t.Errorf("got %q, stderr %q; want %q", out, errOut, want)
	}
}

// schemaObjects has an object of each kind in main, temp and attached
// databases, sqlite_sequence, and long statements for --indent.
const schemaObjects = `ATTACH ':memory:' AS aux;
ATTACH ':memory:' AS "my db";
CREATE TABLE aux.at(z);
CREATE TABLE mt(y);
CREATE TEMP TABLE tt(x);
CREATE TABLE seq(a INTEGER PRIMARY KEY AUTOINCREMENT, b);
INSERT INTO seq(b) VALUES (1);
CREATE INDEX aux.ai ON at(z);
CREATE VIEW "my db".w AS SELECT 1 x;
CREATE TEMP VIEW tv AS SELECT 2 y;
CREATE TABLE "my db"."odd t"(q);
CREATE TRIGGER aux.atr AFTER INSERT ON at BEGIN SELECT 1; END;
CREATE TABLE long1(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'a,(b)', value REAL CHECK (value > 0), other BLOB, UNIQUE(name, value));
CREATE TABLE "q t"(a   ,   b    -- comment, here
, c [x,y] DEFAULT "(", d ` + "`e,f`" + `, eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee, ffffffffffffffffffffffffffffff);
CREATE INDEX long_index_name_here ON long1(name, value, other, id) WHERE name IS NOT NULL AND value > 10;
CREATE TABLE t3(
  a INTEGER,
  b TEXT,  -- trailing comment
  dddddddddddddddddddddddddddddddddddddddd
);
CREATE TEMP TABLE tt2(xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy, zzz);
`

func TestSchemaMatchesSqlite3(t *testing.T) {
	for _, cmds := range []string{
		".schema main.mt\n.schema aux.at\n.schema temp.tt\n.schema aux.%\n.schema\n",
		".schema tt\n.schema at\n.schema AUX.AT\n.schema %.at\n.schema %.w\n.schema ?t\n.schema main.M*\n.schema t_\n.schema my%\n",
		".schema --nosys\n.schema -nosys s%\n.schema sqlite_seq%\n.schema sqlite_master\n.schema --nosys sqlite%\n",
		".schema --indent\n.schema --indent --nosys\n.schema -indent long%\n",
		".schema --bogus\n.schema a b\n.schema --indent a b\n",
	} {
		script := schemaObjects + cmds
		if got, want := both(t, script); got != want {
			t.Errorf("%q:\n got %q\nwant %q", cmds, got, want)
		}
	}
}

func TestSchemaNamesSchemasAndShowsSystemTables(t *testing.T) {
	sh, out, errOut := newShell(t, `ATTACH ':memory:' AS aux; CREATE TABLE aux.at(z); CREATE TABLE mt(y);
		CREATE TEMP TABLE tt(x); CREATE TABLE seq(a INTEGER PRIMARY KEY AUTOINCREMENT); INSERT INTO seq VALUES (NULL);
		CREATE INDEX mi ON mt(y); INSERT INTO mt VALUES (1); ANALYZE main;`)
	ctx := context.Background()
	for _, tc := range []struct{ cmd, want string }{
		{".schema main.mt", "CREATE TABLE mt(y);\nCREATE INDEX mi ON mt(y);\n"},
		{".schema temp.tt", "CREATE TABLE temp.tt(x);\n"},
		{".schema aux.%", "CREATE TABLE aux.at(z);\n"},
		{".schema sqlite_seq%", "CREATE TABLE sqlite_sequence(name,seq);\n"},
		{".schema sqlite_stat1", "CREATE TABLE sqlite_stat1(tbl,idx,stat);\n"},
		{".schema --nosys sqlite_seq%", ""},
	} {
		out.Reset()
		if err := sh.Exec(ctx, tc.cmd); err != nil {
			t.Fatalf("%s: %v: %s", tc.cmd, err, errOut)
		}
		// The build may analyze into sqlite_stat4 as well.
		if got := strings.ReplaceAll(out.String(), "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample);\n", ""); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.cmd, got, tc.want)
		}
	}
	if err := sh.Exec(ctx, ".schema --bogus"); err == nil || !strings.Contains(errOut.String(), `Unknown option: "--bogus"`) {
		t.Errorf(".schema --bogus: %v, stderr %q", err, errOut)
	}
}

// writeFile writes text to name in the current directory.
func writeFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
