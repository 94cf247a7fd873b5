package sqlite

import (
	"io"
	"math"

	lib "modernc.org/sqlite/lib"
)

// BlobHandle is an open handle on one BLOB or TEXT value stored in a table, for
// incremental I/O: it reads and writes the value in place, a piece at a time,
// without loading it whole (https://sqlite.org/c3ref/blob.html).
//
// BlobHandle implements io.Reader, io.Writer, io.Seeker, io.ReaderAt, io.WriterAt
// and io.Closer. Read, Write and Seek share one offset; ReadAt and WriteAt
// neither use nor move it.
//
// A blob has a fixed size: writes change bytes in place and cannot make it
// longer. Reserve space first by storing a zeroblob of the final size
// (Stmt.BindZeroBlob, or a ZeroBlob argument to Exec), then fill it.
//
// If the row is changed or deleted by anything other than this handle while
// the handle is open (an UPDATE or DELETE on the same connection, for
// instance), the handle expires: every later read or write fails with an
// *Error whose code is ErrAbort. Reopen moves the handle to a row and makes
// it usable again, even after it expired.
//
// A BlobHandle belongs to its Conn and shares its goroutine rule: one goroutine at
// a time uses the connection and its blobs. In autocommit mode an open
// handle keeps a transaction open (a write transaction if writable) until it
// closes, so other connections see its writes only then. Close the handle
// when done; closing the connection closes the blobs still open on it.
type BlobHandle struct {
	c        *Conn
	p        uintptr // the sqlite3_blob; 0 after a failed Reopen
	closed   bool
	size     int64
	off      int64
	writable bool
	schema   string
	table    string
	column   string
	rowid    int64

	buf  uintptr // C memory for copying through, up to blobChunk bytes
	bufN int
}

var (
	_ io.Reader   = (*BlobHandle)(nil)
	_ io.Writer   = (*BlobHandle)(nil)
	_ io.Seeker   = (*BlobHandle)(nil)
	_ io.ReaderAt = (*BlobHandle)(nil)
	_ io.WriterAt = (*BlobHandle)(nil)
	_ io.Closer   = (*BlobHandle)(nil)
)

// blobChunk bounds the C buffer a BlobHandle copies through.
const blobChunk = 64 << 10

// OpenBlob opens the value in column of table at rowid, in the database
// schema ("main" when empty), for incremental I/O. With writable false the
// handle is read-only and writes fail with ErrReadOnly.
//
// Opening fails with an *Error when the table, column or row does not exist,
// when the value is neither a BLOB nor TEXT, or, with writable, when the
// column is indexed, part of the primary key or the database is read-only.
//
// https://sqlite.org/c3ref/blob_open.html
func (c *Conn) OpenBlob(schema, table, column string, rowid int64, writable bool) (*BlobHandle, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if schema == "" {
		schema = "main"
	}
	b := &BlobHandle{c: c, writable: writable, schema: schema, table: table, column: column, rowid: rowid}
	if err := b.open(rowid); err != nil {
		return nil, err
	}
	c.own(b)
	return b, nil
}

// open opens the C handle on rowid.
func (b *BlobHandle) open(rowid int64) error {
	c := b.c
	z, err := cnames(c.tls, &c.buf, false, b.schema, b.table, b.column)
	if err != nil {
		return err
	}
	var flags int32
	if b.writable {
		flags = 1
	}
	pp := c.tls.Alloc(8)
	defer c.tls.Free(8)
	writePtr(pp, 0)
	rc := lib.Xsqlite3_blob_open(c.tls, c.db, z[0], z[1], z[2], rowid, flags, pp)
	p := readPtr(pp)
	if rc != lib.SQLITE_OK {
		err := c.errorCode(rc, "")
		if p != 0 {
			lib.Xsqlite3_blob_close(c.tls, p)
		}
		return err
	}
	b.p = p
	b.size = int64(lib.Xsqlite3_blob_bytes(c.tls, p))
	return nil
}

func (b *BlobHandle) check() error {
	if b == nil || b.closed {
		return closedError("blob")
	}
	return nil
}

func (b *BlobHandle) expired() error {
	return Errorf(ErrAbort, "blob %s.%s of row %d expired: the row was changed or deleted, or Reopen failed (Reopen to continue)", b.table, b.column, b.rowid)
}

// Size returns the size of the value in bytes (0 after Close, or after a
// failed Reopen). https://sqlite.org/c3ref/blob_bytes.html
func (b *BlobHandle) Size() int64 {
	if b == nil || b.closed || b.p == 0 {
		return 0
	}
	return b.size
}

// Read reads up to len(p) bytes at the current offset and advances it. At
// the end of the value it returns 0, io.EOF.
func (b *BlobHandle) Read(p []byte) (int, error) {
	if err := b.check(); err != nil {
		return 0, err
	}
	if b.p == 0 {
		return 0, b.expired()
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.off >= b.size {
		return 0, io.EOF
	}
	n, err := b.readAt(p[:min(int64(len(p)), b.size-b.off)], b.off)
	b.off += int64(n)
	return n, err
}

// ReadAt reads len(p) bytes at offset off. Like every io.ReaderAt, it returns
// io.EOF with fewer than len(p) bytes when the value ends first.
// https://sqlite.org/c3ref/blob_read.html
func (b *BlobHandle) ReadAt(p []byte, off int64) (int, error) {
	if err := b.check(); err != nil {
		return 0, err
	}
	if b.p == 0 {
		return 0, b.expired()
	}
	if off < 0 {
		return 0, Errorf(ErrRange, "blob read at negative offset %d", off)
	}
	if off >= b.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	short := int64(len(p)) > b.size-off
	n, err := b.readAt(p[:min(int64(len(p)), b.size-off)], off)
	if err == nil && short {
		err = io.EOF
	}
	return n, err
}

// Write writes p at the current offset and advances it. A blob cannot grow:
// the bytes that fit before the end are written and the rest is refused
// with an *Error (ErrError) that wraps io.ErrShortWrite.
func (b *BlobHandle) Write(p []byte) (int, error) {
	n, err := b.WriteAt(p, b.off)
	if b != nil && !b.closed {
		b.off += int64(n)
	}
	return n, err
}

// WriteAt writes p at offset off without moving the current offset. Bytes
// that would fall past the end of the value are not written: the part that
// fits is, and the error (ErrError, wrapping io.ErrShortWrite) says how much
// was refused. A read-only handle refuses every write with ErrReadOnly.
// https://sqlite.org/c3ref/blob_write.html
func (b *BlobHandle) WriteAt(p []byte, off int64) (int, error) {
	if err := b.check(); err != nil {
		return 0, err
	}
	if !b.writable {
		return 0, Errorf(ErrReadOnly, "blob %s.%s of row %d was opened read-only", b.table, b.column, b.rowid)
	}
	if b.p == 0 {
		return 0, b.expired()
	}
	if off < 0 {
		return 0, Errorf(ErrRange, "blob write at negative offset %d", off)
	}
	fit := max(0, min(int64(len(p)), b.size-off))
	var n int
	if fit > 0 {
		var err error
		if n, err = b.writeAt(p[:fit], off); err != nil {
			return n, err
		}
	}
	if n < len(p) {
		return n, Errorf(ErrError, "blob of %d bytes cannot grow: %d of %d bytes written at offset %d", b.size, n, len(p), off).because(io.ErrShortWrite)
	}
	return n, nil
}

// Seek sets the offset of the next Read or Write, relative to the start
// (io.SeekStart), the current offset (io.SeekCurrent) or the end
// (io.SeekEnd), and returns it. Seeking past the end is allowed (reads
// there return io.EOF, writes fail); seeking before the start is an error.
func (b *BlobHandle) Seek(offset int64, whence int) (int64, error) {
	if err := b.check(); err != nil {
		return 0, err
	}
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = b.off
	case io.SeekEnd:
		base = b.size
	default:
		return b.off, Errorf(ErrMisuse, "invalid whence %d", whence)
	}
	if offset > math.MaxInt64-base {
		return b.off, Errorf(ErrRange, "seek offset overflows")
	}
	if base+offset < 0 {
		return b.off, Errorf(ErrRange, "seek to negative offset %d", base+offset)
	}
	b.off = base + offset
	return b.off, nil
}

// Reopen points the handle at the same column of another row (or the same
// row again), rewinds the offset to 0 and updates Size. It revives a handle
// that expired because its row changed. If it fails (no such row, or the
// value there is neither BLOB nor TEXT), the handle is expired: reads and
// writes fail with ErrAbort until a Reopen succeeds.
//
// https://sqlite.org/c3ref/blob_reopen.html
func (b *BlobHandle) Reopen(rowid int64) error {
	if err := b.check(); err != nil {
		return err
	}
	tls := b.c.tls
	b.off = 0
	b.rowid = rowid
	if b.p != 0 {
		rc := lib.Xsqlite3_blob_reopen(tls, b.p, rowid)
		b.size = int64(lib.Xsqlite3_blob_bytes(tls, b.p))
		if rc == lib.SQLITE_OK {
			return nil
		}
		// The C handle is dead either way: a failed move expires it, and
		// SQLite cannot move a handle that had expired before.
		var err error
		if rc != lib.SQLITE_ABORT {
			err = b.c.errorCode(rc, "")
		}
		lib.Xsqlite3_blob_close(tls, b.p)
		b.p = 0
		b.size = 0
		if err != nil {
			return err
		}
	}
	b.size = 0
	return b.open(rowid)
}

// Close releases the handle. Closing a writable handle in autocommit mode
// commits the changes it made; an error doing so is returned, and the handle
// is closed either way. Closing a closed BlobHandle does nothing.
//
// https://sqlite.org/c3ref/blob_close.html
func (b *BlobHandle) Close() error {
	if b == nil || b.closed {
		return nil
	}
	c := b.c
	b.closed = true
	rc := int32(lib.SQLITE_OK)
	if b.p != 0 {
		rc = lib.Xsqlite3_blob_close(c.tls, b.p)
		b.p = 0
	}
	if b.buf != 0 {
		lib.Xsqlite3_free(c.tls, b.buf)
		b.buf, b.bufN = 0, 0
	}
	c.disown(b)
	if rc != lib.SQLITE_OK {
		return c.errorCode(rc, "")
	}
	return nil
}

// buffer returns C memory for at least n (≤ blobChunk) bytes.
func (b *BlobHandle) buffer(n int) (uintptr, error) {
	if n > b.bufN {
		size := min(max(n, 2*b.bufN, 512), blobChunk)
		p := lib.Xsqlite3_realloc64(b.c.tls, b.buf, uint64(size))
		if p == 0 {
			return 0, Errorf(ErrNoMem, "out of memory for blob I/O")
		}
		b.buf, b.bufN = p, size
	}
	return b.buf, nil
}

// readAt fills p from offset off, which the caller has checked to lie
// within the value.
func (b *BlobHandle) readAt(p []byte, off int64) (int, error) {
	if b.p == 0 {
		return 0, b.expired()
	}
	n := 0
	for n < len(p) {
		k := min(len(p)-n, blobChunk)
		buf, err := b.buffer(k)
		if err != nil {
			return n, err
		}
		rc := lib.Xsqlite3_blob_read(b.c.tls, b.p, buf, int32(k), int32(off+int64(n)))
		if rc != lib.SQLITE_OK {
			return n, b.ioError(rc)
		}
		n += copy(p[n:], cbytes(buf, k))
	}
	return n, nil
}

// writeAt writes p at offset off; the caller has checked that it fits.
func (b *BlobHandle) writeAt(p []byte, off int64) (int, error) {
	if b.p == 0 {
		return 0, b.expired()
	}
	n := 0
	for n < len(p) {
		k := min(len(p)-n, blobChunk)
		buf, err := b.buffer(k)
		if err != nil {
			return n, err
		}
		copy(cbytes(buf, k), p[n:n+k])
		rc := lib.Xsqlite3_blob_write(b.c.tls, b.p, buf, int32(k), int32(off+int64(n)))
		if rc != lib.SQLITE_OK {
			return n, b.ioError(rc)
		}
		n += k
	}
	return n, nil
}

func (b *BlobHandle) ioError(rc int32) error {
	if rc&0xff == lib.SQLITE_ABORT {
		return b.expired()
	}
	return b.c.errorCode(rc, "")
}
