package tour

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
)

// TestNestedRunBackupBetweenConnsWhileOthersCall backs one asqlite.Conn up
// into another from inside the source's Run nested around the
// destination's, as the tour's backup section does, while other goroutines
// keep calling both Conns. Every backup must complete with an exact copy,
// every other call must succeed, and (under -race) the hand-off of the
// source's connection between the two workers must not race.
func TestNestedRunBackupBetweenConnsWhileOthersCall(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	ctx := context.Background()
	src, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := src.Exec(ctx, "CREATE TABLE x(y); INSERT INTO x VALUES (randomblob(50000))"); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, c := range []*asqlite.Conn{src, dst} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				// The destination may not have the table yet: any
				// answer will do, as long as the call completes.
				var n int64
				if err := c.QueryRow(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
					errs <- err
					return
				}
			}
		})
	}

	for i := range 8 {
		if _, err := src.Exec(ctx, "UPDATE x SET y = randomblob(50000 + ?)", i); err != nil {
			t.Fatal(err)
		}
		var steps int
		err := src.Run(ctx, func(s *sqlite.Conn) error {
			return dst.Run(ctx, func(d *sqlite.Conn) error {
				b, err := sqlite.NewBackup(d, "main", s, "main")
				if err != nil {
					return err
				}
				defer b.Close()
				for {
					steps++
					done, err := b.Step(5)
					if err != nil || done {
						return err
					}
				}
			})
		})
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		if steps < 2 {
			t.Fatalf("backup %d took %d step(s); the test wants several", i, steps)
		}
		var want, got []byte
		if err := src.QueryRow(ctx, "SELECT y FROM x").Scan(&want); err != nil {
			t.Fatal(err)
		}
		if err := dst.QueryRow(ctx, "SELECT y FROM x").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || len(want) != 50000+i {
			t.Fatalf("backup %d: destination holds %d bytes, source %d, equal: %v", i, len(got), len(want), bytes.Equal(got, want))
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent call failed: %v", err)
	}
}
