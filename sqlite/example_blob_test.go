package sqlite_test

import (
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/asqlite/asqlite/sqlite"
)

// A blob is written and read in place, a piece at a time. Space is reserved
// first with a zeroblob, since incremental writes cannot grow a value.
func ExampleConn_OpenBlob() {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec("CREATE TABLE files(name TEXT, data BLOB)"); err != nil {
		log.Fatal(err)
	}
	if err := conn.Exec("INSERT INTO files VALUES(?, ?)", "greeting", sqlite.ZeroBlob(11)); err != nil {
		log.Fatal(err)
	}

	b, err := conn.OpenBlob("main", "files", "data", conn.LastInsertRowID(), true)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	io.WriteString(b, "hello")                // at offset 0, moves the offset to 5
	b.WriteAt([]byte("world"), 6)             // at offset 6, leaves the offset alone
	b.Write([]byte(" "))                      // at offset 5
	_, err = b.WriteAt([]byte("!"), b.Size()) // past the end: refused
	fmt.Println("size:", b.Size(), "short write:", errors.Is(err, io.ErrShortWrite))

	b.Seek(0, io.SeekStart)
	data, err := io.ReadAll(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", data)
	// Output:
	// size: 11 short write: true
	// "hello world"
}
