package serve

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// newWriteHandler serves a test database, with a table audit and a table
// checked with a CHECK constraint, with writes on.
func newWriteHandler(t *testing.T) (*asqlite.DB, *Handler) {
	t.Helper()
	db := newTestDB(t, 0)
	if err := db.ExecScript(context.Background(), `
		CREATE TABLE audit (what TEXT);
		CREATE TABLE checked (n INTEGER CHECK (n > 0));`); err != nil {
		t.Fatal(err)
	}
	return db, newTestHandler(t, db, &Options{Write: true, Token: testToken})
}

// execute posts sql to the execute endpoint.
func execute(t *testing.T, h *Handler, sql string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"sql": sql})
	code, body, _ := do(t, h, "POST", "/test/-/execute", string(b), "Authorization", "Bearer "+testToken)
	return code, body
}

// A temporary trigger made through the execute endpoint would stay on the
// writer and rewrite the program's own later writes.
func TestWriteEndpointRefusesTempTrigger(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db, h := newWriteHandler(t)
	ctx := context.Background()
	code, body := execute(t, h, "CREATE TEMP TRIGGER tr AFTER INSERT ON audit BEGIN DELETE FROM audit; END")
	if code != 403 || decode(t, body)["title"] != "Statement not allowed" {
		t.Errorf("CREATE TEMP TRIGGER: %d %s", code, body)
	}
	if _, err := db.Exec(ctx, "INSERT INTO audit VALUES ('mine')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM audit").Scan(&n); err != nil || n != 1 {
		t.Errorf("the program's insert left %d rows (%v), want 1", n, err)
	}
}

// A pragma set through the execute endpoint would stay set on the writer:
// the program's own insert breaking a CHECK constraint must still fail.
func TestWriteEndpointRefusesConnectionPragmas(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db, h := newWriteHandler(t)
	ctx := context.Background()
	for _, sql := range []string{
		"PRAGMA ignore_check_constraints = 1",
		"PRAGMA ignore_check_constraints = ON",
	} {
		code, body := execute(t, h, sql)
		if code != 403 {
			t.Errorf("%s: %d %s", sql, code, body)
		}
	}
	if _, err := db.Exec(ctx, "INSERT INTO checked VALUES (-1)"); !errors.Is(err, sqlite.ErrConstraint) {
		t.Errorf("the program's insert breaking CHECK: %v, want a constraint error", err)
	}
}

// writeHostile are statements the write endpoints must refuse: they reach
// beyond the database's content, or leave state on the writer connection,
// which the program's own writes share.
var writeHostile = []string{
	"ATTACH ':memory:' AS m",
	"DETACH main",
	"SELECT load_extension('/tmp/evil.so')",
	"INSERT INTO audit VALUES (load_extension('/tmp/evil.so', 'init'))",

	"CREATE TEMP TABLE u (x)",
	"CREATE TABLE temp.u (x)",
	"CREATE TEMP TABLE u AS SELECT * FROM t",
	"CREATE TEMP VIEW v AS SELECT 1",
	"CREATE VIEW temp.v AS SELECT 1",
	"CREATE TEMP TRIGGER tr AFTER INSERT ON audit BEGIN DELETE FROM audit; END",
	"CREATE TRIGGER temp.tr AFTER INSERT ON audit BEGIN DELETE FROM audit; END",
	"CREATE TEMP TRIGGER tr BEFORE UPDATE ON t BEGIN SELECT RAISE(IGNORE); END",
	"CREATE VIRTUAL TABLE temp.vt USING fts5(x)",

	"BEGIN",
	"BEGIN IMMEDIATE",
	"COMMIT",
	"END",
	"ROLLBACK",
	"SAVEPOINT s",
	"RELEASE s",

	"PRAGMA ignore_check_constraints = 1",
	"PRAGMA recursive_triggers = 1",
	"PRAGMA defer_foreign_keys = 1",
	"PRAGMA foreign_keys = 1",
	"PRAGMA foreign_keys = OFF",
	"PRAGMA cell_size_check = 1",
	"PRAGMA case_sensitive_like = 1",
	"PRAGMA reverse_unordered_selects = 1",
	"PRAGMA legacy_alter_table = 1",
	"PRAGMA automatic_index = 0",
	"PRAGMA cache_size = 1",
	"PRAGMA cache_spill = 0",
	"PRAGMA busy_timeout = 0",
	"PRAGMA hard_heap_limit = 1",
	"PRAGMA soft_heap_limit = 1",
	"PRAGMA threads = 4",
	"PRAGMA temp_store = MEMORY",
	"PRAGMA synchronous = OFF",
	"PRAGMA main.synchronous = OFF",
	"PRAGMA wal_autocheckpoint = 0",
	"PRAGMA analysis_limit = 1",
	"PRAGMA count_changes = 1",
	"PRAGMA full_column_names = 1",
	"PRAGMA short_column_names = 0",
	"PRAGMA empty_result_callbacks = 1",
	"PRAGMA query_only = 1",
	"PRAGMA trusted_schema = 1",
	"PRAGMA writable_schema = 1",
	"PRAGMA journal_mode = DELETE",
	"PRAGMA locking_mode = EXCLUSIVE",
	"PRAGMA mmap_size = 0",
	"PRAGMA temp_store_directory = '/tmp'",
	"PRAGMA data_store_directory = '/tmp'",
	"PRAGMA journal_size_limit = 0",
	"PRAGMA secure_delete = 1",
	"PRAGMA auto_vacuum = FULL",
	"PRAGMA page_size = 512",
	"PRAGMA encoding = 'UTF-16'",
	"PRAGMA schema_version = 1",
	"PRAGMA user_version = 7",
	"PRAGMA application_id = 7",
	"PRAGMA shrink_memory",
	"PRAGMA wal_checkpoint(TRUNCATE)",
	"PRAGMA ignore_check_constraints",
}

func TestWriteEndpointsRefuseHostileStatements(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db, h := newWriteHandler(t)
	ctx := context.Background()
	// The program's own temp table, which the endpoints may not touch.
	if err := db.ExecScript(ctx, `
		CREATE TEMP TABLE mine (x);
		INSERT INTO mine VALUES (1);
		CREATE INDEX temp.mine_x ON mine (x);
		CREATE TEMP VIEW myview AS SELECT x FROM mine;
		CREATE TEMP TRIGGER mytrigger AFTER INSERT ON audit BEGIN INSERT INTO mine VALUES (NEW.what); END;
		CREATE VIRTUAL TABLE temp.myfts USING fts5(x);`); err != nil {
		t.Fatal(err)
	}
	var before string
	if err := db.Write(ctx, func(c *sqlite.Conn) error { before = writerState(t, c); return nil }); err != nil {
		t.Fatal(err)
	}
	hostile := append(writeHostile, "INSERT INTO temp.mine VALUES (2)", "DELETE FROM mine",
		"UPDATE temp.mine SET x = 3", "DROP TABLE temp.mine", "ALTER TABLE temp.mine ADD COLUMN y",
		"ALTER TABLE mine RENAME TO yours", "DROP INDEX temp.mine_x", "DROP VIEW myview", "DROP TRIGGER mytrigger",
		"DROP TABLE myfts", "INSERT INTO myfts VALUES ('x')",
		// The writer's own statements, in its statement cache, are judged too.
		"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", "SAVEPOINT asqlite_write", "RELEASE asqlite_write")
	for _, sql := range hostile {
		code, body := execute(t, h, sql)
		if m := decode(t, body); code != 403 || m["title"] != "Statement not allowed" {
			t.Errorf("%s: %d %s", sql, code, body)
		}
	}
	var after string
	if err := db.Write(ctx, func(c *sqlite.Conn) error { after = writerState(t, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("the writer's state changed:\nbefore %s\n after %s", before, after)
	}
	// The insert endpoint refuses the program's temp tables too.
	code, body, _ := do(t, h, "POST", "/test/mine/-/insert", `{"row": {"x": 2}}`, "Authorization", "Bearer "+testToken)
	if code != 403 {
		t.Errorf("insert into the program's temp table: %d %s", code, body)
	}
	// What is left to the endpoints works: content, harmless maintenance,
	// pragmas that report.
	for _, sql := range []string{
		"INSERT INTO audit VALUES ('x')", // runs the program's trigger mytrigger
		"CREATE TABLE u (x)",
		"CREATE INDEX u_x ON u (x)",
		"CREATE TRIGGER tr AFTER INSERT ON u BEGIN INSERT INTO audit VALUES ('u'); END",
		"DROP TRIGGER tr",
		"DROP TABLE u",
		"ANALYZE",
		"REINDEX",
		"PRAGMA optimize",
		"PRAGMA optimize = 0x10002",
		"PRAGMA incremental_vacuum",
		"PRAGMA incremental_vacuum(10)",
		"PRAGMA table_info(t)",
		"PRAGMA user_version",
		"PRAGMA foreign_keys",
		"PRAGMA journal_mode",
		"SELECT * FROM pragma_table_info('t')",
	} {
		if code, body := execute(t, h, sql); code != 200 {
			t.Errorf("%s: %d %s", sql, code, body)
		}
	}
}

// writerState describes the settings of the writer connection and what
// its temp schema holds.
func writerState(t *testing.T, c *sqlite.Conn) string {
	t.Helper()
	var sb strings.Builder
	for _, p := range []string{
		"ignore_check_constraints", "recursive_triggers", "defer_foreign_keys", "foreign_keys",
		"cell_size_check", "reverse_unordered_selects", "legacy_alter_table", "automatic_index",
		"cache_size", "cache_spill", "busy_timeout", "threads", "temp_store", "synchronous",
		"wal_autocheckpoint", "analysis_limit", "query_only", "trusted_schema", "journal_mode",
		"locking_mode", "journal_size_limit", "secure_delete", "auto_vacuum", "user_version",
		"application_id",
	} {
		for s, err := range c.Query("PRAGMA " + p) {
			if err != nil {
				t.Fatalf("PRAGMA %s: %v", p, err)
			}
			sb.WriteString(p + "=" + s.ColumnText(0) + " ")
		}
	}
	for s, err := range c.Query("SELECT type || ':' || name FROM temp.sqlite_schema ORDER BY name") {
		if err != nil {
			t.Fatal(err)
		}
		sb.WriteString(s.ColumnText(0) + " ")
	}
	for s, err := range c.Query("SELECT group_concat(x) FROM temp.mine") {
		if err != nil {
			t.Fatal(err)
		}
		sb.WriteString("mine=" + s.ColumnText(0) + " ")
	}
	for s, err := range c.Query("SELECT group_concat(name) FROM pragma_database_list") {
		if err != nil {
			t.Fatal(err)
		}
		sb.WriteString("dbs=" + s.ColumnText(0))
	}
	return sb.String()
}

// load_extension, refused by the authorizers, is a refusal (403), though
// SQLite reports a refused function as a plain SQL error.
func TestLoadExtensionRefusedAsNotAllowed(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	_, h := newWriteHandler(t)
	for _, sql := range []string{"SELECT load_extension('/tmp/evil.so')", "SELECT load_extension('/tmp/evil.so', 'init')"} {
		for _, target := range []string{"/test/-/query.json?" + q(sql), "/test/-/query.csv?" + q(sql)} {
			code, body, _ := do(t, h, "GET", target, "")
			if m := decode(t, body); code != 403 || m["title"] != "Statement not allowed" {
				t.Errorf("%s: %d %s", target, code, body)
			}
		}
		code, body := execute(t, h, sql)
		if m := decode(t, body); code != 403 || m["title"] != "Statement not allowed" {
			t.Errorf("execute %s: %d %s", sql, code, body)
		}
	}
	// A function that does not exist is still a mistake in the SQL.
	code, body, _ := do(t, h, "GET", "/test/-/query.json?"+q("SELECT no_such_function(1)"), "")
	if code != 400 {
		t.Errorf("unknown function: %d %s", code, body)
	}
	if code, body := execute(t, h, "SELECT no_such_function(1)"); code != 400 {
		t.Errorf("execute unknown function: %d %s", code, body)
	}
}

// The execute endpoint prepares its statements itself (see execScript):
// scripts and their parameters work as sqlite.Conn.Exec has them.
func TestExecuteScriptParameters(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	db, h := newWriteHandler(t)
	auth := []string{"Authorization", "Bearer " + testToken}
	for _, tc := range []struct {
		body    string
		status  int
		changes float64
	}{
		{`{"sql": "INSERT INTO audit VALUES (?); INSERT INTO audit VALUES (?), (?)", "params": ["a", "b", "c"]}`, 200, 2},
		{`{"sql": "INSERT INTO audit VALUES (:w); INSERT INTO audit VALUES ($w || :v)", "params": {"w": "d", "v": "e"}}`, 200, 1},
		{`{"sql": "INSERT INTO audit VALUES (?2 || ?1)", "params": ["f", "g"]}`, 200, 1},
		{`{"sql": "INSERT INTO audit VALUES ('h') -- a comment"}`, 200, 1},
		{`{"sql": "UPDATE audit SET what = what WHERE 0"}`, 200, 0},
		{`{"sql": "INSERT INTO audit VALUES (?); INSERT INTO audit VALUES (?)", "params": ["x"]}`, 400, 0},
		{`{"sql": "INSERT INTO audit VALUES (?)", "params": ["x", "y"]}`, 400, 0},
		{`{"sql": "INSERT INTO audit VALUES (:w)", "params": {"w": "x", "nope": 1}}`, 400, 0},
		{`{"sql": "INSERT INTO audit VALUES (:w)", "params": {"v": "x"}}`, 400, 0},
		{`{"sql": "INSERT INTO audit VALUES (?)", "params": {"w": "x"}}`, 400, 0},
		{`{"sql": "INSERT INTO audit VALUES (:w)"}`, 400, 0},
		{`{"sql": "INSERT INTO audit VALUES ('x'); INSERT INTO nosuch VALUES (1)"}`, 400, 0},
	} {
		code, body, _ := do(t, h, "POST", "/test/-/execute", tc.body, auth...)
		m := decode(t, body)
		if code != tc.status || code == 200 && m["changes"] != tc.changes {
			t.Errorf("%s: %d %s", tc.body, code, body)
		}
	}
	var got string
	if err := db.QueryRow(context.Background(), "SELECT group_concat(what, ',') FROM audit").Scan(&got); err != nil || got != "a,b,c,d,de,gf,h" {
		t.Errorf("audit holds %q (%v)", got, err)
	}
}
