// Package bench measures asqlite against other Go SQLite libraries on the
// same workloads. It is its own module so that the peers it compares with
// never enter asqlite's dependencies.
//
// Each library (or asqlite layer) is a Lib, registered from its own file by
// an init function; each workload is a Workload that runs any Lib. The Go
// benchmarks in bench_test.go and the cmd/compare runner both run every
// workload on every registered Lib.
package bench

import (
	"fmt"
	"strconv"
	"testing"
)

// The table every workload uses: an integer key, a short name, a float and a
// small blob. Databases are in memory, so the bindings, not the disk, are
// measured.
const (
	Schema      = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL, data BLOB NOT NULL)"
	InsertSQL   = "INSERT INTO t(id, name, score, data) VALUES (?, ?, ?, ?)"
	ScanSQL     = "SELECT id, name, score, data FROM t"
	PointSQL    = "SELECT id, name, score, data FROM t WHERE id = ?"
	DataLen     = 16
	DefaultRows = 1_000_000
)

// RowName writes row i's name into buf ("user-<i>") and returns it.
func RowName(buf []byte, i int64) []byte {
	return strconv.AppendInt(append(buf[:0], "user-"...), i, 10)
}

// RowData fills data (DataLen bytes) with row i's blob.
func RowData(data []byte, i int64) {
	data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
}

// RowScore is row i's score.
func RowScore(i int64) float64 { return float64(i) * 0.5 }

// Checksum folds one row read back into a running sum, so that every column
// is really read and checked.
func Checksum(id int64, name string, score float64, data []byte) int64 {
	return id + int64(len(name)) + int64(score) + int64(len(data))
}

// ExpectedSum is the checksum of rows 1..n.
func ExpectedSum(n int) int64 {
	var sum int64
	var buf []byte
	for i := int64(1); i <= int64(n); i++ {
		sum += Checksum(i, string(RowName(buf, i)), RowScore(i), make([]byte, DataLen))
	}
	return sum
}

// Lib is one library, or one layer of asqlite, under test.
type Lib struct {
	Name string
	// Open opens a fresh in-memory database with the table created.
	Open func() (Conn, error)
}

// Conn is an open database of one Lib. Implementations use the library
// the way its documentation recommends for speed (prepared statements
// reused, no per-row reflection where the API allows it).
type Conn interface {
	// Insert inserts rows 1..n in one transaction through one prepared
	// statement.
	Insert(n int) error
	// Scan reads every column of every row and returns the row count and
	// the Checksum of the rows.
	Scan() (rows int, sum int64, err error)
	// PrepPoint prepares the point query by primary key.
	PrepPoint() (Point, error)
	Close() error
}

// Point is a prepared point query, reused for every lookup.
type Point interface {
	// Get reads the row with the given id and returns its Checksum.
	Get(id int64) (int64, error)
	Close() error
}

// Libs are the registered libraries, asqlite's first.
var Libs []Lib

// Register adds a library to Libs.
func Register(l Lib) { Libs = append(Libs, l) }

// Workload is one benchmark, runnable on any Lib.
type Workload struct {
	Name string
	Doc  string
	// Prepare readies the workload on l and returns the operation to time
	// (it checks its own results) and a function releasing what Prepare
	// made.
	Prepare func(l Lib, rows int) (op func() error, done func(), err error)
}

// Workloads lists the workloads in report order.
var Workloads = []Workload{
	{"insert", "insert N rows in one transaction, one reused prepared statement, into a new in-memory database; op = all N rows", Insert},
	{"scan", "read every column of N rows; op = the whole scan", Scan},
	{"point", "look one row up by primary key with a reused statement; op = one lookup", PointQuery},
}

// Bench runs w on l as a Go benchmark.
func (w Workload) Bench(b *testing.B, l Lib, rows int) {
	op, done, err := w.Prepare(l, rows)
	if err != nil {
		b.Fatal(err)
	}
	defer done()
	b.ReportAllocs()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
}

func open(l Lib, rows int) (Conn, error) {
	c, err := l.Open()
	if err != nil {
		return nil, err
	}
	if rows > 0 {
		if err := c.Insert(rows); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Insert times inserting rows rows into a fresh database.
func Insert(l Lib, rows int) (func() error, func(), error) {
	op := func() error {
		c, err := open(l, 0)
		if err != nil {
			return err
		}
		defer c.Close()
		return c.Insert(rows)
	}
	return op, func() {}, nil
}

// Scan times reading back every row.
func Scan(l Lib, rows int) (func() error, func(), error) {
	c, err := open(l, rows)
	if err != nil {
		return nil, nil, err
	}
	want := ExpectedSum(rows)
	op := func() error {
		n, sum, err := c.Scan()
		if err != nil {
			return err
		}
		if n != rows || sum != want {
			return fmt.Errorf("%s: scanned %d rows with sum %d, want %d and %d", l.Name, n, sum, rows, want)
		}
		return nil
	}
	return op, func() { c.Close() }, nil
}

// PointQuery times one lookup by primary key.
func PointQuery(l Lib, rows int) (func() error, func(), error) {
	c, err := open(l, rows)
	if err != nil {
		return nil, nil, err
	}
	p, err := c.PrepPoint()
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	var buf []byte
	id := int64(0)
	op := func() error {
		id = id*7919%int64(rows) + 1
		sum, err := p.Get(id)
		if err != nil {
			return err
		}
		buf = RowName(buf, id)
		if want := Checksum(id, string(buf), RowScore(id), make([]byte, DataLen)); sum != want {
			return fmt.Errorf("%s: row %d sum %d, want %d", l.Name, id, sum, want)
		}
		return nil
	}
	return op, func() { p.Close(); c.Close() }, nil
}
