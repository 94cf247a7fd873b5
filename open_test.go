package asqlite

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenMissingDirectorySaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nosuch", "x.db")
	open := map[string]func() (func() error, error){
		"OpenConn": func() (func() error, error) {
			c, err := OpenConn(context.Background(), path, nil)
			if err != nil {
				return nil, err
			}
			return c.Close, nil
		},
		"Open": func() (func() error, error) {
			db, err := Open(context.Background(), path, nil)
			if err != nil {
				return nil, err
			}
			return db.Close, nil
		},
	}
	for name, open := range open {
		closeFn, err := open()
		if err == nil {
			closeFn()
			t.Fatalf("%s: opened %s", name, path)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: errors.Is(%v, fs.ErrNotExist) = false", name, err)
		}
		if !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s: %q does not say the directory does not exist", name, err)
		}
	}
}

// TestOpenURIWithReadWriteMode: a URI asking for mode=rw or rwc opens,
// although the DB's readers open the file read-only.
func TestOpenURIWithReadWriteMode(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rw.db")
	for _, mode := range []string{"rwc", "rw"} {
		db, err := Open(ctx, "file:"+path+"?mode="+mode, nil)
		if err != nil {
			t.Fatalf("mode=%s: %v", mode, err)
		}
		if _, err := db.Exec(ctx, "CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES (1)"); err != nil {
			t.Fatalf("mode=%s: %v", mode, err)
		}
		var n int
		if err := db.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatalf("mode=%s: read: %v", mode, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
