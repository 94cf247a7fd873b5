package bench

import (
	"fmt"

	"github.com/asqlite/asqlite/sqlite"
)

// asqlite's binding, package sqlite, used directly.
func init() {
	Register(Lib{Name: "asqlite", Open: openASQLite})
}

type asqliteConn struct{ c *sqlite.Conn }

func openASQLite() (Conn, error) {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		return nil, err
	}
	if err := c.Exec(Schema); err != nil {
		c.Close()
		return nil, err
	}
	return asqliteConn{c}, nil
}

func (a asqliteConn) Close() error { return a.c.Close() }

func (a asqliteConn) Insert(n int) error {
	s, err := a.c.Prepare(InsertSQL)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := a.c.Exec("BEGIN"); err != nil {
		return err
	}
	var name []byte
	data := make([]byte, DataLen)
	for i := int64(1); i <= int64(n); i++ {
		name = RowName(name, i)
		RowData(data, i)
		s.BindInt64(1, i)
		s.BindText(2, string(name))
		s.BindFloat(3, RowScore(i))
		s.BindBytes(4, data)
		if _, err := s.Step(); err != nil {
			return err
		}
		s.Reset()
	}
	return a.c.Exec("COMMIT")
}

func (a asqliteConn) Scan() (int, int64, error) {
	s, err := a.c.Prepare(ScanSQL)
	if err != nil {
		return 0, 0, err
	}
	defer s.Close()
	buf := make([]byte, 0, 64)
	n, sum := 0, int64(0)
	for {
		row, err := s.Step()
		if err != nil {
			return n, sum, err
		}
		if !row {
			return n, sum, nil
		}
		buf = s.ColumnBytes(3, buf[:0])
		sum += Checksum(s.ColumnInt64(0), s.ColumnText(1), s.ColumnFloat(2), buf)
		n++
	}
}

type asqlitePoint struct {
	s   *sqlite.Stmt
	buf []byte
}

func (a asqliteConn) PrepPoint() (Point, error) {
	s, err := a.c.Prepare(PointSQL)
	if err != nil {
		return nil, err
	}
	return &asqlitePoint{s: s, buf: make([]byte, 0, 64)}, nil
}

func (p *asqlitePoint) Get(id int64) (int64, error) {
	s := p.s
	s.BindInt64(1, id)
	row, err := s.Step()
	if err != nil {
		return 0, err
	}
	if !row {
		return 0, fmt.Errorf("no row %d", id)
	}
	p.buf = s.ColumnBytes(3, p.buf[:0])
	sum := Checksum(s.ColumnInt64(0), s.ColumnText(1), s.ColumnFloat(2), p.buf)
	return sum, s.Reset()
}

func (p *asqlitePoint) Close() error { return p.s.Close() }
