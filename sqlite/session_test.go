package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const sessionSchema = `
CREATE TABLE t1(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
CREATE TABLE t2(a TEXT, b INTEGER, c, PRIMARY KEY(a, b));
INSERT INTO t1 VALUES(1, 'one', 1.5, x'01'), (2, 'two', 2.5, NULL), (3, 'three', NULL, x'0303');
INSERT INTO t2 VALUES('x', 1, 'x1'), ('y', 2, NULL);
`

// sessionPair returns two connections holding identical databases.
func sessionPair(t *testing.T) (a, b *Conn) {
	t.Helper()
	a = openConnT(t, ":memory:")
	b = openConnT(t, ":memory:")
	execT(t, a, sessionSchema)
	execT(t, b, sessionSchema)
	return a, b
}

// workload makes inserts, updates and deletes in both tables.
const workload = `
INSERT INTO t1 VALUES(4, 'four', 4.5, x'04');
UPDATE t1 SET name = 'TWO', score = 20 WHERE id = 2;
DELETE FROM t1 WHERE id = 3;
INSERT INTO t2 VALUES('z', 3, 3.25);
UPDATE t2 SET c = 'changed' WHERE a = 'x';
DELETE FROM t2 WHERE a = 'y';
`

// record runs sql on c with a session attached to every table and returns
// the changeset.
func record(t *testing.T, c *Conn, sql string) []byte {
	t.Helper()
	s, err := c.CreateSession("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Attach(""); err != nil {
		t.Fatal(err)
	}
	execT(t, c, sql)
	cs, err := s.Changeset()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestChangesetAppliesToIdenticalDatabase(t *testing.T) {
	a, b := sessionPair(t)
	cs := record(t, a, workload)
	if len(cs) == 0 {
		t.Fatal("empty changeset")
	}
	if err := b.ApplyChangeset(cs, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := dumpT(t, b), dumpT(t, a); got != want {
		t.Fatalf("after apply:\n%s\nwant:\n%s", got, want)
	}
}

func TestInvertedChangesetUndoes(t *testing.T) {
	a, b := sessionPair(t)
	original := dumpT(t, a)
	cs := record(t, a, workload)
	inv, err := InvertChangeset(cs)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ApplyChangeset(inv, nil); err != nil {
		t.Fatal(err)
	}
	if got := dumpT(t, a); got != original {
		t.Fatalf("after applying the inverse:\n%s\nwant the original:\n%s", got, original)
	}
	// The same through ApplyOptions.Invert, on the other database.
	if err := b.ApplyChangeset(cs, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.ApplyChangeset(cs, &ApplyOptions{Invert: true}); err != nil {
		t.Fatal(err)
	}
	if got := dumpT(t, b); got != original {
		t.Fatal("ApplyOptions.Invert did not undo the changeset")
	}
}

func TestChangesYieldsEveryChange(t *testing.T) {
	a, _ := sessionPair(t)
	cs := record(t, a, workload)
	var got []string
	for ch, err := range Changes(cs) {
		if err != nil {
			t.Fatal(err)
		}
		r := ch.Record()
		got = append(got, fmt.Sprintf("%s %s pk=%v old=%v new=%v", r.Op, r.Table, r.PrimaryKey, r.Old, r.New))
	}
	slices.Sort(got)
	want := []string{
		"DELETE t1 pk=[true false false false] old=[3 three <nil> [3 3]] new=[]",
		"DELETE t2 pk=[true true false] old=[y 2 <nil>] new=[]",
		"INSERT t1 pk=[true false false false] old=[] new=[4 four 4.5 [4]]",
		"INSERT t2 pk=[true true false] old=[] new=[z 3 3.25]",
		"UPDATE t1 pk=[true false false false] old=[2 two 2.5 {}] new=[{} TWO 20 {}]",
		"UPDATE t2 pk=[true true false] old=[x 1 x1] new=[{} {} changed]",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestChangeValuesDistinguishAbsentFromNull(t *testing.T) {
	a, _ := sessionPair(t)
	cs := record(t, a, "UPDATE t1 SET score = NULL WHERE id = 1")
	n := 0
	for ch, err := range Changes(cs) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ch.Op != ChangeUpdate || ch.Table != "t1" || ch.NumColumns != 4 || ch.Indirect {
			t.Fatalf("change = %+v", ch)
		}
		if v, ok := ch.New(2); !ok || !v.IsNull() {
			t.Fatalf("New(2) = %v, %v; want a NULL value", v, ok)
		}
		if v, ok := ch.Old(2); !ok || v.Float() != 1.5 {
			t.Fatalf("Old(2) = %v, %v; want 1.5", v, ok)
		}
		if _, ok := ch.New(1); ok {
			t.Fatal("New(1) of an unchanged column reported present")
		}
		if _, ok := ch.Old(4); ok {
			t.Fatal("Old(4) out of range reported present")
		}
		if _, ok := ch.Conflicting(0); ok {
			t.Fatal("Conflicting outside a conflict handler reported present")
		}
	}
	if n != 1 {
		t.Fatalf("%d changes, want 1", n)
	}
}

func TestChangeExpiresAfterIteration(t *testing.T) {
	a, _ := sessionPair(t)
	cs := record(t, a, workload)
	var kept *Change
	for ch, err := range Changes(cs) {
		if err != nil {
			t.Fatal(err)
		}
		kept = ch
		break
	}
	if _, ok := kept.New(0); ok {
		t.Fatal("a Change kept after the loop still reads values")
	}
	if kept.PrimaryKey() != nil {
		t.Fatal("a Change kept after the loop still reads its primary key")
	}
}

// conflictSetup returns a changeset that updates t1 row 1, deletes row 2
// and inserts row 4, and a database where each of those conflicts: row 1
// holds another name (DATA), row 2 is gone (NOTFOUND) and row 4 exists
// (CONFLICT).
func conflictSetup(t *testing.T) (cs []byte, b *Conn) {
	a, b := sessionPair(t)
	cs = record(t, a, `UPDATE t1 SET name = 'uno' WHERE id = 1;
		DELETE FROM t1 WHERE id = 2;
		INSERT INTO t1 VALUES(4, 'four', 4, NULL);`)
	execT(t, b, `UPDATE t1 SET name = 'local' WHERE id = 1;
		DELETE FROM t1 WHERE id = 2;
		INSERT INTO t1 VALUES(4, 'mine', 44, NULL);`)
	return cs, b
}

func TestApplyConflictOmitKeepsLocalRows(t *testing.T) {
	cs, b := conflictSetup(t)
	before := dumpT(t, b)
	seen := map[ConflictKind]string{}
	err := b.ApplyChangeset(cs, &ApplyOptions{Conflict: func(k ConflictKind, ch *Change) ConflictAction {
		v, ok := ch.Conflicting(1)
		if ok {
			seen[k] = v.Text()
		} else {
			seen[k] = "-"
		}
		return ChangesetOmit
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[ConflictKind]string{ConflictData: "local", ConflictNotFound: "-", ConflictDuplicate: "mine"}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("conflicts seen %v, want %v", seen, want)
	}
	if got := dumpT(t, b); got != before {
		t.Fatalf("omitting every conflict changed the database:\n%s", got)
	}
}

func TestApplyConflictReplaceTakesIncomingRows(t *testing.T) {
	cs, b := conflictSetup(t)
	err := b.ApplyChangeset(cs, &ApplyOptions{Conflict: func(k ConflictKind, ch *Change) ConflictAction {
		if k == ConflictNotFound {
			return ChangesetOmit
		}
		return ChangesetReplace
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := dumpT(t, b)
	for _, want := range []string{"t1: 1,'uno',", "t1: 4,'four',4.0,NULL"} {
		if !strings.Contains(got, want) {
			t.Fatalf("database after replace lacks %q:\n%s", want, got)
		}
	}
}

func TestApplyConflictAbortRollsBackEverything(t *testing.T) {
	cs, b := conflictSetup(t)
	before := dumpT(t, b)
	calls := 0
	err := b.ApplyChangeset(cs, &ApplyOptions{Conflict: func(k ConflictKind, ch *Change) ConflictAction {
		calls++
		if calls == 1 {
			return ChangesetOmit
		}
		return ChangesetAbort
	}})
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrAbort || !strings.Contains(e.Msg, "conflict in table \"t1\"") {
		t.Fatalf("aborted apply = %v; want an ErrAbort *Error naming the conflict", err)
	}
	if got := dumpT(t, b); got != before {
		t.Fatalf("aborted apply left changes:\n%s", got)
	}
	// Without a handler the first conflict aborts.
	err = b.ApplyChangeset(cs, nil)
	if !errors.Is(err, ErrAbort) || !strings.Contains(err.Error(), "no conflict handler") {
		t.Fatalf("apply without handler = %v; want ErrAbort", err)
	}
	if got := dumpT(t, b); got != before {
		t.Fatal("apply without handler left changes")
	}
}

func TestApplyConflictHandlerPanicAborts(t *testing.T) {
	cs, b := conflictSetup(t)
	before := dumpT(t, b)
	boom := errors.New("boom")
	err := b.ApplyChangeset(cs, &ApplyOptions{Conflict: func(ConflictKind, *Change) ConflictAction {
		panic(boom)
	}})
	var pe *PanicError
	if !errors.Is(err, ErrAbort) || !errors.Is(err, boom) || !errors.As(err, &pe) {
		t.Fatalf("apply with panicking handler = %v; want ErrAbort wrapping the panic", err)
	}
	if got := dumpT(t, b); got != before {
		t.Fatal("apply with panicking handler left changes")
	}
	execT(t, b, "SELECT 1") // the connection survives
}

func TestApplyConflictReplaceOnNotFoundIsMisuse(t *testing.T) {
	cs, b := conflictSetup(t)
	err := b.ApplyChangeset(cs, &ApplyOptions{Conflict: func(k ConflictKind, ch *Change) ConflictAction {
		return ChangesetReplace
	}})
	if !errors.Is(err, ErrMisuse) || !errors.Is(err, ErrAbort) {
		t.Fatalf("Replace for NOTFOUND = %v; want ErrAbort wrapping ErrMisuse", err)
	}
	err = b.ApplyChangeset(cs, &ApplyOptions{Conflict: func(k ConflictKind, ch *Change) ConflictAction {
		return ConflictAction(42)
	}})
	if !errors.Is(err, ErrMisuse) {
		t.Fatalf("unknown action = %v; want ErrMisuse", err)
	}
}

func TestApplyConstraintConflict(t *testing.T) {
	a := openConnT(t, ":memory:")
	b := openConnT(t, ":memory:")
	schema := "CREATE TABLE u(id INTEGER PRIMARY KEY, email TEXT UNIQUE)"
	execT(t, a, schema)
	execT(t, b, schema+"; INSERT INTO u VALUES(9, 'a@x')")
	cs := record(t, a, "INSERT INTO u VALUES(1, 'a@x')")
	var kinds []ConflictKind
	err := b.ApplyChangeset(cs, &ApplyOptions{Conflict: func(k ConflictKind, ch *Change) ConflictAction {
		kinds = append(kinds, k)
		return ChangesetOmit
	}})
	if err != nil || !slices.Equal(kinds, []ConflictKind{ConflictConstraint}) {
		t.Fatalf("apply = %v with conflicts %v; want one CONSTRAINT", err, kinds)
	}
}

func TestApplyForeignKeyConflict(t *testing.T) {
	a := openConnT(t, ":memory:")
	b := openConnT(t, ":memory:")
	schema := `PRAGMA foreign_keys = ON;
		CREATE TABLE p(id INTEGER PRIMARY KEY);
		CREATE TABLE c(id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id));
		INSERT INTO p VALUES(1)`
	execT(t, a, schema)
	execT(t, b, schema)
	cs := record(t, a, "INSERT INTO p VALUES(2); INSERT INTO c VALUES(1, 2)")
	execT(t, b, "PRAGMA foreign_keys = ON")
	// Apply only table c: its row then points at a missing parent.
	only := func(table string) bool { return table == "c" }
	var fk int
	err := b.ApplyChangeset(cs, &ApplyOptions{Filter: only, Conflict: func(k ConflictKind, ch *Change) ConflictAction {
		if k == ConflictForeignKey {
			fk = ch.ForeignKeyConflicts()
			if _, ok := ch.New(0); ok {
				t.Error("a FOREIGN_KEY conflict reported row values")
			}
		}
		return ChangesetAbort
	}})
	if !errors.Is(err, ErrAbort) || fk != 1 {
		t.Fatalf("apply = %v with %d FK conflicts; want ErrAbort and 1", err, fk)
	}
	if n := queryInt64T(t, b, "SELECT count(*) FROM c"); n != 0 {
		t.Fatal("aborted FK conflict left rows")
	}
	if err := b.ApplyChangeset(cs, &ApplyOptions{Filter: only}); !strings.Contains(fmt.Sprint(err), "foreign key") {
		t.Fatalf("apply without handler = %v; want an error about foreign keys", err)
	}
}

func TestApplyFilterSkipsTables(t *testing.T) {
	a, b := sessionPair(t)
	cs := record(t, a, workload)
	var asked []string
	err := b.ApplyChangeset(cs, &ApplyOptions{Filter: func(table string) bool {
		asked = append(asked, table)
		return table == "t2"
	}})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(asked)
	if !slices.Equal(asked, []string{"t1", "t2"}) {
		t.Fatalf("filter asked about %v", asked)
	}
	if got, want := dumpSchemaTable(t, b, "t2"), dumpSchemaTable(t, a, "t2"); got != want {
		t.Fatal("t2 not applied")
	}
	if n := queryInt64T(t, b, "SELECT count(*) FROM t1 WHERE id = 4"); n != 0 {
		t.Fatal("filtered-out table t1 was changed")
	}
}

func TestApplyFilterPanicAppliesNothing(t *testing.T) {
	a, b := sessionPair(t)
	cs := record(t, a, workload)
	before := dumpT(t, b)
	err := b.ApplyChangeset(cs, &ApplyOptions{Filter: func(table string) bool {
		if table == "t2" {
			panic("no t2")
		}
		return true
	}})
	var pe *PanicError
	if !errors.Is(err, ErrAbort) || !strings.Contains(err.Error(), "no t2") || !errors.As(err, &pe) {
		t.Fatalf("apply with panicking filter = %v", err)
	}
	if got := dumpT(t, b); got != before {
		t.Fatalf("apply with panicking filter left changes:\n%s", got)
	}
	if !b.AutoCommit() {
		t.Fatal("apply left a transaction open")
	}
}

func TestApplyInsideTransactionRollsBackWithIt(t *testing.T) {
	a, b := sessionPair(t)
	cs := record(t, a, workload)
	before := dumpT(t, b)
	errRollback := errors.New("changed my mind")
	err := b.Tx(Immediate, func() error {
		if err := b.ApplyChangeset(cs, &ApplyOptions{Filter: func(string) bool { return true }}); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	if got := dumpT(t, b); got != before {
		t.Fatal("rolled-back transaction kept the applied changeset")
	}
}

func dumpSchemaTable(t *testing.T, c *Conn, table string) string {
	var lines []string
	for _, l := range strings.Split(dumpT(t, c), "\n") {
		if strings.HasPrefix(l, table+": ") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func TestPatchsetAppliesAndIsSmaller(t *testing.T) {
	a, b := sessionPair(t)
	s, err := a.CreateSession("main", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Attach(""); err != nil {
		t.Fatal(err)
	}
	execT(t, a, workload)
	cs, err := s.Changeset()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Patchset()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) >= len(cs) {
		t.Fatalf("patchset of %d bytes not smaller than changeset of %d", len(ps), len(cs))
	}
	if err := b.ApplyChangeset(ps, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := dumpT(t, b), dumpT(t, a); got != want {
		t.Fatal("patchset did not reproduce the changes")
	}
	if _, err := InvertChangeset(ps); !errors.Is(err, ErrMisuse) {
		t.Fatalf("InvertChangeset(patchset) = %v; want ErrMisuse", err)
	}
	n := 0
	for ch, err := range Changes(ps) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ch.Op == ChangeDelete {
			if _, ok := ch.Old(1); ch.Table == "t1" && ok {
				t.Fatal("a patchset DELETE carries non-key values")
			}
		}
	}
	if n != 6 {
		t.Fatalf("patchset has %d changes, want 6", n)
	}
}

func TestSessionDiffBetweenAttachedDatabases(t *testing.T) {
	dir := t.TempDir()
	auxPath := filepath.Join(dir, "aux.db")
	a := openConnT(t, ":memory:")
	execT(t, a, sessionSchema)
	execT(t, a, workload)
	execT(t, a, "ATTACH ? AS aux", auxPath)
	execT(t, a, strings.ReplaceAll(strings.ReplaceAll(sessionSchema, "TABLE t", "TABLE aux.t"), "INTO t", "INTO aux.t"))
	s, err := a.CreateSession("main", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, table := range []string{"t1", "t2"} {
		if err := s.Diff("aux", table); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.Changeset()
	if err != nil {
		t.Fatal(err)
	}
	execT(t, a, "DETACH aux")
	aux := openConnT(t, auxPath)
	if dumpT(t, aux) == dumpT(t, a) {
		t.Fatal("test setup: databases already equal")
	}
	if err := aux.ApplyChangeset(cs, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := dumpT(t, aux), dumpT(t, a); got != want {
		t.Fatalf("after applying the diff:\n%s\nwant:\n%s", got, want)
	}
}

func TestSessionDiffRejectsIncompatibleTable(t *testing.T) {
	a := openConnT(t, ":memory:")
	execT(t, a, "CREATE TABLE t(id INTEGER PRIMARY KEY, x); ATTACH ':memory:' AS aux; CREATE TABLE aux.t(id INTEGER PRIMARY KEY, y, z)")
	s, err := a.CreateSession("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Diff("aux", "t"); !errors.Is(err, ErrSchema) {
		t.Fatalf("Diff of incompatible tables = %v; want ErrSchema", err)
	}
	if err := s.Diff("", "t"); !errors.Is(err, ErrMisuse) {
		t.Fatalf("Diff without schema = %v; want ErrMisuse", err)
	}
}

func TestChangegroupMergesChangesets(t *testing.T) {
	a, b := sessionPair(t)
	cs1 := record(t, a, "INSERT INTO t1 VALUES(10, 'ten', 10, NULL); UPDATE t2 SET c = 'first' WHERE a = 'x'")
	cs2 := record(t, a, "UPDATE t1 SET name = 'TEN' WHERE id = 10; UPDATE t2 SET c = 'second' WHERE a = 'x'")
	g, err := NewChangegroup()
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Add(cs1); err != nil {
		t.Fatal(err)
	}
	if err := g.Add(cs2); err != nil {
		t.Fatal(err)
	}
	merged, err := g.Output()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for ch, err := range Changes(merged) {
		if err != nil {
			t.Fatal(err)
		}
		r := ch.Record()
		got = append(got, fmt.Sprintf("%s %s old=%v new=%v", r.Op, r.Table, r.Old, r.New))
	}
	slices.Sort(got)
	want := []string{
		"INSERT t1 old=[] new=[10 TEN 10 <nil>]",
		"UPDATE t2 old=[x 1 x1] new=[{} {} second]",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("merged changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := b.ApplyChangeset(merged, nil); err != nil {
		t.Fatal(err)
	}
	if g, w := dumpT(t, b), dumpT(t, a); g != w {
		t.Fatal("applying the merged changeset differs from applying both")
	}
	concat, err := ConcatChangesets(cs1, cs2)
	if err != nil {
		t.Fatal(err)
	}
	if string(concat) != string(merged) {
		t.Fatal("ConcatChangesets differs from the changegroup output")
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if err := g.Add(cs1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Add after Close = %v; want ErrClosed", err)
	}
}

func TestChangegroupAddChangeFilters(t *testing.T) {
	a, b := sessionPair(t)
	cs := record(t, a, workload)
	g, err := NewChangegroup()
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for ch, err := range Changes(cs) {
		if err != nil {
			t.Fatal(err)
		}
		if ch.Table == "t2" {
			if err := g.AddChange(ch); err != nil {
				t.Fatal(err)
			}
		}
	}
	onlyT2, err := g.Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.ApplyChangeset(onlyT2, nil); err != nil {
		t.Fatal(err)
	}
	if dumpSchemaTable(t, b, "t2") != dumpSchemaTable(t, a, "t2") || dumpSchemaTable(t, b, "t1") == dumpSchemaTable(t, a, "t1") {
		t.Fatal("filtered changegroup did not carry exactly the t2 changes")
	}
	if err := g.AddChange(nil); !errors.Is(err, ErrMisuse) {
		t.Fatalf("AddChange(nil) = %v", err)
	}
}

func TestChangegroupRejectsMixingPatchsetsAndChangesets(t *testing.T) {
	a, _ := sessionPair(t)
	s, err := a.CreateSession("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Attach("")
	execT(t, a, workload)
	cs, _ := s.Changeset()
	ps, _ := s.Patchset()
	g, err := NewChangegroup()
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Add(cs); err != nil {
		t.Fatal(err)
	}
	var e *Error
	if err := g.Add(ps); !errors.As(err, &e) {
		t.Fatalf("adding a patchset to changesets = %v; want an *Error", err)
	}
}

func TestSessionSettings(t *testing.T) {
	a := openConnT(t, ":memory:")
	execT(t, a, "CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE TABLE skip(id INTEGER PRIMARY KEY, v); CREATE TABLE nopk(v)")
	s, err := a.CreateSession("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Enabled() || s.Indirect() || !s.IsEmpty() {
		t.Fatalf("new session: enabled=%v indirect=%v empty=%v", s.Enabled(), s.Indirect(), s.IsEmpty())
	}
	if err := s.Attach(""); err != nil {
		t.Fatal(err)
	}
	var asked []string
	s.SetTableFilter(func(table string) bool {
		asked = append(asked, table)
		return table != "skip"
	})
	s.SetEnabled(false)
	execT(t, a, "INSERT INTO t VALUES(1, 'unrecorded')")
	if !s.IsEmpty() || s.Enabled() {
		t.Fatal("a disabled session recorded a change")
	}
	s.SetEnabled(true)
	s.SetIndirect(true)
	execT(t, a, "INSERT INTO t VALUES(2, 'indirect'); INSERT INTO skip VALUES(1, 'x'); INSERT INTO nopk VALUES(1)")
	s.SetIndirect(false)
	execT(t, a, "INSERT INTO t VALUES(3, 'direct')")
	if s.IsEmpty() || !slices.Contains(asked, "skip") {
		t.Fatalf("session empty=%v, filter asked %v", s.IsEmpty(), asked)
	}
	if s.MemoryUsed() <= 0 {
		t.Fatal("MemoryUsed = 0 with changes recorded")
	}
	cs, err := s.Changeset()
	if err != nil {
		t.Fatal(err)
	}
	if size := s.ChangesetSize(); size < int64(len(cs)) {
		t.Fatalf("ChangesetSize = %d, below the %d-byte changeset", size, len(cs))
	}
	var got []string
	for ch, err := range Changes(cs) {
		if err != nil {
			t.Fatal(err)
		}
		id, _ := ch.New(0)
		got = append(got, fmt.Sprintf("%s %d indirect=%v", ch.Table, id.Int64(), ch.Indirect))
	}
	slices.Sort(got)
	if want := []string{"t 2 indirect=true", "t 3 indirect=false"}; !slices.Equal(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
}

func TestSessionRecordsRowIDTablesWhenAsked(t *testing.T) {
	a := openConnT(t, ":memory:")
	execT(t, a, "CREATE TABLE nopk(v)")
	for _, rowid := range []bool{false, true} {
		s, err := a.CreateSession("", &SessionOptions{RowIDTables: rowid})
		if err != nil {
			t.Fatal(err)
		}
		s.Attach("nopk")
		execT(t, a, "INSERT INTO nopk VALUES('x')")
		if s.IsEmpty() == rowid {
			t.Fatalf("RowIDTables=%v: IsEmpty=%v", rowid, s.IsEmpty())
		}
		s.Close()
	}
}

func TestSessionTableFilterPanicFailsOutput(t *testing.T) {
	a := openConnT(t, ":memory:")
	execT(t, a, "CREATE TABLE t(id INTEGER PRIMARY KEY)")
	s, err := a.CreateSession("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Attach("")
	s.SetTableFilter(func(string) bool { panic("filter bug") })
	execT(t, a, "INSERT INTO t VALUES(1)") // the statement itself succeeds
	if _, err := s.Changeset(); err == nil || !strings.Contains(err.Error(), "filter bug") {
		t.Fatalf("Changeset after filter panic = %v; want the panic reported", err)
	}
	if _, err := s.Patchset(); err == nil {
		t.Fatal("Patchset after filter panic succeeded")
	}
}

func TestSessionClosedWithItsConn(t *testing.T) {
	a := openConnT(t, ":memory:")
	execT(t, a, "CREATE TABLE t(id INTEGER PRIMARY KEY)")
	s, err := a.CreateSession("", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetTableFilter(func(string) bool { return true })
	s.Attach("")
	execT(t, a, "INSERT INTO t VALUES(1)")
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Changeset(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Changeset after the connection closed = %v; want ErrClosed", err)
	}
	if err := s.Attach("t"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Attach after close = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateSession("", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("CreateSession on closed connection = %v", err)
	}
}

func TestCorruptChangesetIsAnError(t *testing.T) {
	a, b := sessionPair(t)
	cs := record(t, a, workload)
	before := dumpT(t, b)
	corrupt := 0
	for cut := 1; cut < len(cs); cut++ {
		bad := cs[:cut]
		var iterErr error
		for _, err := range Changes(bad) {
			if err != nil {
				iterErr = err
			}
		}
		if iterErr == nil {
			continue // cut at a change boundary: a shorter, valid changeset
		}
		corrupt++
		if !errors.Is(iterErr, ErrCorrupt) {
			t.Fatalf("iterating %d of %d bytes: error %v; want ErrCorrupt", cut, len(cs), iterErr)
		}
		var e *Error
		if err := b.ApplyChangeset(bad, &ApplyOptions{Conflict: func(ConflictKind, *Change) ConflictAction { return ChangesetOmit }}); !errors.As(err, &e) {
			t.Fatalf("applying %d of %d bytes: %v; want an *Error", cut, len(cs), err)
		}
		if _, err := InvertChangeset(bad); !errors.As(err, &e) {
			t.Fatalf("inverting %d of %d bytes: %v; want an *Error", cut, len(cs), err)
		}
	}
	if corrupt < len(cs)/2 {
		t.Fatalf("only %d of %d truncations detected", corrupt, len(cs))
	}
	if got := dumpT(t, b); got != before {
		t.Fatal("a corrupt changeset changed the database")
	}
	g, err := NewChangegroup()
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Add(cs[:len(cs)/2]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Changegroup.Add(truncated) = %v; want ErrCorrupt", err)
	}
}

func TestEmptyChangesetIsHarmless(t *testing.T) {
	a := openConnT(t, ":memory:")
	execT(t, a, "CREATE TABLE t(id INTEGER PRIMARY KEY)")
	s, err := a.CreateSession("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cs, err := s.Changeset()
	if err != nil || len(cs) != 0 {
		t.Fatalf("empty session changeset = %x, %v", cs, err)
	}
	for _, err := range Changes(cs) {
		t.Fatalf("iterating an empty changeset yielded (_, %v)", err)
	}
	if err := a.ApplyChangeset(cs, nil); err != nil {
		t.Fatal(err)
	}
	if inv, err := InvertChangeset(nil); err != nil || len(inv) != 0 {
		t.Fatalf("InvertChangeset(nil) = %x, %v", inv, err)
	}
}

func TestApplyStopsWhenContextEnds(t *testing.T) {
	cs, b := conflictSetup(t)
	before := dumpT(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	b.SetContext(ctx)
	defer b.SetContext(context.Background())
	calls := 0
	err := b.ApplyChangeset(cs, &ApplyOptions{Conflict: func(ConflictKind, *Change) ConflictAction {
		calls++
		cancel()
		return ChangesetOmit
	}})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrInterrupt) {
		t.Fatalf("apply canceled from its handler = %v; want context.Canceled and ErrInterrupt", err)
	}
	if calls != 1 {
		t.Fatalf("handler ran %d times after cancel; want 1", calls)
	}
	if err := b.ApplyChangeset(cs, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("apply with an ended context = %v; want context.Canceled", err)
	}
	b.SetContext(context.Background())
	if got := dumpT(t, b); got != before {
		t.Fatal("canceled apply left changes")
	}
	if err := b.ApplyChangeset(cs, &ApplyOptions{Conflict: func(ConflictKind, *Change) ConflictAction { return ChangesetOmit }}); err != nil {
		t.Fatalf("apply after the context was replaced: %v", err)
	}
}

func TestApplySkipsTablesTheDatabaseLacks(t *testing.T) {
	a, _ := sessionPair(t)
	cs := record(t, a, workload)
	b := openConnT(t, ":memory:")
	execT(t, b, "CREATE TABLE t2(a TEXT, b INTEGER, c, PRIMARY KEY(a, b)); INSERT INTO t2 VALUES('x', 1, 'x1'), ('y', 2, NULL)")
	if err := b.ApplyChangeset(cs, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := dumpSchemaTable(t, b, "t2"), dumpSchemaTable(t, a, "t2"); got != want {
		t.Fatalf("t2 after apply:\n%s\nwant:\n%s", got, want)
	}
}

func TestSessionAndPreUpdateHookExcludeEachOther(t *testing.T) {
	c, err := Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Exec("CREATE TABLE t(k PRIMARY KEY, v)"); err != nil {
		t.Fatal(err)
	}
	remove, err := c.AddPreUpdateHook(func(*PreUpdate) {})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSession("main", nil); !errors.Is(err, ErrMisuse) {
		t.Fatalf("CreateSession with a pre-update hook: %v, want ErrMisuse", err)
	}
	remove()
	s, err := c.CreateSession("main", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Attach(""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddPreUpdateHook(func(*PreUpdate) {}); !errors.Is(err, ErrMisuse) {
		t.Fatalf("AddPreUpdateHook with a session: %v, want ErrMisuse", err)
	}
	if err := c.Exec("INSERT INTO t VALUES(1, 'x')"); err != nil {
		t.Fatal(err)
	}
	cs, err := s.Changeset()
	if err != nil || len(cs) == 0 {
		t.Fatalf("session stopped recording: %d bytes, %v", len(cs), err)
	}
	s.Close()
	if _, err := c.AddPreUpdateHook(func(*PreUpdate) {}); err != nil {
		t.Errorf("hook refused after the session closed: %v", err)
	}
}
