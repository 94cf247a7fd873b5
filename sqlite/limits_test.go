package sqlite

import (
	"errors"
	"strings"
	"testing"
)

func TestLimitReturnsOldValueAndSetsNew(t *testing.T) {
	c := openFuncTest(t)
	orig := c.Limit(LimitAttached, -1)
	if orig <= 0 {
		t.Fatalf("LimitAttached = %d", orig)
	}
	if old := c.Limit(LimitAttached, 1); old != orig {
		t.Fatalf("Limit returned %d, want the previous %d", old, orig)
	}
	if got := c.Limit(LimitAttached, -1); got != 1 {
		t.Fatalf("limit now %d, want 1", got)
	}
	mustExec(t, c, "ATTACH ':memory:' AS one")
	if err := c.Exec("ATTACH ':memory:' AS two"); err == nil || !strings.Contains(err.Error(), "too many attached") {
		t.Fatalf("second ATTACH over the limit: err = %v", err)
	}
	// Values above the hard maximum are lowered to it.
	c.Limit(LimitAttached, 1<<40)
	if got := c.Limit(LimitAttached, -1); got != orig {
		t.Fatalf("limit after asking for too much = %d, want the maximum %d", got, orig)
	}
}

func TestLimitLengthMakesBigValuesTooBig(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE t(v)")
	c.Limit(LimitLength, 100)
	if err := c.Exec("INSERT INTO t VALUES (?)", strings.Repeat("x", 90)); err != nil {
		t.Fatalf("row under the limit: %v", err)
	}
	err := c.Exec("INSERT INTO t VALUES (?)", strings.Repeat("x", 101))
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("bound text over the limit: err = %v, want ErrTooBig", err)
	}
	err = queryErr(c, "SELECT zeroblob(200)")
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("computed blob over the limit: err = %v, want ErrTooBig", err)
	}
	// A function result over the limit fails the same way.
	err = c.CreateFunction("big", 0, 0, func(fc *FuncContext, _ []Value) error {
		fc.ResultText(strings.Repeat("y", 500))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := queryErr(c, "SELECT big()"); !errors.Is(err, ErrTooBig) {
		t.Fatalf("function result over the limit: err = %v, want ErrTooBig", err)
	}
	if got := queryInt64s(t, c, "SELECT count(*) FROM t"); got[0] != 1 {
		t.Fatalf("%d rows, want 1", got[0])
	}
}

func TestLimitOnClosedConnOrUnknownID(t *testing.T) {
	c := openFuncTest(t)
	if got := c.Limit(LimitID(99), 5); got != -1 {
		t.Fatalf("unknown limit = %d, want -1", got)
	}
	c.Close()
	if got := c.Limit(LimitLength, 5); got != -1 {
		t.Fatalf("limit on closed conn = %d, want -1", got)
	}
}

func TestLimitSchemaAndTriggerSteps(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE a(x)")
	c.Limit(LimitSchema, 2) // counting sqlite_schema itself
	if err := c.Exec("CREATE TABLE b(x)"); err == nil || !strings.Contains(err.Error(), "too many schema objects") {
		t.Fatalf("schema object over the limit: err = %v", err)
	}
	c.Limit(LimitTriggerSteps, 1)
	err := c.Exec("CREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END")
	if err == nil || !strings.Contains(err.Error(), "too many steps") {
		t.Fatalf("trigger over the step limit: err = %v", err)
	}
}
