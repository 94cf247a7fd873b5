package bench

import (
	"github.com/asqlite/asqlite/sqlite"
)

// asqlite's binding, package sqlite, used directly: the baseline of the
// binding workloads.
func init() {
	Register(Lib{Name: "asqlite", API: "binding (sqlite.Conn)", Asqlite: true, Open: pooled(openASQLite)})
}

type asqliteConn struct{ c *sqlite.Conn }

func openASQLite(path string, pragmas []string, readOnly bool) (Conn, error) {
	var flags sqlite.OpenFlags
	if readOnly {
		flags = sqlite.OpenReadOnly
	}
	c, err := sqlite.Open(path, flags)
	if err != nil {
		return nil, err
	}
	for _, p := range pragmas {
		if err := c.Exec("PRAGMA " + p); err != nil {
			c.Close()
			return nil, err
		}
	}
	return asqliteConn{c}, nil
}

func (a asqliteConn) Close() error { return a.c.Close() }

func (a asqliteConn) Exec(sql string, args ...any) error { return a.c.Exec(sql, args...) }

func (a asqliteConn) QueryInt(sql string, args ...any) (int64, error) {
	return asqliteQueryInt(a.c, sql, args...)
}

func asqliteQueryInt(c *sqlite.Conn, sql string, args ...any) (int64, error) {
	s, err := c.Prep(sql)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	if err := s.Bind(args...); err != nil {
		return 0, err
	}
	row, err := s.Step()
	if err != nil {
		return 0, err
	}
	if !row {
		return 0, errorf("no rows")
	}
	return s.ColumnInt64(0), nil
}

func (a asqliteConn) Write(fn func(Writer) error) error {
	if err := a.c.Exec("BEGIN"); err != nil {
		return err
	}
	if err := fn(asqliteWriter{a.c}); err != nil {
		a.c.Exec("ROLLBACK")
		return err
	}
	return a.c.Exec("COMMIT")
}

// asqliteWriter inserts through the binding; asqlite.DB's Write uses it too.
type asqliteWriter struct{ c *sqlite.Conn }

func (w asqliteWriter) InsertT(from, to int64) error {
	s, err := w.c.Prep(InsertT)
	if err != nil {
		return err
	}
	defer s.Close()
	var name []byte
	data := make([]byte, DataLen)
	for i := from; i <= to; i++ {
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
	return nil
}

func (w asqliteWriter) InsertUsers(users []User) error {
	s, err := w.c.Prep(InsertUserSQL)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, u := range users {
		s.BindInt64(1, u.ID)
		s.BindInt64(2, Millis(u.Created))
		s.BindText(3, u.Email)
		s.BindBool(4, u.Active)
		if _, err := s.Step(); err != nil {
			return err
		}
		s.Reset()
	}
	return nil
}

func (w asqliteWriter) InsertArticles(articles []Article) error {
	s, err := w.c.Prep(InsertArticleSQL)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, a := range articles {
		s.BindInt64(1, a.ID)
		s.BindInt64(2, Millis(a.Created))
		s.BindInt64(3, a.UserID)
		s.BindText(4, a.Text)
		if _, err := s.Step(); err != nil {
			return err
		}
		s.Reset()
	}
	return nil
}

func (w asqliteWriter) InsertComments(comments []Comment) error {
	s, err := w.c.Prep(InsertCommentSQL)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, c := range comments {
		s.BindInt64(1, c.ID)
		s.BindInt64(2, Millis(c.Created))
		s.BindInt64(3, c.ArticleID)
		s.BindText(4, c.Text)
		if _, err := s.Step(); err != nil {
			return err
		}
		s.Reset()
	}
	return nil
}

func (a asqliteConn) FindUsers(sql string) ([]User, error) { return asqliteFindUsers(a.c, sql) }

func asqliteFindUsers(c *sqlite.Conn, sql string) ([]User, error) {
	s, err := c.Prep(sql)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var users []User
	for {
		row, err := s.Step()
		if err != nil {
			return nil, err
		}
		if !row {
			return users, nil
		}
		users = append(users, User{s.ColumnInt64(0), FromMillis(s.ColumnInt64(1)), s.ColumnText(2), s.ColumnInt64(3) != 0})
	}
}

func (a asqliteConn) FindUsersArticlesComments(sql string, args ...any) ([]User, []Article, []Comment, error) {
	return asqliteFindUAC(a.c, sql, args...)
}

func asqliteFindUAC(c *sqlite.Conn, sql string, args ...any) ([]User, []Article, []Comment, error) {
	s, err := c.Prep(sql)
	if err != nil {
		return nil, nil, nil, err
	}
	defer s.Close()
	if err := s.Bind(args...); err != nil {
		return nil, nil, nil, err
	}
	var d Dedup
	for {
		row, err := s.Step()
		if err != nil {
			return nil, nil, nil, err
		}
		if !row {
			return d.Result()
		}
		d.Add(
			User{s.ColumnInt64(0), FromMillis(s.ColumnInt64(1)), s.ColumnText(2), s.ColumnInt64(3) != 0},
			Article{s.ColumnInt64(4), FromMillis(s.ColumnInt64(5)), s.ColumnInt64(6), s.ColumnText(7)},
			Comment{s.ColumnInt64(8), FromMillis(s.ColumnInt64(9)), s.ColumnInt64(10), s.ColumnText(11)})
	}
}

func (a asqliteConn) Scan() (int, int64, error) { return asqliteScan(a.c) }

func asqliteScan(c *sqlite.Conn) (int, int64, error) {
	s, err := c.Prep(ScanSQL)
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
		return 0, errorf("no row %d", id)
	}
	p.buf = s.ColumnBytes(3, p.buf[:0])
	sum := Checksum(s.ColumnInt64(0), s.ColumnText(1), s.ColumnFloat(2), p.buf)
	return sum, s.Reset()
}

func (p *asqlitePoint) Close() error { return p.s.Close() }
