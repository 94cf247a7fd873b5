package bench

import (
	"zombiezen.com/go/sqlite"
)

// zombiezen.com/go/sqlite, the fastest pure-Go peer, on the same engine
// (modernc.org/sqlite/lib) as asqlite. Statements come from its
// persistent-statement cache (Conn.Prepare), as its documentation advises.
func init() {
	Register(Lib{Name: "zombiezen", API: "direct", Open: pooled(openZombiezen)})
}

type zombiezenConn struct{ c *sqlite.Conn }

func openZombiezen(path string, pragmas []string, readOnly bool) (Conn, error) {
	// No OpenWAL: the journal mode is one of the pragmas, as for every library.
	flags := sqlite.OpenReadWrite | sqlite.OpenCreate | sqlite.OpenURI
	if readOnly {
		flags = sqlite.OpenReadOnly | sqlite.OpenURI
	}
	c, err := sqlite.OpenConn(path, flags)
	if err != nil {
		return nil, err
	}
	for _, p := range pragmas {
		if err := zexec(c, "PRAGMA "+p); err != nil {
			c.Close()
			return nil, err
		}
	}
	return zombiezenConn{c}, nil
}

// zexec runs a script without arguments.
func zexec(c *sqlite.Conn, sql string) error {
	for sql != "" {
		s, trailing, err := c.PrepareTransient(sql)
		if err != nil {
			return err
		}
		if s != nil {
			for {
				row, err := s.Step()
				if err != nil {
					s.Finalize()
					return err
				}
				if !row {
					break
				}
			}
			if err := s.Finalize(); err != nil {
				return err
			}
		}
		if trailing == len(sql) {
			break
		}
		sql = sql[len(sql)-trailing:]
	}
	return nil
}

// zbind binds args by position with zombiezen's typed binds.
func zbind(s *sqlite.Stmt, args []any) error {
	for i, a := range args {
		switch v := a.(type) {
		case int:
			s.BindInt64(i+1, int64(v))
		case int64:
			s.BindInt64(i+1, v)
		case float64:
			s.BindFloat(i+1, v)
		case string:
			s.BindText(i+1, v)
		case []byte:
			s.BindBytes(i+1, v)
		case bool:
			s.BindBool(i+1, v)
		case nil:
			s.BindNull(i + 1)
		default:
			return errorf("zombiezen: cannot bind %T", a)
		}
	}
	return nil
}

func (z zombiezenConn) Close() error { return z.c.Close() }

func (z zombiezenConn) Exec(sql string, args ...any) error {
	if len(args) == 0 {
		return zexec(z.c, sql)
	}
	s, err := z.c.Prepare(sql)
	if err != nil {
		return err
	}
	defer s.Reset()
	if err := zbind(s, args); err != nil {
		return err
	}
	_, err = s.Step()
	return err
}

func (z zombiezenConn) QueryInt(sql string, args ...any) (int64, error) {
	s, err := z.c.Prepare(sql)
	if err != nil {
		return 0, err
	}
	defer s.Reset()
	if err := zbind(s, args); err != nil {
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

func (z zombiezenConn) Write(fn func(Writer) error) error {
	if err := zexec(z.c, "BEGIN"); err != nil {
		return err
	}
	if err := fn(zombiezenWriter(z)); err != nil {
		zexec(z.c, "ROLLBACK")
		return err
	}
	return zexec(z.c, "COMMIT")
}

type zombiezenWriter struct{ c *sqlite.Conn }

func (w zombiezenWriter) InsertT(from, to int64) error {
	s, err := w.c.Prepare(InsertT)
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
		s.BindBytes(4, data)
		if _, err := s.Step(); err != nil {
			return err
		}
		s.Reset()
	}
	return nil
}

func (w zombiezenWriter) InsertUsers(users []User) error {
	s, err := w.c.Prepare(InsertUserSQL)
	if err != nil {
		return err
	}
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

func (w zombiezenWriter) InsertArticles(articles []Article) error {
	s, err := w.c.Prepare(InsertArticleSQL)
	if err != nil {
		return err
	}
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

func (w zombiezenWriter) InsertComments(comments []Comment) error {
	s, err := w.c.Prepare(InsertCommentSQL)
	if err != nil {
		return err
	}
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

func (z zombiezenConn) FindUsers(sql string) ([]User, error) {
	s, err := z.c.Prepare(sql)
	if err != nil {
		return nil, err
	}
	defer s.Reset()
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

func (z zombiezenConn) FindUsersArticlesComments(sql string, args ...any) ([]User, []Article, []Comment, error) {
	s, err := z.c.Prepare(sql)
	if err != nil {
		return nil, nil, nil, err
	}
	defer s.Reset()
	if err := zbind(s, args); err != nil {
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
		return 0, errorf("no row %d", id)
	}
	k := s.ColumnBytes(3, p.buf)
	sum := Checksum(s.ColumnInt64(0), s.ColumnText(1), s.ColumnFloat(2), p.buf[:k])
	return sum, s.Reset()
}

func (p *zombiezenPoint) Close() error { return nil }
