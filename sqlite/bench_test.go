package sqlite_test

import (
	"strconv"
	"testing"

	"github.com/asqlite/asqlite/sqlite"
)

// The benchmarks use one realistic row shape, the same as the bench/ module
// uses for every library: an integer key, a short name, a float and a small
// blob, in an in-memory database so that the binding, not the disk, is
// measured.

const (
	benchRows   = 1_000_000
	benchSchema = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL, data BLOB NOT NULL)"
	benchInsert = "INSERT INTO t(id, name, score, data) VALUES (?, ?, ?, ?)"
	benchScan   = "SELECT id, name, score, data FROM t"
	benchPoint  = "SELECT id, name, score, data FROM t WHERE id = ?"
)

// benchInsertRows inserts rows 1..n in one transaction with one statement.
func benchInsertRows(tb testing.TB, c *sqlite.Conn, n int) {
	s, err := c.Prepare(benchInsert)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	if err := c.Exec("BEGIN"); err != nil {
		tb.Fatal(err)
	}
	var name []byte
	data := make([]byte, 16)
	for i := 1; i <= n; i++ {
		name = strconv.AppendInt(append(name[:0], "user-"...), int64(i), 10)
		data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
		s.BindInt64(1, int64(i))
		s.BindText(2, string(name))
		s.BindFloat(3, float64(i)*0.5)
		s.BindBytes(4, data)
		if _, err := s.Step(); err != nil {
			tb.Fatal(err)
		}
		s.Reset()
	}
	if err := c.Exec("COMMIT"); err != nil {
		tb.Fatal(err)
	}
}

func benchDB(tb testing.TB, rows int) *sqlite.Conn {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Exec(benchSchema); err != nil {
		tb.Fatal(err)
	}
	if rows > 0 {
		benchInsertRows(tb, c, rows)
	}
	return c
}

// BenchmarkInsert1M inserts a million rows in one transaction through one
// reused prepared statement; one op is the whole million.
func BenchmarkInsert1M(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c := benchDB(b, 0)
		benchInsertRows(b, c, benchRows)
		c.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}

// BenchmarkScan1M reads every column of a million rows; one op is the
// whole scan.
func BenchmarkScan1M(b *testing.B) {
	c := benchDB(b, benchRows)
	defer c.Close()
	s, err := c.Prepare(benchScan)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		n, sum := 0, 0
		for {
			row, err := s.Step()
			if err != nil {
				b.Fatal(err)
			}
			if !row {
				break
			}
			id := s.ColumnInt64(0)
			name := s.ColumnText(1)
			score := s.ColumnFloat(2)
			buf = s.ColumnBytes(3, buf[:0])
			sum += int(id) + len(name) + int(score) + len(buf)
			n++
		}
		s.Reset()
		if n != benchRows {
			b.Fatalf("scanned %d rows", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}

// BenchmarkPointQuery looks one row up by primary key with a reused
// statement; one op is one lookup.
func BenchmarkPointQuery(b *testing.B) {
	c := benchDB(b, benchRows)
	defer c.Close()
	s, err := c.Prepare(benchPoint)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	buf := make([]byte, 0, 64)
	id := int64(0)
	b.ReportAllocs()
	for b.Loop() {
		id = id*7919%benchRows + 1
		s.BindInt64(1, id)
		row, err := s.Step()
		if err != nil || !row {
			b.Fatal(row, err)
		}
		if s.ColumnInt64(0) != id {
			b.Fatal("wrong row")
		}
		_ = s.ColumnText(1)
		_ = s.ColumnFloat(2)
		buf = s.ColumnBytes(3, buf[:0])
		s.Reset()
	}
}

// BenchmarkPrepCached measures a statement cache hit.
func BenchmarkPrepCached(b *testing.B) {
	c := benchDB(b, 0)
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		s, err := c.Prep(benchPoint)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkExecCachedInsert measures Conn.Exec of one cached statement with
// arguments, the convenient path.
func BenchmarkExecCachedInsert(b *testing.B) {
	c := benchDB(b, 0)
	defer c.Close()
	c.Exec("BEGIN")
	defer c.Exec("COMMIT")
	data := make([]byte, 16)
	i := int64(0)
	b.ReportAllocs()
	for b.Loop() {
		i++
		if err := c.Exec(benchInsert, i, "user-name", 1.5, data); err != nil {
			b.Fatal(err)
		}
	}
}
