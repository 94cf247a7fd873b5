package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestErrorsIsDistinguishesUniqueFromPrimaryKey(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE u(id TEXT PRIMARY KEY, email UNIQUE)")
	mustExec(t, c, "INSERT INTO u VALUES ('a', 'x@y')")

	err := c.Exec("INSERT INTO u VALUES ('a', 'other')")
	e := wantCode(t, err, sqlite.ErrConstraintPrimaryKey)
	if errors.Is(err, sqlite.ErrConstraintUnique) {
		t.Error("a primary key violation matches ErrConstraintUnique")
	}
	if !errors.Is(err, sqlite.ErrConstraint) {
		t.Error("an extended constraint code does not match its primary ErrConstraint")
	}
	if e.Code.Primary() != sqlite.ErrConstraint {
		t.Errorf("Primary() = %v", e.Code.Primary())
	}

	err = c.Exec("INSERT INTO u VALUES ('b', 'x@y')")
	wantCode(t, err, sqlite.ErrConstraintUnique)
	if errors.Is(err, sqlite.ErrConstraintPrimaryKey) {
		t.Error("a unique violation matches ErrConstraintPrimaryKey")
	}
	if errors.Is(err, sqlite.ErrBusy) {
		t.Error("a constraint error matches ErrBusy")
	}
}

func TestErrorsOtherConstraints(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, `PRAGMA foreign_keys = ON;
		CREATE TABLE p(id INTEGER PRIMARY KEY);
		CREATE TABLE k(v NOT NULL CHECK (v > 0), pid REFERENCES p(id))`)
	wantCode(t, c.Exec("INSERT INTO k VALUES (NULL, NULL)"), sqlite.ErrConstraintNotNull)
	wantCode(t, c.Exec("INSERT INTO k VALUES (-1, NULL)"), sqlite.ErrConstraintCheck)
	wantCode(t, c.Exec("INSERT INTO k VALUES (1, 99)"), sqlite.ErrConstraintForeignKey)
	mustExec(t, c, "INSERT INTO p VALUES (1)")
	wantCode(t, c.Exec("INSERT INTO p VALUES (1)"), sqlite.ErrConstraintPrimaryKey)
}

func TestErrorsAsGivesCodeMessageSQL(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (1)")
	err := fmt.Errorf("saving: %w", c.Exec("INSERT INTO t VALUES (1)"))
	var e *sqlite.Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As failed on %v", err)
	}
	if e.Code != sqlite.ErrConstraintUnique || e.SQL != "INSERT INTO t VALUES (1)" || e.Offset != -1 {
		t.Errorf("Error = %+v", *e)
	}
	if !strings.Contains(e.Msg, "UNIQUE constraint failed: t.x") {
		t.Errorf("Msg = %q", e.Msg)
	}
	want := `sqlite: UNIQUE constraint failed: t.x (SQLITE_CONSTRAINT_UNIQUE) in "INSERT INTO t VALUES (1)"`
	if e.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", e.Error(), want)
	}
	if sqlite.CodeOf(err) != sqlite.ErrConstraintUnique {
		t.Errorf("CodeOf = %v", sqlite.CodeOf(err))
	}
}

func TestErrorFormatting(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		e    *sqlite.Error
		want string
	}{
		{&sqlite.Error{Code: sqlite.ErrBusy, Offset: -1}, "sqlite: database is locked (SQLITE_BUSY)"},
		{&sqlite.Error{Code: sqlite.ErrError, Msg: "near \"x\": syntax error", SQL: "x", Offset: 0},
			`sqlite: near "x": syntax error (SQLITE_ERROR) at byte 0 of "x"`},
		{&sqlite.Error{Code: sqlite.ErrError, Msg: "m", SQL: long, Offset: -1},
			`sqlite: m (SQLITE_ERROR) in "` + strings.Repeat("x", 200) + `…"`},
		{&sqlite.Error{Code: sqlite.ErrorCode(1<<8 | 6), Msg: "m", Offset: -1}, "sqlite: m (SQLITE_LOCKED_SHAREDCACHE)"},
		{&sqlite.Error{Code: sqlite.ErrorCode(99<<8 | 6), Msg: "m", Offset: -1}, "sqlite: m (SQLITE_LOCKED (extended 25350))"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}

func TestErrorCodeNamesAndText(t *testing.T) {
	if sqlite.ErrBusy.String() != "SQLITE_BUSY" || sqlite.ErrConstraintUnique.String() != "SQLITE_CONSTRAINT_UNIQUE" {
		t.Error("String")
	}
	if sqlite.ErrBusy.Error() != "database is locked" {
		t.Errorf("ErrBusy.Error() = %q", sqlite.ErrBusy.Error())
	}
	if sqlite.ErrorCode(1000).String() != "SQLITE_1000" && !strings.HasPrefix(sqlite.ErrorCode(1000).String(), "SQLITE_") {
		t.Errorf("unknown code String() = %q", sqlite.ErrorCode(1000).String())
	}
	// A bare ErrorCode works with errors.Is as well.
	if !errors.Is(sqlite.ErrBusy, sqlite.ErrBusy) || errors.Is(sqlite.ErrBusy, sqlite.ErrLocked) {
		t.Error("errors.Is on ErrorCode")
	}
}

func TestCodeOf(t *testing.T) {
	ctxErr := &sqlite.Error{Code: sqlite.ErrInterrupt, Offset: -1}
	for _, tt := range []struct {
		err  error
		want sqlite.ErrorCode
	}{
		{nil, 0},
		{errors.New("plain"), sqlite.ErrError},
		{sqlite.ErrFull, sqlite.ErrFull},
		{fmt.Errorf("w: %w", sqlite.ErrConstraintCheck), sqlite.ErrConstraintCheck},
		{ctxErr, sqlite.ErrInterrupt},
		{context.Canceled, sqlite.ErrInterrupt},
		{fmt.Errorf("w: %w", context.DeadlineExceeded), sqlite.ErrInterrupt},
	} {
		if got := sqlite.CodeOf(tt.err); got != tt.want {
			t.Errorf("CodeOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestErrorTooBigFromHugeZeroBlob(t *testing.T) {
	c := openMem(t)
	// The default maximum length is 1e9 bytes: the engine refuses before
	// allocating anything.
	wantCode(t, c.Exec("SELECT zeroblob(2000000000)"), sqlite.ErrTooBig)
	wantCode(t, c.Exec("SELECT ?", sqlite.ZeroBlob(2000000000)), sqlite.ErrTooBig)
	mustExec(t, c, "SELECT 1")
}

func TestErrorTooBigBeyondLengthLimit(t *testing.T) {
	c := openMem(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	c.SetLimitForTest(sqlite.LimitLengthForTest, 100)
	wantCode(t, c.Exec("INSERT INTO t VALUES (?)", strings.Repeat("a", 101)), sqlite.ErrTooBig)
	wantCode(t, c.Exec("INSERT INTO t VALUES (?)", make([]byte, 101)), sqlite.ErrTooBig)
	mustExec(t, c, "INSERT INTO t VALUES (?)", strings.Repeat("a", 90))
	_, err := c.Prepare("SELECT '" + strings.Repeat("b", 200) + "'")
	wantCode(t, err, sqlite.ErrTooBig)
}

func TestErrorMisuseIsNotAPanic(t *testing.T) {
	c := openMem(t)
	s, err := c.Prepare("SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Binding a parameter the statement lacks, reading beyond the row, and
	// stepping after the end are all harmless.
	wantCode(t, s.BindInt64(1, 1), sqlite.ErrRange)
	s.Step()
	s.Step()
	// SQLite restarts a statement stepped after it was done.
	if row, err := s.Step(); !row || err != nil {
		t.Errorf("Step after done = %v, %v", row, err)
	}
}
