package sqlite

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// blobConn returns a connection with table files(id, name, data) holding
// one row per content, data being the content as a blob.
func blobConn(t *testing.T, contents ...[]byte) *Conn {
	t.Helper()
	c := openConnT(t, ":memory:")
	execT(t, c, "CREATE TABLE files(id INTEGER PRIMARY KEY, name TEXT, data BLOB, n INTEGER)")
	for i, b := range contents {
		execT(t, c, "INSERT INTO files(id, name, data, n) VALUES(?, ?, ?, 7)", i+1, "f", b)
	}
	return c
}

func TestBlobWriteIntoZeroBlobThenRead(t *testing.T) {
	c := blobConn(t)
	execT(t, c, "INSERT INTO files(id, data) VALUES(1, ?)", ZeroBlob(11))
	b, err := c.OpenBlob("", "files", "data", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Size() != 11 {
		t.Fatalf("Size = %d, want 11", b.Size())
	}
	if n, err := b.Write([]byte("hello")); n != 5 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if n, err := b.WriteAt([]byte("world"), 6); n != 5 || err != nil {
		t.Fatalf("WriteAt = %d, %v", n, err)
	}
	if n, err := b.Write([]byte(" ")); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := queryBytesT(t, c, "SELECT data FROM files WHERE id = 1"); string(got) != "hello world" {
		t.Fatalf("stored %q, want %q", got, "hello world")
	}
}

func TestBlobPassesIOTestReader(t *testing.T) {
	content := make([]byte, 1000)
	for i := range content {
		content[i] = byte(i * 7)
	}
	c := blobConn(t, content)
	b, err := c.OpenBlob("main", "files", "data", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// TestReader checks Read, ReadAt and Seek against content, including
	// EOF behaviour and that ReadAt leaves the offset alone.
	if err := iotest.TestReader(b, content); err != nil {
		t.Fatal(err)
	}
}

func TestBlobReadReturnsEOFAtEnd(t *testing.T) {
	c := blobConn(t, []byte("abcdef"))
	b, err := c.OpenBlob("", "files", "data", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p := make([]byte, 4)
	if n, err := b.Read(p); n != 4 || err != nil {
		t.Fatalf("first Read = %d, %v", n, err)
	}
	if n, err := b.Read(p); n != 2 || err != nil || string(p[:n]) != "ef" {
		t.Fatalf("second Read = %d %q, %v", n, p[:n], err)
	}
	if n, err := b.Read(p); n != 0 || err != io.EOF {
		t.Fatalf("Read at end = %d, %v; want 0, io.EOF", n, err)
	}
	if n, err := b.ReadAt(p, 4); n != 2 || err != io.EOF {
		t.Fatalf("ReadAt across end = %d, %v; want 2, io.EOF", n, err)
	}
	if n, err := b.ReadAt(p, 6); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at end = %d, %v; want 0, io.EOF", n, err)
	}
	if _, err := b.ReadAt(p, -1); CodeOf(err) != ErrRange {
		t.Fatalf("ReadAt(-1) error = %v, want ErrRange", err)
	}
}

func TestBlobWritePastEndIsShortWrite(t *testing.T) {
	c := blobConn(t, []byte("1234"))
	b, err := c.OpenBlob("", "files", "data", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Seek(2, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	n, err := b.Write([]byte("abcd"))
	var e *Error
	if n != 2 || !errors.Is(err, io.ErrShortWrite) || !errors.As(err, &e) {
		t.Fatalf("Write past end = %d, %v; want 2 and an *Error wrapping io.ErrShortWrite", n, err)
	}
	if n, err := b.Write([]byte("z")); n != 0 || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("Write at end = %d, %v; want 0, io.ErrShortWrite", n, err)
	}
	if n, err := b.WriteAt([]byte("z"), 100); n != 0 || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("WriteAt beyond end = %d, %v; want 0, io.ErrShortWrite", n, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := queryBytesT(t, c, "SELECT data FROM files"); string(got) != "12ab" {
		t.Fatalf("stored %q, want the bytes that fit: %q", got, "12ab")
	}
}

func TestBlobReadOnlyRejectsWrites(t *testing.T) {
	c := blobConn(t, []byte("data"))
	b, err := c.OpenBlob("", "files", "data", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, err := b.Write([]byte("x")); n != 0 || !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Write on read-only blob = %d, %v; want ErrReadOnly", n, err)
	}
	if _, err := b.WriteAt([]byte("x"), 0); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("WriteAt on read-only blob: %v; want ErrReadOnly", err)
	}
	if got := queryBytesT(t, c, "SELECT data FROM files"); string(got) != "data" {
		t.Fatalf("stored %q changed", got)
	}
}

func TestBlobExpiresWhenRowChanges(t *testing.T) {
	for _, change := range []string{
		"UPDATE files SET n = n + 1 WHERE id = 1",
		"UPDATE files SET data = x'00112233' WHERE id = 1",
		"DELETE FROM files WHERE id = 1",
	} {
		t.Run(change, func(t *testing.T) {
			c := blobConn(t, []byte("first"), []byte("second!"))
			b, err := c.OpenBlob("", "files", "data", 1, true)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			execT(t, c, change)
			p := make([]byte, 3)
			if _, err := b.ReadAt(p, 0); !errors.Is(err, ErrAbort) {
				t.Fatalf("ReadAt after %q: %v; want ErrAbort", change, err)
			}
			if _, err := b.WriteAt(p, 0); !errors.Is(err, ErrAbort) {
				t.Fatalf("WriteAt after %q: %v; want ErrAbort", change, err)
			}
			// Reopen revives the handle on another row.
			if err := b.Reopen(2); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(b)
			if err != nil || string(got) != "second!" {
				t.Fatalf("after Reopen read %q, %v", got, err)
			}
		})
	}
}

func TestBlobReopenMovesToAnotherRow(t *testing.T) {
	c := blobConn(t, []byte("short"), []byte("a longer value"))
	b, err := c.OpenBlob("", "files", "data", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Seek(3, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if err := b.Reopen(2); err != nil {
		t.Fatal(err)
	}
	if b.Size() != 14 {
		t.Fatalf("Size after Reopen = %d, want 14", b.Size())
	}
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "a longer value" {
		t.Fatalf("read %q, %v after Reopen; want the whole new row", got, err)
	}
	err = b.Reopen(99)
	var e *Error
	if !errors.As(err, &e) || e.Code.Primary() != ErrError {
		t.Fatalf("Reopen(missing row) = %v; want an *Error", err)
	}
	if _, err := b.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrAbort) {
		t.Fatalf("read after failed Reopen: %v; want ErrAbort", err)
	}
	if err := b.Reopen(1); err != nil {
		t.Fatalf("Reopen after failure: %v", err)
	}
	if got, _ := io.ReadAll(b); string(got) != "short" {
		t.Fatalf("read %q after second Reopen", got)
	}
}

func TestBlobSeek(t *testing.T) {
	c := blobConn(t, []byte("0123456789"))
	b, err := c.OpenBlob("", "files", "data", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, tc := range []struct {
		off    int64
		whence int
		want   int64
	}{
		{4, io.SeekStart, 4}, {2, io.SeekCurrent, 6}, {-3, io.SeekEnd, 7}, {5, io.SeekEnd, 15},
	} {
		got, err := b.Seek(tc.off, tc.whence)
		if err != nil || got != tc.want {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", tc.off, tc.whence, got, err, tc.want)
		}
	}
	if n, err := b.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("Read past end = %d, %v; want io.EOF", n, err)
	}
	if _, err := b.Seek(-1, io.SeekStart); CodeOf(err) != ErrRange {
		t.Fatalf("Seek before start: %v; want ErrRange", err)
	}
	if _, err := b.Seek(0, 42); CodeOf(err) != ErrMisuse {
		t.Fatalf("Seek with bad whence: %v; want ErrMisuse", err)
	}
}

func TestBlobLargeCopyRoundTrips(t *testing.T) {
	content := make([]byte, 5*blobChunk/2+17)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte(r.Uint32())
	}
	c := blobConn(t)
	execT(t, c, "INSERT INTO files(id, data) VALUES(1, ?)", ZeroBlob(len(content)))
	b, err := c.OpenBlob("", "files", "data", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := io.Copy(b, bytes.NewReader(content)); n != int64(len(content)) || err != nil {
		t.Fatalf("io.Copy into blob = %d, %v", n, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := queryBytesT(t, c, "SELECT data FROM files"); !bytes.Equal(got, content) {
		t.Fatal("content read back by SELECT differs from what was written")
	}
	b, err = c.OpenBlob("", "files", "data", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(b); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("reading the blob back: %v, equal=%v", err, bytes.Equal(got, content))
	}
	got := make([]byte, blobChunk+10)
	if n, err := b.ReadAt(got, blobChunk-5); n != len(got) || err != nil || !bytes.Equal(got, content[blobChunk-5:][:len(got)]) {
		t.Fatalf("ReadAt across chunks = %d, %v", n, err)
	}
	b.Close()
	// A copy that does not fit stops with io.ErrShortWrite.
	b, err = c.OpenBlob("", "files", "data", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	n, err := io.Copy(b, bytes.NewReader(append(content, 1, 2, 3)))
	if n != int64(len(content)) || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("oversized io.Copy = %d, %v; want %d, io.ErrShortWrite", n, err, len(content))
	}
}

func TestBlobOpenErrors(t *testing.T) {
	c := blobConn(t, []byte("x"))
	execT(t, c, "CREATE INDEX files_name ON files(name)")
	for _, tc := range []struct {
		name                  string
		schema, table, column string
		rowid                 int64
		writable              bool
	}{
		{"missing table", "", "nope", "data", 1, false},
		{"missing column", "", "files", "nope", 1, false},
		{"missing row", "", "files", "data", 42, false},
		{"integer value", "", "files", "n", 1, false},
		{"indexed column for writing", "", "files", "name", 1, true},
		{"missing schema", "aux", "files", "data", 1, false},
		{"NUL in name", "", "fi\x00les", "data", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := c.OpenBlob(tc.schema, tc.table, tc.column, tc.rowid, tc.writable)
			var e *Error
			if b != nil || !errors.As(err, &e) {
				t.Fatalf("OpenBlob = %v, %v; want an *Error", b, err)
			}
			if e.Msg == "" {
				t.Fatal("error has no message")
			}
		})
	}
}

func TestBlobClosedWithItsConn(t *testing.T) {
	c := blobConn(t, []byte("abc"))
	b, err := c.OpenBlob("", "files", "data", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("closing a connection with an open blob: %v", err)
	}
	if _, err := b.Read(make([]byte, 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after the connection closed: %v; want ErrClosed", err)
	}
	if _, err := b.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after the connection closed: %v; want ErrClosed", err)
	}
	if b.Size() != 0 {
		t.Fatalf("Size of closed blob = %d", b.Size())
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := c.OpenBlob("", "files", "data", 1, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("OpenBlob on closed connection: %v; want ErrClosed", err)
	}
}

func TestBlobOpenCloseDoesNotAccumulate(t *testing.T) {
	c := blobConn(t, []byte("abc"))
	for range 100 {
		b, err := c.OpenBlob("", "files", "data", 1, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
	live := len(c.owned)
	if live != 0 || len(c.onClose) != 1 {
		t.Fatalf("after 100 open/close: %d live objects, %d close hooks; want 0 and 1", live, len(c.onClose))
	}
}

func TestBlobWriteCommitsOnClose(t *testing.T) {
	path := ""
	c := openConnT(t, path)
	execT(t, c, "CREATE TABLE files(id INTEGER PRIMARY KEY, data BLOB)")
	execT(t, c, "INSERT INTO files VALUES(1, ?)", ZeroBlob(4))
	b, err := c.OpenBlob("", "files", "data", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.AutoCommit() != true {
		t.Fatal("expected autocommit mode")
	}
	if _, err := b.Write([]byte("done")); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	other := openConnT(t, c.Filename(""))
	if got := queryBytesT(t, other, "SELECT data FROM files"); string(got) != "done" {
		t.Fatalf("another connection reads %q after Close, want %q", got, "done")
	}
}
