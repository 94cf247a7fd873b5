package sqlite

import (
	"fmt"
	"testing"
)

func BenchmarkBlobReadAt1MiB(b *testing.B) {
	c := openConnT(b, ":memory:")
	execT(b, c, "CREATE TABLE t(data BLOB); INSERT INTO t VALUES(randomblob(1 << 20))")
	blob, err := c.OpenBlob("", "t", "data", 1, false)
	if err != nil {
		b.Fatal(err)
	}
	defer blob.Close()
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := blob.ReadAt(buf, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlobWriteAt1MiB(b *testing.B) {
	c := openConnT(b, ":memory:")
	execT(b, c, "CREATE TABLE t(data BLOB); INSERT INTO t VALUES(zeroblob(1 << 20))")
	blob, err := c.OpenBlob("", "t", "data", 1, true)
	if err != nil {
		b.Fatal(err)
	}
	defer blob.Close()
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := blob.WriteAt(buf, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlobOpenReadClose(b *testing.B) {
	c := openConnT(b, ":memory:")
	execT(b, c, "CREATE TABLE t(data BLOB); INSERT INTO t VALUES(randomblob(100))")
	buf := make([]byte, 100)
	for b.Loop() {
		blob, err := c.OpenBlob("", "t", "data", 1, false)
		if err != nil {
			b.Fatal(err)
		}
		blob.ReadAt(buf, 0)
		blob.Close()
	}
}

// BenchmarkBackup copies a database of about 1,000 pages (4 MiB).
func BenchmarkBackup(b *testing.B) {
	src := openConnT(b, ":memory:")
	execT(b, src, `CREATE TABLE t(x);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
		INSERT INTO t SELECT randomblob(3900) FROM n`)
	dst := openConnT(b, ":memory:")
	pages := queryInt64T(b, src, "PRAGMA page_count")
	b.SetBytes(pages * 4096)
	for b.Loop() {
		if err := src.BackupTo(b.Context(), dst, &BackupOptions{PagesPerStep: -1}); err != nil {
			b.Fatal(err)
		}
	}
}

// changesetOf1000Updates records updates of 1,000 rows.
func changesetOf1000Updates(b *testing.B) (c *Conn, cs []byte) {
	c = openConnT(b, ":memory:")
	execT(b, c, `CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INTEGER);
		WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 1000)
		INSERT INTO t SELECT i, 'row ' || i, i FROM k`)
	s, err := c.CreateSession("", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.Attach("")
	execT(b, c, "UPDATE t SET n = n + 1, name = name || '!'")
	cs, err = s.Changeset()
	if err != nil {
		b.Fatal(err)
	}
	return c, cs
}

func BenchmarkChangesIterate1000(b *testing.B) {
	_, cs := changesetOf1000Updates(b)
	for b.Loop() {
		n := 0
		for ch, err := range Changes(cs) {
			if err != nil {
				b.Fatal(err)
			}
			v, _ := ch.New(2)
			n += int(v.Int64())
		}
		if n == 0 {
			b.Fatal("no changes")
		}
	}
}

// BenchmarkApplyChangeset1000 applies 1,000 updates, then their inverse.
func BenchmarkApplyChangeset1000(b *testing.B) {
	c, cs := changesetOf1000Updates(b)
	inv, err := InvertChangeset(cs)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := c.ApplyChangeset(inv, nil); err != nil {
			b.Fatal(err)
		}
		if err := c.ApplyChangeset(cs, nil); err != nil {
			b.Fatal(fmt.Errorf("reapply: %w", err))
		}
	}
}
