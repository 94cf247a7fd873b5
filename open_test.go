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
