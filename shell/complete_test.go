package shell

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestCompletion(t *testing.T) {
	sh, _, _ := newShell(t, "CREATE TABLE customers(customer_id, email); CREATE TABLE custard(x)")
	ctx := context.Background()
	for _, tc := range []struct{ line, want string }{
		{".tab", ".tables "},
		{".im", ".import "},
		{".s", ".s"}, // ambiguous: .save, .schema, .separator, .show, .stats
		{"sel", "select "},
		{"SEL", "SELECT "},
		{"SELECT * FROM cust", "SELECT * FROM cust"}, // customers, customer_id, custard
		{"SELECT * FROM custo", "SELECT * FROM customer"},
		{"SELECT * FROM customers", "SELECT * FROM customers "},
		{"SELECT ema", "SELECT email "},
		{"SELECT customer_", "SELECT customer_id "},
		{"SELECT zzz", ""},
	} {
		got, pos, ok, _ := sh.complete(ctx, tc.line, len(tc.line))
		if !ok {
			got = ""
		}
		if got != tc.want || ok && pos != len(got) {
			t.Errorf("complete(%q) = %q at %d, %v; want %q", tc.line, got, pos, ok, tc.want)
		}
	}
}

func TestHistoryPersists(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hist")
	h := &history{file: file}
	h.load()
	for _, e := range []string{"SELECT 1;", "SELECT 1;", ".tables", ""} {
		h.push(e)
	}
	if h.Len() != 2 || h.At(0) != ".tables" || h.At(1) != "SELECT 1;" {
		t.Fatalf("history %q", h.entries)
	}
	again := &history{file: file}
	again.load()
	if again.Len() != 2 || again.At(0) != ".tables" {
		t.Errorf("reloaded history %q", again.entries)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("history file: %v, %v", fi, err)
	}
}
