package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// fillForBackup gives c a schema and enough rows to span many pages.
func fillForBackup(t *testing.T, c *Conn, rows int) {
	t.Helper()
	execT(t, c, `CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, name TEXT, payload BLOB);
		CREATE INDEX IF NOT EXISTS items_name ON items(name)`)
	err := c.Tx(Immediate, func() error {
		for i := range rows {
			if err := c.Exec("INSERT INTO items(name, payload) VALUES(?, randomblob(1000))", fmt.Sprintf("item %d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBackupCopiesBetweenAnyConnections(t *testing.T) {
	dir := t.TempDir()
	kinds := map[string]func(string) string{
		"file":   func(n string) string { return filepath.Join(dir, n+".db") },
		"memory": func(string) string { return ":memory:" },
	}
	for srcKind, srcName := range kinds {
		for dstKind, dstName := range kinds {
			t.Run(srcKind+"→"+dstKind, func(t *testing.T) {
				src := openConnT(t, srcName("src-"+srcKind+dstKind))
				dst := openConnT(t, dstName("dst-"+srcKind+dstKind))
				fillForBackup(t, src, 60)
				execT(t, dst, "CREATE TABLE old(x); INSERT INTO old VALUES('overwritten')")
				if err := src.BackupTo(context.Background(), dst, &BackupOptions{PagesPerStep: 8}); err != nil {
					t.Fatal(err)
				}
				if got, want := dumpT(t, dst), dumpT(t, src); got != want {
					t.Fatalf("destination differs from source after backup")
				}
				if n := queryInt64T(t, dst, "SELECT count(*) FROM items"); n != 60 {
					t.Fatalf("destination has %d rows, want 60", n)
				}
			})
		}
	}
}

func TestBackupStepReportsProgress(t *testing.T) {
	src := openConnT(t, ":memory:")
	dst := openConnT(t, "")
	fillForBackup(t, src, 40)
	b, err := NewBackup(dst, "main", src, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	pages := int(queryInt64T(t, src, "PRAGMA page_count"))
	steps := 0
	last := pages + 1
	for {
		done, err := b.Step(10)
		if err != nil {
			t.Fatal(err)
		}
		steps++
		if b.PageCount() != pages {
			t.Fatalf("PageCount = %d, want %d", b.PageCount(), pages)
		}
		if r := b.Remaining(); r >= last {
			t.Fatalf("Remaining went from %d to %d", last, r)
		}
		last = b.Remaining()
		if done {
			break
		}
	}
	if last != 0 || steps != (pages+9)/10 {
		t.Fatalf("finished with %d remaining after %d steps; want 0 after %d", last, steps, (pages+9)/10)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if done, err := b.Step(1); done || !errors.Is(err, ErrClosed) {
		t.Fatalf("Step after Close = %v, %v; want ErrClosed", done, err)
	}
	if got, want := dumpT(t, dst), dumpT(t, src); got != want {
		t.Fatal("destination differs from source")
	}
}

func TestBackupToProgressEndsAtZero(t *testing.T) {
	src := openConnT(t, ":memory:")
	dst := openConnT(t, ":memory:")
	fillForBackup(t, src, 50)
	var calls []int
	total := 0
	err := src.BackupTo(context.Background(), dst, &BackupOptions{PagesPerStep: 5, Progress: func(remaining, n int) {
		calls = append(calls, remaining)
		total = n
	}})
	if err != nil {
		t.Fatal(err)
	}
	pages := int(queryInt64T(t, src, "PRAGMA page_count"))
	if total != pages || len(calls) != (pages+4)/5 || calls[len(calls)-1] != 0 {
		t.Fatalf("progress calls %v with total %d; want %d calls ending at 0, total %d", calls, total, (pages+4)/5, pages)
	}
}

func TestBackupRestartsWhenAnotherConnectionWritesSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "src.db")
	src := openConnT(t, path)
	writer := openConnT(t, path)
	dst := openConnT(t, ":memory:")
	fillForBackup(t, src, 40)
	b, err := NewBackup(dst, "", src, "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if done, err := b.Step(5); done || err != nil {
		t.Fatalf("first Step = %v, %v", done, err)
	}
	before := b.Remaining()
	// Between steps the source is unlocked: another connection writes.
	fillForBackup(t, writer, 20)
	if done, err := b.Step(5); done || err != nil {
		t.Fatalf("Step after the write = %v, %v", done, err)
	}
	if after := b.Remaining(); after <= before {
		t.Fatalf("Remaining went from %d to %d across a foreign write; want a restart", before, after)
	}
	for {
		done, err := b.Step(5)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := queryInt64T(t, dst, "SELECT count(*) FROM items"); n != 60 {
		t.Fatalf("destination has %d rows, want all 60", n)
	}
	if got, want := dumpT(t, dst), dumpT(t, src); got != want {
		t.Fatal("destination differs from source")
	}
}

func TestBackupIncludesWritesThroughSourceConnection(t *testing.T) {
	src := openConnT(t, ":memory:")
	dst := openConnT(t, "")
	fillForBackup(t, src, 40)
	b, err := NewBackup(dst, "", src, "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Step(3); err != nil {
		t.Fatal(err)
	}
	execT(t, src, "UPDATE items SET name = 'changed' WHERE id % 7 = 0")
	fillForBackup(t, src, 10)
	if done, err := b.Step(-1); !done || err != nil {
		t.Fatalf("Step(-1) = %v, %v", done, err)
	}
	if got, want := dumpT(t, dst), dumpT(t, src); got != want {
		t.Fatal("destination misses writes made through the source connection")
	}
}

func TestBackupToCanceledRollsBackDestination(t *testing.T) {
	src := openConnT(t, ":memory:")
	dst := openConnT(t, "")
	fillForBackup(t, src, 40)
	execT(t, dst, "CREATE TABLE keep(x); INSERT INTO keep VALUES('original')")
	before := dumpT(t, dst)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	steps := 0
	err := src.BackupTo(ctx, dst, &BackupOptions{PagesPerStep: 2, Progress: func(int, int) {
		steps++
		cancel()
	}})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrInterrupt) {
		t.Fatalf("BackupTo with canceled context = %v; want context.Canceled and ErrInterrupt", err)
	}
	if steps != 1 {
		t.Fatalf("%d steps ran after cancel; want 1", steps)
	}
	if got := dumpT(t, dst); got != before {
		t.Fatalf("destination changed by a canceled backup:\n%s", got)
	}
	// An already ended context copies nothing.
	if err := src.BackupTo(ctx, dst, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("BackupTo with ended context = %v", err)
	}
}

// lockExclusive makes another connection hold an exclusive lock on path
// (rollback journal mode), so readers get SQLITE_BUSY, until the returned
// function runs.
func lockExclusive(t *testing.T, path string) func() {
	t.Helper()
	locker := openConnT(t, path)
	execT(t, locker, "BEGIN EXCLUSIVE")
	return func() { execT(t, locker, "COMMIT") }
}

func TestBackupStepBusyIsTemporary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "src.db")
	src := openConnT(t, path)
	fillForBackup(t, src, 20)
	dst := openConnT(t, ":memory:")
	unlock := lockExclusive(t, path)
	b, err := NewBackup(dst, "", src, "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if done, err := b.Step(-1); done || !errors.Is(err, ErrBusy) {
		t.Fatalf("Step on a locked source = %v, %v; want ErrBusy", done, err)
	}
	unlock()
	if done, err := b.Step(-1); !done || err != nil {
		t.Fatalf("Step after unlock = %v, %v; want done", done, err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close after a retried busy step: %v", err)
	}
	if got, want := dumpT(t, dst), dumpT(t, src); got != want {
		t.Fatal("destination differs from source")
	}
}

func TestBackupToRetriesBusyUntilContextEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "src.db")
	src := openConnT(t, path)
	fillForBackup(t, src, 20)
	dst := openConnT(t, ":memory:")
	defer lockExclusive(t, path)()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := src.BackupTo(ctx, dst, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("BackupTo from a locked source = %v; want context.DeadlineExceeded", err)
	}
}

func TestBackupRejectsBadArguments(t *testing.T) {
	a := openConnT(t, ":memory:")
	b := openConnT(t, ":memory:")
	for _, tc := range []struct {
		name string
		run  func() error
		code ErrorCode
	}{
		{"same connection", func() error { _, err := NewBackup(a, "", a, ""); return err }, ErrError},
		{"missing source schema", func() error { _, err := NewBackup(b, "", a, "nope"); return err }, ErrError},
		{"missing destination schema", func() error { _, err := NewBackup(b, "nope", a, ""); return err }, ErrError},
		{"nil source", func() error { _, err := NewBackup(b, "", nil, ""); return err }, ErrMisuse},
		{"NUL in schema", func() error { _, err := NewBackup(b, "ma\x00in", a, ""); return err }, ErrMisuse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var e *Error
			if !errors.As(err, &e) || e.Code.Primary() != tc.code {
				t.Fatalf("error = %v; want an *Error with %v", err, tc.code)
			}
		})
	}
	// A destination inside a read transaction cannot be overwritten.
	execT(t, b, "CREATE TABLE t(x); INSERT INTO t VALUES(1)")
	for range b.Query("SELECT x FROM t") {
		if _, err := NewBackup(b, "", a, ""); CodeOf(err).Primary() != ErrError {
			t.Fatalf("backup into a connection in a read transaction: %v", err)
		}
		break
	}
}

func TestBackupClosedWhenEitherConnectionCloses(t *testing.T) {
	for _, which := range []string{"source", "destination"} {
		t.Run(which, func(t *testing.T) {
			src := openConnT(t, ":memory:")
			dst := openConnT(t, "")
			fillForBackup(t, src, 50)
			execT(t, dst, "CREATE TABLE keep(x)")
			before := dumpT(t, dst)
			b, err := NewBackup(dst, "", src, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Step(2); err != nil {
				t.Fatal(err)
			}
			closing, other := src, dst
			if which == "destination" {
				closing, other = dst, src
			}
			if err := closing.Close(); err != nil {
				t.Fatalf("closing the %s during a backup: %v", which, err)
			}
			if _, err := b.Step(1); !errors.Is(err, ErrClosed) {
				t.Fatalf("Step after the %s closed: %v; want ErrClosed", which, err)
			}
			if err := b.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if which == "source" {
				if got := dumpT(t, other); got != before {
					t.Fatal("unfinished backup left changes in the destination")
				}
			} else {
				execT(t, other, "SELECT 1") // the source stays usable
			}
		})
	}
}

func TestBackupToFailsFastWhenSourceHoldsWriteTransaction(t *testing.T) {
	src := openConnT(t, "")
	dst := openConnT(t, ":memory:")
	fillForBackup(t, src, 5)
	execT(t, src, "BEGIN; INSERT INTO items(name) VALUES('pending')")
	// Without the check this would wait forever: nothing else can commit.
	if err := src.BackupTo(context.Background(), dst, nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("BackupTo from a connection in a write transaction = %v; want ErrBusy", err)
	}
	execT(t, src, "COMMIT")
	err := src.BackupTo(context.Background(), dst, &BackupOptions{PagesPerStep: 1, Progress: func(int, int) {
		if src.AutoCommit() {
			execT(t, src, "BEGIN IMMEDIATE")
		}
	}})
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("BackupTo whose Progress begins a write transaction = %v; want ErrBusy", err)
	}
	execT(t, src, "ROLLBACK")
}
