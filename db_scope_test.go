package asqlite

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

func TestDBCallbackSeesDeadlineBeforeItsTimerFires(t *testing.T) {
	db := dbOpenTest(t, nil)
	seen := make(chan error, 1)
	dbMust(t, db.Register(context.Background(), func(c *sqlite.Conn) error {
		return c.CreateFunction("late", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
			ctx := fc.Context()
			d, _ := ctx.Deadline()
			for time.Now().Before(d) {
				runtime.Gosched()
			}
			err := ctx.Err()
			select {
			case <-ctx.Done():
			default:
				err = errors.New("Done not closed after the deadline")
			}
			seen <- err
			fc.ResultInt64(1)
			return nil
		})
	}))
	for _, how := range []string{"write", "read"} {
		ctx := lateTimer{Context: context.Background(), deadline: time.Now().Add(short)}
		var err error
		if how == "write" {
			_, err = db.Exec(ctx, "SELECT late()")
		} else {
			err = db.QueryRow(ctx, "SELECT late()").Err()
		}
		select {
		case got := <-seen:
			if !errors.Is(got, context.DeadlineExceeded) {
				t.Errorf("%s: the function saw %v, want context.DeadlineExceeded", how, got)
			}
		default:
			t.Errorf("%s: the function did not run (%v)", how, err)
		}
	}
}

func TestCloseFromInsideTheDBIsReentrant(t *testing.T) {
	places := []struct {
		name string
		// call makes the DB run closeDB from inside it.
		call func(ctx context.Context, db *DB, closeDB func() error) error
	}{
		{"Write function", func(ctx context.Context, db *DB, closeDB func() error) error {
			return db.Write(ctx, func(*sqlite.Conn) error { return closeDB() })
		}},
		{"Read function", func(ctx context.Context, db *DB, closeDB func() error) error {
			return db.Read(ctx, func(*sqlite.Conn) error { return closeDB() })
		}},
		{"Go function called by a write", func(ctx context.Context, db *DB, closeDB func() error) error {
			err := db.Register(ctx, func(c *sqlite.Conn) error {
				return c.CreateFunction("close_db", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
					if err := closeDB(); err != nil {
						return err
					}
					fc.ResultNull()
					return nil
				})
			})
			if err != nil {
				return err
			}
			_, err = db.Exec(ctx, "INSERT INTO t VALUES (close_db())")
			return err
		}},
		{"Query loop body", func(ctx context.Context, db *DB, closeDB func() error) error {
			for _, err := range db.Query(ctx, "SELECT 1") {
				if err != nil {
					return err
				}
				if err := closeDB(); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, p := range places {
		t.Run(p.name, func(t *testing.T) {
			db := dbOpenTest(t, nil)
			ctx := context.Background()
			if _, err := db.Exec(ctx, "CREATE TABLE t(x)"); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				done <- p.call(ctx, db, db.Close)
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ErrReentrant) {
					t.Fatalf("got %v, want ErrReentrant", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Close from inside the DB hangs")
			}
			// The DB is still open and works.
			var n int
			if err := db.QueryRow(ctx, "SELECT 42").Scan(&n); err != nil || n != 42 {
				t.Fatalf("after the refused Close: %d, %v", n, err)
			}
		})
	}
}
