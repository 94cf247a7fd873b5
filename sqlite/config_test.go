package sqlite_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

func TestDBConfigTurnsOffDoubleQuotedStrings(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Exec(`SELECT "not a column"`); err != nil {
		t.Fatalf("double-quoted string should be accepted by default: %v", err)
	}
	on, err := c.SetDBConfig(sqlite.DBConfigDQSDML, false)
	if err != nil || on {
		t.Fatalf("SetDBConfig = %v, %v", on, err)
	}
	if got, _ := c.DBConfig(sqlite.DBConfigDQSDML); got {
		t.Error("DBConfig still reports DQS_DML on")
	}
	if err := c.Exec(`SELECT "not a column"`); err == nil || !strings.Contains(err.Error(), "no such column") {
		t.Errorf("got %v, want no such column", err)
	}
	if _, err := c.SetDBConfig(sqlite.DBConfig(1), true); !errors.Is(err, sqlite.ErrMisuse) {
		t.Errorf("non-boolean op: %v, want ErrMisuse", err)
	}
}

func TestOnCloseRunsWithConnectionOpen(t *testing.T) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	c.OnClose(func() {
		order = append(order, "first")
	})
	c.OnClose(func() {
		if err := c.Exec("PRAGMA optimize"); err != nil {
			t.Errorf("connection not usable in OnClose: %v", err)
		}
		order = append(order, "second")
	})
	c.Close()
	if strings.Join(order, ",") != "second,first" {
		t.Errorf("order %v, want reverse registration", order)
	}
}

func TestLogHandlerReceivesErrors(t *testing.T) {
	var mu sync.Mutex
	var msgs []string
	if !sqlite.SetLogHandler(func(code sqlite.ErrorCode, msg string) {
		mu.Lock()
		msgs = append(msgs, code.String()+": "+msg)
		mu.Unlock()
	}) {
		t.Fatal("log handler not installed")
	}
	defer sqlite.SetLogHandler(nil)
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Exec("SELECT * FROM no_such_table")
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, m := range msgs {
		found = found || strings.Contains(m, "no such table: no_such_table")
	}
	if !found {
		t.Errorf("log did not report the error; got %q", msgs)
	}
}
