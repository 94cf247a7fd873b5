package bench

import (
	"context"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

// asqlite.Conn: one connection with a worker goroutine of its own, used
// through its own API (Exec, Query, QueryRow, Tx with tx.Exec per row).
// In the concurrent setup one Conn is the writer (its queue serializes the
// writes, no lock needed) and Readers read-only Conns are handed out
// through a channel.
func init() {
	Register(Lib{Name: "asqlite.Conn", API: "asqlite.Conn", Asqlite: true, Open: pooledWith(openConn, true)})
}

type connConn struct{ c *asqlite.Conn }

var bg = context.Background()

func openConn(path string, pragmas []string, readOnly bool) (Conn, error) {
	var o asqlite.ConnOptions
	if readOnly {
		o.Flags = sqlite.OpenReadOnly
	}
	c, err := asqlite.OpenConn(bg, path, &o)
	if err != nil {
		return nil, err
	}
	for _, p := range pragmas {
		if _, err := c.Exec(bg, "PRAGMA "+p); err != nil {
			c.Close()
			return nil, err
		}
	}
	return connConn{c}, nil
}

func (c connConn) Close() error { return c.c.Close() }

func (c connConn) Exec(sql string, args ...any) error {
	_, err := c.c.Exec(bg, sql, args...)
	return err
}

func (c connConn) QueryInt(sql string, args ...any) (int64, error) {
	var v int64
	err := c.c.QueryRow(bg, sql, args...).Scan(&v)
	return v, err
}

func (c connConn) Write(fn func(Writer) error) error {
	return c.c.Tx(bg, func(tx *asqlite.Tx) error { return fn(connWriter{tx}) })
}

type connWriter struct{ tx *asqlite.Tx }

func (w connWriter) InsertT(from, to int64) error {
	var name []byte
	data := make([]byte, DataLen)
	for i := from; i <= to; i++ {
		name = RowName(name, i)
		RowData(data, i)
		if _, err := w.tx.Exec(bg, InsertT, i, string(name), RowScore(i), data); err != nil {
			return err
		}
	}
	return nil
}

func (w connWriter) InsertUsers(users []User) error {
	for _, u := range users {
		if _, err := w.tx.Exec(bg, InsertUserSQL, u.ID, Millis(u.Created), u.Email, u.Active); err != nil {
			return err
		}
	}
	return nil
}

func (w connWriter) InsertArticles(articles []Article) error {
	for _, a := range articles {
		if _, err := w.tx.Exec(bg, InsertArticleSQL, a.ID, Millis(a.Created), a.UserID, a.Text); err != nil {
			return err
		}
	}
	return nil
}

func (w connWriter) InsertComments(comments []Comment) error {
	for _, c := range comments {
		if _, err := w.tx.Exec(bg, InsertCommentSQL, c.ID, Millis(c.Created), c.ArticleID, c.Text); err != nil {
			return err
		}
	}
	return nil
}

// The row readers below serve Conn and DB alike: q is their Query.

func rowsFindUsers(q func(string, ...any) func(func(*asqlite.Row, error) bool), sql string) ([]User, error) {
	var users []User
	for r, err := range q(sql) {
		if err != nil {
			return nil, err
		}
		users = append(users, User{r.Int64(0), FromMillis(r.Int64(1)), r.Text(2), r.Int64(3) != 0})
	}
	return users, nil
}

func rowsFindUAC(q func(string, ...any) func(func(*asqlite.Row, error) bool), sql string, args ...any) ([]User, []Article, []Comment, error) {
	var d Dedup
	for r, err := range q(sql, args...) {
		if err != nil {
			return nil, nil, nil, err
		}
		d.Add(
			User{r.Int64(0), FromMillis(r.Int64(1)), r.Text(2), r.Int64(3) != 0},
			Article{r.Int64(4), FromMillis(r.Int64(5)), r.Int64(6), r.Text(7)},
			Comment{r.Int64(8), FromMillis(r.Int64(9)), r.Int64(10), r.Text(11)})
	}
	return d.Result()
}

func rowsScan(q func(string, ...any) func(func(*asqlite.Row, error) bool)) (int, int64, error) {
	n, sum := 0, int64(0)
	for r, err := range q(ScanSQL) {
		if err != nil {
			return n, sum, err
		}
		sum += Checksum(r.Int64(0), r.Text(1), r.Float(2), r.Bytes(3))
		n++
	}
	return n, sum, nil
}

func rowPoint(r *asqlite.Row, id int64) (int64, error) {
	if err := r.Err(); err != nil {
		return 0, err
	}
	return Checksum(r.Int64(0), r.Text(1), r.Float(2), r.Bytes(3)), nil
}

func (c connConn) query(sql string, args ...any) func(func(*asqlite.Row, error) bool) {
	return c.c.Query(bg, sql, args...)
}

func (c connConn) FindUsers(sql string) ([]User, error) { return rowsFindUsers(c.query, sql) }

func (c connConn) FindUsersArticlesComments(sql string, args ...any) ([]User, []Article, []Comment, error) {
	return rowsFindUAC(c.query, sql, args...)
}

func (c connConn) Scan() (int, int64, error) { return rowsScan(c.query) }

type connPoint struct{ c *asqlite.Conn }

func (c connConn) PrepPoint() (Point, error) { return connPoint(c), nil }

func (p connPoint) Get(id int64) (int64, error) { return rowPoint(p.c.QueryRow(bg, PointSQL, id), id) }

func (p connPoint) Close() error { return nil }

// asyncLayer, for the layer workloads (layers.go).

func (c connConn) Block(started chan<- struct{}, release <-chan struct{}) error {
	return c.c.Run(bg, func(*sqlite.Conn) error {
		close(started)
		<-release
		return nil
	})
}

func (c connConn) Queued(ctx context.Context) error {
	_, err := c.c.Exec(ctx, "SELECT 1")
	return err
}

func (c connConn) Spin(ctx context.Context) error { return c.c.QueryRow(ctx, SpinSQL).Err() }

func (c connConn) Stream(n int, f func(int)) error {
	i := 0
	for r, err := range c.c.Query(bg, ScanSQL+" LIMIT ?", n) {
		if err != nil {
			return err
		}
		_ = r.Int64(0)
		i++
		f(i)
	}
	return nil
}
