package bench

// Micro benchmarks of the binding layers alone, asqlite (A) against
// zombiezen (Z): binding four typed values, reading four columns, and one
// step+reset of a trivial statement. They show where the libraries differ
// without the engine's b-tree work in the way:
//
//	go test -run '^$' -bench Micro -count 5

import (
	"testing"

	asq "github.com/asqlite/asqlite/sqlite"
	zz "zombiezen.com/go/sqlite"
)

func BenchmarkMicroBindA(b *testing.B) {
	c, _ := asq.Open(":memory:", 0)
	defer c.Close()
	s, _ := c.Prepare("SELECT ?, ?, ?, ?")
	defer s.Close()
	data := make([]byte, 16)
	for b.Loop() {
		s.BindInt64(1, 5)
		s.BindText(2, "user-123456")
		s.BindFloat(3, 1.5)
		s.BindBytes(4, data)
	}
}

func BenchmarkMicroBindZ(b *testing.B) {
	c, _ := zz.OpenConn(":memory:", zz.OpenReadWrite|zz.OpenCreate)
	defer c.Close()
	s, _ := c.Prepare("SELECT ?, ?, ?, ?")
	data := make([]byte, 16)
	for b.Loop() {
		s.BindInt64(1, 5)
		s.BindText(2, "user-123456")
		s.BindFloat(3, 1.5)
		s.BindBytes(4, data)
	}
}

func BenchmarkMicroColA(b *testing.B) {
	c, _ := asq.Open(":memory:", 0)
	defer c.Close()
	s, _ := c.Prepare("SELECT 5, 'user-123456', 1.5, x'00112233445566778899aabbccddeeff'")
	defer s.Close()
	s.Step()
	buf := make([]byte, 0, 64)
	for b.Loop() {
		_ = s.ColumnInt64(0)
		_ = s.ColumnText(1)
		_ = s.ColumnFloat(2)
		buf = s.ColumnBytes(3, buf[:0])
	}
}

func BenchmarkMicroColZ(b *testing.B) {
	c, _ := zz.OpenConn(":memory:", zz.OpenReadWrite|zz.OpenCreate)
	defer c.Close()
	s, _ := c.Prepare("SELECT 5, 'user-123456', 1.5, x'00112233445566778899aabbccddeeff'")
	s.Step()
	buf := make([]byte, 64)
	for b.Loop() {
		_ = s.ColumnInt64(0)
		_ = s.ColumnText(1)
		_ = s.ColumnFloat(2)
		_ = s.ColumnBytes(3, buf)
	}
}

func BenchmarkMicroStepA(b *testing.B) {
	c, _ := asq.Open(":memory:", 0)
	defer c.Close()
	s, _ := c.Prepare("SELECT 1")
	defer s.Close()
	for b.Loop() {
		s.Step()
		s.Reset()
	}
}

func BenchmarkMicroStepZ(b *testing.B) {
	c, _ := zz.OpenConn(":memory:", zz.OpenReadWrite|zz.OpenCreate)
	defer c.Close()
	s, _ := c.Prepare("SELECT 1")
	for b.Loop() {
		s.Step()
		s.Reset()
	}
}
