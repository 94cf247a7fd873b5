package bench

import (
	"fmt"

	"zombiezen.com/go/sqlite"
)

// zombiezen.com/go/sqlite, the fastest pure-Go peer, on the same engine.
func init() {
	Register(Lib{Name: "zombiezen", Open: openZombiezen})
}

type zombiezenConn struct{ c *sqlite.Conn }

func openZombiezen() (Conn, error) {
	// No OpenWAL: WAL does not apply to :memory:, and the flags match asqlite's.
	c, err := sqlite.OpenConn(":memory:", sqlite.OpenReadWrite|sqlite.OpenCreate|sqlite.OpenURI)
	if err != nil {
		return nil, err
	}
	if err := exec(c, Schema); err != nil {
		c.Close()
		return nil, err
	}
	return zombiezenConn{c}, nil
}

func exec(c *sqlite.Conn, sql string) error {
	s, _, err := c.PrepareTransient(sql)
	if err != nil {
		return err
	}
	defer s.Finalize()
	_, err = s.Step()
	return err
}

func (z zombiezenConn) Close() error { return z.c.Close() }

func (z zombiezenConn) Insert(n int) error {
	s, err := z.c.Prepare(InsertSQL)
	if err != nil {
		return err
	}
	if err := exec(z.c, "BEGIN"); err != nil {
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
	return exec(z.c, "COMMIT")
}

func (z zombiezenConn) Scan() (int, int64, error) {
	s, err := z.c.Prepare(ScanSQL)
	if err != nil {
		return 0, 0, err
	}
	defer s.Reset()
	buf := make([]byte, 64)
	n, sum := 0, int64(0)
	for {
		row, err := s.Step()
		if err != nil {
			return n, sum, err
		}
		if !row {
			return n, sum, nil
		}
		k := s.ColumnBytes(3, buf)
		sum += Checksum(s.ColumnInt64(0), s.ColumnText(1), s.ColumnFloat(2), buf[:k])
		n++
	}
}

type zombiezenPoint struct {
	s   *sqlite.Stmt
	buf []byte
}

func (z zombiezenConn) PrepPoint() (Point, error) {
	// Prepare caches the statement on the connection, as zombiezen intends.
	s, err := z.c.Prepare(PointSQL)
	if err != nil {
		return nil, err
	}
	return &zombiezenPoint{s: s, buf: make([]byte, 64)}, nil
}

func (p *zombiezenPoint) Get(id int64) (int64, error) {
	s := p.s
	s.BindInt64(1, id)
	row, err := s.Step()
	if err != nil {
		return 0, err
	}
	if !row {
		return 0, fmt.Errorf("no row %d", id)
	}
	k := s.ColumnBytes(3, p.buf)
	sum := Checksum(s.ColumnInt64(0), s.ColumnText(1), s.ColumnFloat(2), p.buf[:k])
	return sum, s.Reset()
}

func (p *zombiezenPoint) Close() error { return nil }
