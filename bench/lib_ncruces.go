package bench

import (
	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/embed" // the Wasm build of SQLite
)

// github.com/ncruces/go-sqlite3, pure Go over SQLite compiled to Wasm and
// run by wazero, through its direct API. It has no statement cache of its
// own, so the wrapper keeps one per connection. (Its database/sql driver
// registers the name "sqlite3", as mattn's does, so the two cannot share a
// binary; the direct API is its fastest path anyway.)
func init() {
	Register(Lib{Name: "ncruces", API: "direct (Wasm)", Open: pooled(openNcruces)})
}

type ncrucesConn struct {
	c     *sqlite3.Conn
	cache map[string]*sqlite3.Stmt
}

func openNcruces(path string, pragmas []string, readOnly bool) (Conn, error) {
	flags := sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE | sqlite3.OPEN_URI
	if readOnly {
		flags = sqlite3.OPEN_READONLY | sqlite3.OPEN_URI
	}
	c, err := sqlite3.OpenFlags(path, flags)
	if err != nil {
		return nil, err
	}
	for _, p := range pragmas {
		if err := c.Exec("PRAGMA " + p); err != nil {
			c.Close()
			return nil, err
		}
	}
	return &ncrucesConn{c: c, cache: map[string]*sqlite3.Stmt{}}, nil
}

// prep returns the cached statement for sql, reset.
func (n *ncrucesConn) prep(sql string) (*sqlite3.Stmt, error) {
	if s, ok := n.cache[sql]; ok {
		return s, nil
	}
	s, _, err := n.c.Prepare(sql)
	if err != nil {
		return nil, err
	}
	n.cache[sql] = s
	return s, nil
}

func nbind(s *sqlite3.Stmt, args []any) error {
	for i, a := range args {
		var err error
		switch v := a.(type) {
		case int:
			err = s.BindInt64(i+1, int64(v))
		case int64:
			err = s.BindInt64(i+1, v)
		case float64:
			err = s.BindFloat(i+1, v)
		case string:
			err = s.BindText(i+1, v)
		case []byte:
			err = s.BindBlob(i+1, v)
		case bool:
			err = s.BindBool(i+1, v)
		case nil:
			err = s.BindNull(i + 1)
		default:
			return errorf("ncruces: cannot bind %T", a)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (n *ncrucesConn) Close() error {
	for _, s := range n.cache {
		s.Close()
	}
	return n.c.Close()
}

func (n *ncrucesConn) Exec(sql string, args ...any) error {
	if len(args) == 0 {
		return n.c.Exec(sql)
	}
	s, err := n.prep(sql)
	if err != nil {
		return err
	}
	if err := nbind(s, args); err != nil {
		return err
	}
	s.Step()
	return s.Reset()
}

func (n *ncrucesConn) QueryInt(sql string, args ...any) (int64, error) {
	s, err := n.prep(sql)
	if err != nil {
		return 0, err
	}
	if err := nbind(s, args); err != nil {
		return 0, err
	}
	if !s.Step() {
		if err := s.Reset(); err != nil {
			return 0, err
		}
		return 0, errorf("no rows")
	}
	v := s.ColumnInt64(0)
	return v, s.Reset()
}

func (n *ncrucesConn) Write(fn func(Writer) error) error {
	if err := n.c.Exec("BEGIN"); err != nil {
		return err
	}
	if err := fn(ncrucesWriter{n}); err != nil {
		n.c.Exec("ROLLBACK")
		return err
	}
	return n.c.Exec("COMMIT")
}

type ncrucesWriter struct{ n *ncrucesConn }

func (w ncrucesWriter) InsertT(from, to int64) error {
	s, err := w.n.prep(InsertT)
	if err != nil {
		return err
	}
	var name []byte
	data := make([]byte, DataLen)
	for i := from; i <= to; i++ {
		name = RowName(name, i)
		RowData(data, i)
		s.BindInt64(1, i)
		s.BindText(2, string(name))
		s.BindFloat(3, RowScore(i))
		s.BindBlob(4, data)
		s.Step()
		if err := s.Reset(); err != nil {
			return err
		}
	}
	return nil
}

func (w ncrucesWriter) InsertUsers(users []User) error {
	s, err := w.n.prep(InsertUserSQL)
	if err != nil {
		return err
	}
	for _, u := range users {
		s.BindInt64(1, u.ID)
		s.BindInt64(2, Millis(u.Created))
		s.BindText(3, u.Email)
		s.BindBool(4, u.Active)
		s.Step()
		if err := s.Reset(); err != nil {
			return err
		}
	}
	return nil
}

func (w ncrucesWriter) InsertArticles(articles []Article) error {
	s, err := w.n.prep(InsertArticleSQL)
	if err != nil {
		return err
	}
	for _, a := range articles {
		s.BindInt64(1, a.ID)
		s.BindInt64(2, Millis(a.Created))
		s.BindInt64(3, a.UserID)
		s.BindText(4, a.Text)
		s.Step()
		if err := s.Reset(); err != nil {
			return err
		}
	}
	return nil
}

func (w ncrucesWriter) InsertComments(comments []Comment) error {
	s, err := w.n.prep(InsertCommentSQL)
	if err != nil {
		return err
	}
	for _, c := range comments {
		s.BindInt64(1, c.ID)
		s.BindInt64(2, Millis(c.Created))
		s.BindInt64(3, c.ArticleID)
		s.BindText(4, c.Text)
		s.Step()
		if err := s.Reset(); err != nil {
			return err
		}
	}
	return nil
}

func (n *ncrucesConn) FindUsers(sql string) ([]User, error) {
	s, err := n.prep(sql)
	if err != nil {
		return nil, err
	}
	var users []User
	for s.Step() {
		users = append(users, User{s.ColumnInt64(0), FromMillis(s.ColumnInt64(1)), s.ColumnText(2), s.ColumnInt64(3) != 0})
	}
	return users, s.Reset()
}

func (n *ncrucesConn) FindUsersArticlesComments(sql string, args ...any) ([]User, []Article, []Comment, error) {
	s, err := n.prep(sql)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := nbind(s, args); err != nil {
		return nil, nil, nil, err
	}
	var d Dedup
	for s.Step() {
		d.Add(
			User{s.ColumnInt64(0), FromMillis(s.ColumnInt64(1)), s.ColumnText(2), s.ColumnInt64(3) != 0},
			Article{s.ColumnInt64(4), FromMillis(s.ColumnInt64(5)), s.ColumnInt64(6), s.ColumnText(7)},
			Comment{s.ColumnInt64(8), FromMillis(s.ColumnInt64(9)), s.ColumnInt64(10), s.ColumnText(11)})
	}
	if err := s.Reset(); err != nil {
		return nil, nil, nil, err
	}
	return d.Result()
}

func (n *ncrucesConn) Scan() (int, int64, error) {
	s, err := n.prep(ScanSQL)
	if err != nil {
		return 0, 0, err
	}
	buf := make([]byte, 0, 64)
	rows, sum := 0, int64(0)
	for s.Step() {
		buf = s.ColumnBlob(3, buf[:0])
		sum += Checksum(s.ColumnInt64(0), s.ColumnText(1), s.ColumnFloat(2), buf)
		rows++
	}
	return rows, sum, s.Reset()
}

type ncrucesPoint struct {
	s   *sqlite3.Stmt
	buf []byte
}

func (n *ncrucesConn) PrepPoint() (Point, error) {
	s, _, err := n.c.Prepare(PointSQL)
	if err != nil {
		return nil, err
	}
	return &ncrucesPoint{s: s, buf: make([]byte, 0, 64)}, nil
}

func (p *ncrucesPoint) Get(id int64) (int64, error) {
	s := p.s
	s.BindInt64(1, id)
	if !s.Step() {
		if err := s.Reset(); err != nil {
			return 0, err
		}
		return 0, errorf("no row %d", id)
	}
	p.buf = s.ColumnBlob(3, p.buf[:0])
	sum := Checksum(s.ColumnInt64(0), s.ColumnText(1), s.ColumnFloat(2), p.buf)
	return sum, s.Reset()
}

func (p *ncrucesPoint) Close() error { return p.s.Close() }
