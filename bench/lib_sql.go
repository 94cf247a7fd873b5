package bench

import (
	"database/sql"
	"strings"

	_ "github.com/asqlite/asqlite/driver" // registers "asqlite"
	_ "modernc.org/sqlite"                // registers "sqlite"
)

// The database/sql drivers: asqlite's own, and modernc.org/sqlite, the
// driver over the same engine as asqlite (one build holds one version of
// modernc.org/sqlite, so it is the very same engine). mattn's is in
// lib_mattn.go (it needs cgo).
func init() {
	Register(Lib{Name: "asqlite/driver", API: "database/sql", Asqlite: true, Open: pooled(sqlOpener("asqlite"))})
	Register(Lib{Name: "modernc", API: "database/sql", Open: pooled(sqlOpener("sqlite"))})
}

// sqlOpener opens one connection through database/sql: a sql.DB limited to
// one connection that it never closes, so that pragmas and ":memory:"
// databases stay with it. Statements are prepared once per connection
// and reused (tx.Stmt inside transactions), the fastest way database/sql
// offers.
func sqlOpener(driver string) opener {
	return func(path string, pragmas []string, readOnly bool) (Conn, error) {
		dsn := path
		if readOnly && path != ":memory:" {
			dsn = "file:" + path + "?mode=ro"
		}
		if driver == "asqlite" {
			// One SQLite connection per sql.DB connection, as the other
			// drivers: a file would otherwise get a whole asqlite.DB.
			dsn = "file:" + strings.TrimPrefix(dsn, "file:")
			if strings.Contains(dsn, "?") {
				dsn += "&_mode=conn"
			} else {
				dsn += "?_mode=conn"
			}
		}
		db, err := sql.Open(driver, dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		for _, p := range pragmas {
			if _, err := db.Exec("PRAGMA " + p); err != nil {
				db.Close()
				return nil, err
			}
		}
		return &sqlConn{db: db, stmts: map[string]*sql.Stmt{}}, nil
	}
}

type sqlConn struct {
	db    *sql.DB
	stmts map[string]*sql.Stmt
}

func (c *sqlConn) stmt(query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.db.Prepare(query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

func (c *sqlConn) Close() error {
	for _, s := range c.stmts {
		s.Close()
	}
	return c.db.Close()
}

func (c *sqlConn) Exec(query string, args ...any) error {
	if len(args) == 0 && strings.Contains(query, ";") {
		_, err := c.db.Exec(query)
		return err
	}
	s, err := c.stmt(query)
	if err != nil {
		return err
	}
	_, err = s.Exec(args...)
	return err
}

func (c *sqlConn) QueryInt(query string, args ...any) (int64, error) {
	s, err := c.stmt(query)
	if err != nil {
		return 0, err
	}
	var v int64
	err = s.QueryRow(args...).Scan(&v)
	return v, err
}

func (c *sqlConn) Write(fn func(Writer) error) error {
	tx, err := c.db.Begin()
	if err != nil {
		return err
	}
	if err := fn(sqlWriter{c, tx, map[string]*sql.Stmt{}}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

type sqlWriter struct {
	c     *sqlConn
	tx    *sql.Tx
	stmts map[string]*sql.Stmt // of this transaction
}

// stmt returns a prepared statement for use in the transaction: the
// connection's, when it has one, else one prepared in the transaction (the
// transaction holds the only connection, so the sql.DB cannot prepare one).
func (w sqlWriter) stmt(query string) (*sql.Stmt, error) {
	if s, ok := w.stmts[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	if cs, ok := w.c.stmts[query]; ok {
		s = w.tx.Stmt(cs)
	} else {
		var err error
		if s, err = w.tx.Prepare(query); err != nil {
			return nil, err
		}
	}
	w.stmts[query] = s
	return s, nil
}

func (w sqlWriter) InsertT(from, to int64) error {
	s, err := w.stmt(InsertT)
	if err != nil {
		return err
	}
	var name []byte
	data := make([]byte, DataLen)
	for i := from; i <= to; i++ {
		name = RowName(name, i)
		RowData(data, i)
		if _, err := s.Exec(i, string(name), RowScore(i), data); err != nil {
			return err
		}
	}
	return nil
}

func (w sqlWriter) InsertUsers(users []User) error {
	s, err := w.stmt(InsertUserSQL)
	if err != nil {
		return err
	}
	for _, u := range users {
		if _, err := s.Exec(u.ID, Millis(u.Created), u.Email, u.Active); err != nil {
			return err
		}
	}
	return nil
}

func (w sqlWriter) InsertArticles(articles []Article) error {
	s, err := w.stmt(InsertArticleSQL)
	if err != nil {
		return err
	}
	for _, a := range articles {
		if _, err := s.Exec(a.ID, Millis(a.Created), a.UserID, a.Text); err != nil {
			return err
		}
	}
	return nil
}

func (w sqlWriter) InsertComments(comments []Comment) error {
	s, err := w.stmt(InsertCommentSQL)
	if err != nil {
		return err
	}
	for _, c := range comments {
		if _, err := s.Exec(c.ID, Millis(c.Created), c.ArticleID, c.Text); err != nil {
			return err
		}
	}
	return nil
}

func (c *sqlConn) FindUsers(query string) ([]User, error) {
	s, err := c.stmt(query)
	if err != nil {
		return nil, err
	}
	rows, err := s.Query()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []User
	var u User
	var created int64
	for rows.Next() {
		if err := rows.Scan(&u.ID, &created, &u.Email, &u.Active); err != nil {
			return nil, err
		}
		u.Created = FromMillis(created)
		users = append(users, u)
	}
	return users, rows.Err()
}

func (c *sqlConn) FindUsersArticlesComments(query string, args ...any) ([]User, []Article, []Comment, error) {
	s, err := c.stmt(query)
	if err != nil {
		return nil, nil, nil, err
	}
	rows, err := s.Query(args...)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	var d Dedup
	var u User
	var a Article
	var cm Comment
	var uc, ac, cc int64
	for rows.Next() {
		if err := rows.Scan(&u.ID, &uc, &u.Email, &u.Active, &a.ID, &ac, &a.UserID, &a.Text,
			&cm.ID, &cc, &cm.ArticleID, &cm.Text); err != nil {
			return nil, nil, nil, err
		}
		u.Created, a.Created, cm.Created = FromMillis(uc), FromMillis(ac), FromMillis(cc)
		d.Add(u, a, cm)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	return d.Result()
}

func (c *sqlConn) Scan() (int, int64, error) {
	s, err := c.stmt(ScanSQL)
	if err != nil {
		return 0, 0, err
	}
	rows, err := s.Query()
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	n, sum := 0, int64(0)
	var id int64
	var name string
	var score float64
	var data sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &name, &score, &data); err != nil {
			return n, sum, err
		}
		sum += Checksum(id, name, score, data)
		n++
	}
	return n, sum, rows.Err()
}

type sqlPoint struct{ s *sql.Stmt }

func (c *sqlConn) PrepPoint() (Point, error) {
	s, err := c.db.Prepare(PointSQL)
	if err != nil {
		return nil, err
	}
	return sqlPoint{s}, nil
}

func (p sqlPoint) Get(id int64) (int64, error) {
	var (
		rid   int64
		name  string
		score float64
		data  []byte
	)
	if err := p.s.QueryRow(id).Scan(&rid, &name, &score, &data); err != nil {
		return 0, err
	}
	return Checksum(rid, name, score, data), nil
}

func (p sqlPoint) Close() error { return p.s.Close() }
