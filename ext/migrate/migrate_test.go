package migrate_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/ext/migrate"
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

var steps = []migrate.Step{
	{Name: "users", SQL: "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)"},
	{Name: "email", SQL: "ALTER TABLE users ADD COLUMN email TEXT"},
	{Name: "seed", Func: func(c *sqlite.Conn) error {
		return c.Exec("INSERT INTO users(name, email) VALUES ('ada', 'ada@example.com')")
	}},
}

func TestUpAppliesEveryStepAndRecordsVersion(t *testing.T) {
	c := open(t, ":memory:")
	res, err := migrate.Up(c, steps)
	if err != nil {
		t.Fatal(err)
	}
	if res.From != 0 || res.To != 3 {
		t.Errorf("result %+v, want 0 -> 3", res)
	}
	if v, _ := migrate.Version(c); v != 3 {
		t.Errorf("user_version %d, want 3", v)
	}
}

func TestUpIsIdempotentAndResumes(t *testing.T) {
	c := open(t, ":memory:")
	if _, err := migrate.Up(c, steps[:1]); err != nil {
		t.Fatal(err)
	}
	res, err := migrate.Up(c, steps)
	if err != nil {
		t.Fatal(err)
	}
	if res.From != 1 || res.To != 3 {
		t.Errorf("result %+v, want 1 -> 3", res)
	}
	res, err = migrate.Up(c, steps)
	if err != nil || res.From != 3 || res.To != 3 {
		t.Errorf("second run: %+v, %v", res, err)
	}
}

func TestFailedStepRollsBackToLastGoodVersion(t *testing.T) {
	c := open(t, ":memory:")
	bad := append(steps[:2:2], migrate.Step{Name: "broken", SQL: "CREATE TABLE t(x); INSERT INTO nowhere VALUES(1)"})
	res, err := migrate.Up(c, bad)
	if err == nil || !strings.Contains(err.Error(), "step 2 (broken)") {
		t.Fatalf("got %v, want an error naming step 2", err)
	}
	if !errors.Is(err, sqlite.ErrError) {
		t.Errorf("error does not wrap the SQLite error: %v", err)
	}
	if res.To != 2 {
		t.Errorf("reached version %d, want 2", res.To)
	}
	for row, err := range c.Query("SELECT count(*) FROM sqlite_schema WHERE name = 't'") {
		if err != nil || row.ColumnInt(0) != 0 {
			t.Error("the failed step's table was not rolled back")
		}
	}
}

func TestNewerDatabaseIsRefused(t *testing.T) {
	c := open(t, ":memory:")
	if err := c.Exec("PRAGMA user_version = 9"); err != nil {
		t.Fatal(err)
	}
	_, err := migrate.Up(c, steps)
	if !errors.Is(err, migrate.ErrTooNew) {
		t.Fatalf("got %v, want ErrTooNew", err)
	}
	if v, _ := migrate.Version(c); v != 9 {
		t.Errorf("version changed to %d", v)
	}
}

func TestTwoConnectionsMigrateOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	a, b := open(t, path), open(t, path)
	counting := []migrate.Step{
		{SQL: "CREATE TABLE runs(n)"},
		{SQL: "INSERT INTO runs VALUES(1)"},
	}
	if _, err := migrate.Up(a, counting); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Up(b, counting); err != nil {
		t.Fatal(err)
	}
	for row, err := range a.Query("SELECT count(*) FROM runs") {
		if err != nil || row.ColumnInt(0) != 1 {
			t.Errorf("step ran %d times", row.ColumnInt(0))
		}
	}
}
