package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/asqlite/asqlite/sqlite"
)

// BackupTo saves an in-memory database to a file while reporting progress;
// the same call restores a file into memory with the roles swapped.
func ExampleConn_BackupTo() {
	mem, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer mem.Close()
	err = mem.Exec(`CREATE TABLE t(x);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
		INSERT INTO t SELECT randomblob(100) FROM n`)
	if err != nil {
		log.Fatal(err)
	}

	dir, err := os.MkdirTemp("", "backup")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	file, err := sqlite.Open(filepath.Join(dir, "saved.db"), 0)
	if err != nil {
		log.Fatal(err)
	}
	defer file.Close()

	steps := 0
	err = mem.BackupTo(context.Background(), file, &sqlite.BackupOptions{
		PagesPerStep: 10,
		Progress: func(remaining, total int) {
			steps++
			if remaining == 0 {
				fmt.Printf("copied %d pages in %d steps\n", total, steps)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for row, err := range file.Query("SELECT count(*) FROM t") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("rows in the file:", row.ColumnInt(0))
	}
	// Output:
	// copied 29 pages in 3 steps
	// rows in the file: 1000
}

// A Backup can be driven by hand, a few pages at a time, so the source
// stays available to other connections between steps.
func ExampleNewBackup() {
	src, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	if err := src.Exec("CREATE TABLE t(x); INSERT INTO t SELECT zeroblob(5000) FROM (VALUES(1),(2),(3))"); err != nil {
		log.Fatal(err)
	}
	dst, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer dst.Close()

	b, err := sqlite.NewBackup(dst, "main", src, "main")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	for {
		done, err := b.Step(2)
		if err != nil {
			log.Fatal(err) // ErrBusy and ErrLocked could be retried instead
		}
		fmt.Printf("%d of %d pages left\n", b.Remaining(), b.PageCount())
		if done {
			break
		}
	}
	if err := b.Close(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 3 of 5 pages left
	// 1 of 5 pages left
	// 0 of 5 pages left
}
