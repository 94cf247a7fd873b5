package tour

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "blob", Title: "Blob", Order: 90, Run: blob})
}

// blob reads and writes a stored value in place, a piece at a time, with
// incremental blob I/O. A blob handle belongs to its connection, so with an
// asqlite.Conn it is opened, used and closed inside one Run, on the worker.
func blob(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer conn.Close()

	// A blob has a fixed size: reserve the space with a zeroblob, fill it
	// in later.
	if _, err := conn.Exec(ctx, `
		CREATE TABLE blobby(x, y);
		INSERT INTO blobby VALUES (1, zeroblob(10000));
	`); err != nil {
		return err
	}
	// Or bind the zeroblob as a parameter.
	if _, err := conn.Exec(ctx, "INSERT INTO blobby VALUES (2, ?)", sqlite.ZeroBlob(20000)); err != nil {
		return err
	}

	// Opening a blob needs its rowid.
	var rowid int64
	if err := conn.QueryRow(ctx, "SELECT rowid FROM blobby WHERE x = 1").Scan(&rowid); err != nil {
		return err
	}

	err = conn.Run(ctx, func(sc *sqlite.Conn) error {
		b, err := sc.OpenBlob("main", "blobby", "y", rowid, true)
		if err != nil {
			return err
		}
		// Closing the connection would close the handle, but closing it
		// explicitly chooses the transaction boundary: in autocommit mode
		// the handle's writes commit when it closes.
		defer b.Close()
		t.Printf("opened row %d's blob: %d bytes\n", rowid, b.Size())

		// A BlobHandle is an io.ReadWriteSeeker (and io.ReaderAt,
		// io.WriterAt), so the io package works with it.
		if _, err := io.WriteString(b, "hello world"); err != nil {
			return err
		}
		if _, err := b.Seek(2000, io.SeekStart); err != nil {
			return err
		}
		read := make([]byte, 24)
		if _, err := io.ReadFull(b, read); err != nil {
			return err
		}
		t.Printf("read 24 bytes at offset 2000: %s\n", hex.EncodeToString(read))

		// Seek relative to the end.
		end, err := b.Seek(-32, io.SeekEnd)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(b, "hello world, again"); err != nil {
			return err
		}
		t.Printf("wrote 18 bytes at offset %d\n", end)

		// A blob never grows: what fits before the end is written, the
		// rest is refused with an error.
		n, err := b.WriteAt([]byte("overflow"), b.Size()-4)
		t.Printf("writing 8 bytes 4 before the end: %d written, error: %v\n", n, err)

		// The same handle moves to another row with Reopen.
		if err := b.Reopen(2); err != nil {
			return err
		}
		if _, err := b.WriteAt([]byte("second row"), 100); err != nil {
			return err
		}
		t.Printf("reopened on row 2: %d bytes\n", b.Size())
		return b.Close()
	})
	if err != nil {
		return err
	}

	// Once the handle is closed, its writes are what every query sees.
	for row, err := range conn.Query(ctx, "SELECT x, y FROM blobby ORDER BY x") {
		if err != nil {
			return err
		}
		t.Printf("row %d: %s\n", row.Int64(0), describeBytes(row.Bytes(1)))
	}
	return nil
}

// describeBytes shows a mostly empty value readably: text runs quoted,
// runs of zero bytes counted.
func describeBytes(b []byte) string {
	var parts []string
	for len(b) > 0 {
		n := 0
		if b[0] == 0 {
			for n < len(b) && b[n] == 0 {
				n++
			}
			parts = append(parts, fmt.Sprintf("%d zero bytes", n))
		} else {
			for n < len(b) && b[n] != 0 {
				n++
			}
			parts = append(parts, fmt.Sprintf("%q", b[:n]))
		}
		b = b[n:]
	}
	return strings.Join(parts, " + ")
}
