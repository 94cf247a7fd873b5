package sqlite_test

import (
	"fmt"

	"github.com/asqlite/asqlite/sqlite"
)

func ExampleConn_Serialize() {
	src, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer src.Close()
	if err := src.Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)"); err != nil {
		panic(err)
	}
	// The database as the bytes of its file.
	image, err := src.Serialize("main")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes, header %q\n", len(image), image[:15])

	// Load it into another connection.
	dst, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer dst.Close()
	if err := dst.Deserialize("main", image, 0); err != nil {
		panic(err)
	}
	for row, err := range dst.Query("SELECT sum(x) FROM t") {
		if err != nil {
			panic(err)
		}
		fmt.Println("sum:", row.ColumnInt(0))
	}
	// Output:
	// 8192 bytes, header "SQLite format 3"
	// sum: 6
}

func ExampleConn_Deserialize() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	// Bytes that are not a database are refused; the connection keeps its
	// database.
	err = c.Deserialize("main", []byte("hello, world"), sqlite.DeserializeReadOnly)
	fmt.Println(sqlite.CodeOf(err).String())
	// Output: SQLITE_NOTADB
}
