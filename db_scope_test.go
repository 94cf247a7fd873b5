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
	dbMust(t, db.CreateFunction(context.Background(), "late", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
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
