package sqlite

import (
	"errors"
	"fmt"
	"testing"
)

func TestPreUpdateHookSeesOldAndNewValues(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a, b); INSERT INTO t(rowid, a, b) VALUES(5, 'old', 1)")
	var got []string
	mustAdd(c.AddPreUpdateHook(func(u *PreUpdate) {
		s := fmt.Sprintf("%v %s.%s n=%d d=%d", u.Op, u.Schema, u.Table, u.Count(), u.Depth())
		if u.Op != OpInsert { // OldRowID is defined for UPDATE and DELETE, NewRowID for INSERT and UPDATE
			s += fmt.Sprintf(" oldrowid=%d", u.OldRowID)
		}
		if u.Op != OpDelete {
			s += fmt.Sprintf(" newrowid=%d", u.NewRowID)
		}
		if u.Op != OpInsert {
			v, err := u.Old(0)
			if err != nil {
				t.Error(err)
			}
			s += " old=" + v.String()
		}
		if u.Op != OpDelete {
			v, err := u.New(0)
			if err != nil {
				t.Error(err)
			}
			s += " new=" + v.String()
		}
		got = append(got, s)
	}))
	hkExec(t, c, "UPDATE t SET a = 'new', rowid = 6 WHERE rowid = 5")
	hkExec(t, c, "INSERT INTO t(rowid, a) VALUES(9, 'ins')")
	hkExec(t, c, "DELETE FROM t WHERE rowid = 9")
	want := []string{
		"UPDATE main.t n=2 d=0 oldrowid=5 newrowid=6 old=old new=new",
		"INSERT main.t n=2 d=0 newrowid=9 new=ins",
		"DELETE main.t n=2 d=0 oldrowid=9 old=ins",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pre-update hook saw\n%q\nwant\n%q", got, want)
	}
}

func TestPreUpdateRejectsBadAccess(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a); INSERT INTO t VALUES(1)")
	var kept *PreUpdate
	var errs []error
	mustAdd(c.AddPreUpdateHook(func(u *PreUpdate) {
		kept = u
		switch u.Op {
		case OpInsert:
			_, err := u.Old(0)
			errs = append(errs, err)
		case OpDelete:
			_, err := u.New(0)
			errs = append(errs, err)
		}
		_, err := u.Old(1)
		if u.Op == OpInsert {
			_, err = u.New(-1)
		}
		errs = append(errs, err)
	}))
	hkExec(t, c, "INSERT INTO t VALUES(2)")
	hkExec(t, c, "DELETE FROM t WHERE a = 2")
	want := []ErrorCode{ErrMisuse, ErrRange, ErrMisuse, ErrRange}
	if len(errs) != len(want) {
		t.Fatalf("errors %v", errs)
	}
	for i, err := range errs {
		if !errors.Is(err, want[i]) {
			t.Errorf("access %d: error %v, want %v", i, err, want[i])
		}
	}
	if _, err := kept.New(0); !errors.Is(err, ErrMisuse) || kept.Count() != 0 {
		t.Fatalf("PreUpdate used after its hook: %v", err)
	}
}

func TestPreUpdateDepthCountsTriggers(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a); CREATE TABLE log(x); CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.a); END")
	depth := map[string]int{}
	mustAdd(c.AddPreUpdateHook(func(u *PreUpdate) { depth[u.Table] = u.Depth() }))
	hkExec(t, c, "INSERT INTO t VALUES(1)")
	if depth["t"] != 0 || depth["log"] != 1 {
		t.Fatalf("depths %v, want t:0 log:1", depth)
	}
}

func TestPreUpdateHookPanicFailsStatement(t *testing.T) {
	c := hkOpen(t)
	hkExec(t, c, "CREATE TABLE t(a)")
	remove := mustAdd(c.AddPreUpdateHook(func(u *PreUpdate) { panic(errHookBoom) }))
	if err := c.Exec("INSERT INTO t VALUES(1)"); !errors.Is(err, errHookBoom) {
		t.Fatalf("error %v does not wrap the panic", err)
	}
	remove()
	if n := hkInt(t, c, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("%d rows committed despite the panic", n)
	}
	hkExec(t, c, "INSERT INTO t VALUES(1)")
}
