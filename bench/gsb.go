package bench

// The six workloads of the public go-sqlite driver benchmark
// (github.com/cvilsmeier/go-sqlite-bench), reimplemented on this package's
// Lib interface with its schema, its data and its sizes at Size.Scale 1:
//
//	simple      insert 1,000,000 users in one transaction, then query them all
//	real        100 users, each in its own transaction with 20 articles and
//	            20 comments per article, each row its own INSERT; then per
//	            user a query by email joining its articles and comments
//	complex     200 users, 20,000 articles, 400,000 comments in three
//	            transactions; then one join of everything
//	many        query all of N users (N = 10, 100, 1000), 1000 times
//	large       query 10,000 users whose email is N bytes (50k, 100k, 200k)
//	concurrent  1,000,000 users queried by N goroutines at once (2, 4, 8),
//	            each with a connection of its own
//
// The databases are files with journal_mode=DELETE, synchronous=FULL,
// foreign_keys=1 and busy_timeout=5000, as in the original. Where the
// original times only a query, the database is built once (by asqlite's
// binding) and shared by every library, so each reads the same file.

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() {
	doc := "the go-sqlite-bench workload; see the package documentation of bench (gsb.go)"
	addWorkloads(
		Workload{Name: "simple", Group: "gsb", Score: "cpu", Doc: doc, Prepare: prepareSimple},
		Workload{Name: "real", Group: "gsb", Score: "cpu", Doc: doc, Prepare: prepareReal},
		Workload{Name: "complex", Group: "gsb", Score: "cpu", Doc: doc, Prepare: prepareComplex},
		Workload{Name: "many", Group: "gsb", Score: "cpu", Doc: doc, Prepare: prepareMany},
		Workload{Name: "large", Group: "gsb", Score: "cpu", Doc: doc, Prepare: prepareLarge},
		Workload{Name: "concurrent", Group: "gsb", Score: "wall", Doc: doc, Prepare: prepareConcurrent},
	)
}

var gsbBase = time.Date(2023, 10, 1, 10, 0, 0, 0, time.UTC)

func email(i int) string { return fmt.Sprintf("user%08d@example.com", i) }

func makeUsers(n int, step time.Duration, emailOf func(int) string) []User {
	users := make([]User, n)
	for i := range users {
		users[i] = User{int64(i + 1), gsbBase.Add(time.Duration(i) * step), emailOf(i + 1), true}
	}
	return users
}

// openGSB opens a fresh go-sqlite-bench database on l and creates the schema.
func openGSB(l Lib, s Size, name string) (Conn, func(), error) {
	path, rm, err := s.TempDB(name)
	if err != nil {
		return nil, nil, err
	}
	c, err := l.Open(path, Config{Pragmas: GSBPragmas})
	if err != nil {
		rm()
		return nil, nil, err
	}
	if err := c.Exec(GSBSchema); err != nil {
		c.Close()
		rm()
		return nil, nil, err
	}
	return c, func() { c.Close(); rm() }, nil
}

func checkUsers(got, want []User) error {
	if len(got) != len(want) {
		return errorf("got %d users, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || !g.Created.Equal(w.Created) || g.Email != w.Email || g.Active != w.Active {
			return errorf("user %d: got %+v, want %+v", i, g, w)
		}
	}
	return nil
}

func prepareSimple(l Lib, s Size) (func(*M) error, func(), error) {
	users := makeUsers(s.N(1_000_000), time.Minute, email)
	op := func(m *M) error {
		c, done, err := openGSB(l, s, "simple")
		if err != nil {
			return err
		}
		defer done()
		if err := m.Time("insert", func() error {
			return c.Write(func(w Writer) error { return w.InsertUsers(users) })
		}); err != nil {
			return err
		}
		var got []User
		if err := m.Time("query", func() (err error) {
			got, err = c.FindUsers(UsersSQL)
			return err
		}); err != nil {
			return err
		}
		return checkUsers(got, users)
	}
	return op, func() {}, nil
}

const realText = "text text text text text text text text text text text text"

func prepareReal(l Lib, s Size) (func(*M) error, func(), error) {
	nusers, nart, ncom := s.N(100), 20, 20
	op := func(m *M) error {
		c, done, err := openGSB(l, s, "real")
		if err != nil {
			return err
		}
		defer done()
		created := gsbBase
		next := func() time.Time { created = created.Add(time.Second); return created }
		var uid, aid, cid int64
		if err := m.Time("insert", func() error {
			for range nusers {
				err := c.Write(func(w Writer) error {
					uid++
					if err := w.InsertUsers([]User{{uid, next(), email(int(uid)), true}}); err != nil {
						return err
					}
					for range nart {
						aid++
						if err := w.InsertArticles([]Article{{aid, next(), uid, realText}}); err != nil {
							return err
						}
						for range ncom {
							cid++
							if err := w.InsertComments([]Comment{{cid, next(), aid, realText}}); err != nil {
								return err
							}
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		var us []User
		var as []Article
		var cs []Comment
		if err := m.Time("query", func() error {
			for i := 1; i <= nusers; i++ {
				u, a, cm, err := c.FindUsersArticlesComments(JoinEmailSQL, email(i))
				if err != nil {
					return err
				}
				if len(u) != 1 || len(a) != nart || len(cm) != nart*ncom {
					return errorf("user %d: %d users, %d articles, %d comments", i, len(u), len(a), len(cm))
				}
				us, as, cs = append(us, u...), append(as, a...), append(cs, cm...)
			}
			return nil
		}); err != nil {
			return err
		}
		last := gsbBase
		for i, u := range us {
			if u.ID != int64(i+1) || u.Email != email(i+1) || !u.Created.After(last) {
				return errorf("user %d: %+v", i, u)
			}
			last = u.Created
		}
		for i, a := range as {
			if a.ID != int64(i+1) || a.Text != realText || a.UserID != int64(i/nart+1) {
				return errorf("article %d: %+v", i, a)
			}
		}
		for i, cm := range cs {
			if cm.ID != int64(i+1) || cm.Text != realText || cm.ArticleID != int64(i/ncom+1) {
				return errorf("comment %d: %+v", i, cm)
			}
		}
		return nil
	}
	return op, func() {}, nil
}

func prepareComplex(l Lib, s Size) (func(*M) error, func(), error) {
	nusers, nart, ncom := s.N(200), 100, 20
	var users []User
	var arts []Article
	var coms []Comment
	for u := 1; u <= nusers; u++ {
		users = append(users, User{int64(u), gsbBase.Add(time.Duration(u) * time.Minute), email(u), u%2 == 0})
		for range nart {
			a := int64(len(arts) + 1)
			arts = append(arts, Article{a, gsbBase.Add(time.Duration(a) * time.Minute), int64(u), "article text"})
			for range ncom {
				cid := int64(len(coms) + 1)
				coms = append(coms, Comment{cid, gsbBase.Add(time.Duration(cid) * time.Minute), a, "comment text"})
			}
		}
	}
	op := func(m *M) error {
		c, done, err := openGSB(l, s, "complex")
		if err != nil {
			return err
		}
		defer done()
		if err := m.Time("insert", func() error {
			if err := c.Write(func(w Writer) error { return w.InsertUsers(users) }); err != nil {
				return err
			}
			if err := c.Write(func(w Writer) error { return w.InsertArticles(arts) }); err != nil {
				return err
			}
			return c.Write(func(w Writer) error { return w.InsertComments(coms) })
		}); err != nil {
			return err
		}
		var us []User
		var as []Article
		var cs []Comment
		if err := m.Time("query", func() (err error) {
			us, as, cs, err = c.FindUsersArticlesComments(JoinSQL)
			return err
		}); err != nil {
			return err
		}
		if err := checkUsers(us, users); err != nil {
			return err
		}
		if len(as) != len(arts) || len(cs) != len(coms) {
			return errorf("got %d articles and %d comments, want %d and %d", len(as), len(cs), len(arts), len(coms))
		}
		for i := range as {
			if !(as[i].ID == arts[i].ID && as[i].Created.Equal(arts[i].Created) && as[i].UserID == arts[i].UserID && as[i].Text == arts[i].Text) {
				return errorf("article %d: got %+v, want %+v", i, as[i], arts[i])
			}
		}
		for i := range cs {
			if !(cs[i].ID == coms[i].ID && cs[i].Created.Equal(coms[i].Created) && cs[i].ArticleID == coms[i].ArticleID && cs[i].Text == coms[i].Text) {
				return errorf("comment %d: got %+v, want %+v", i, cs[i], coms[i])
			}
		}
		return nil
	}
	return op, func() {}, nil
}

// fixtures are the databases built once and shared by every library.
var fixtures struct {
	sync.Mutex
	paths map[string]string
}

// fixture returns the database named key, building it with asqlite's
// binding by inserting users on first use. It lives in s.Dir, which the
// runner removes at the end.
func fixture(s Size, key string, users func() []User) (string, error) {
	fixtures.Lock()
	defer fixtures.Unlock()
	if p, ok := fixtures.paths[key]; ok {
		return p, nil
	}
	l, ok := LibByName("asqlite")
	if !ok {
		return "", errorf("the asqlite Lib is not registered")
	}
	path, _, err := s.TempDB(key)
	if err != nil {
		return "", err
	}
	c, err := l.Open(path, Config{Pragmas: GSBPragmas})
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.Exec(GSBSchema); err != nil {
		return "", err
	}
	us := users()
	const chunk = 100_000 // keeps each transaction's memory modest
	for i := 0; i < len(us); i += chunk {
		part := us[i:min(i+chunk, len(us))]
		if err := c.Write(func(w Writer) error { return w.InsertUsers(part) }); err != nil {
			return "", err
		}
	}
	if fixtures.paths == nil {
		fixtures.paths = map[string]string{}
	}
	fixtures.paths[key] = path
	return path, nil
}

// fixtureFor is fixture, except that asqlite.DB, which turns a database to
// WAL mode, gets a copy of its own, so the others keep reading the
// original in rollback-journal mode.
func fixtureFor(l Lib, s Size, key string, users func() []User) (string, error) {
	path, err := fixture(s, key, users)
	if err != nil || !strings.HasPrefix(l.Name, "asqlite.DB") {
		return path, err
	}
	fixtures.Lock()
	defer fixtures.Unlock()
	if p, ok := fixtures.paths[key+"-wal"]; ok {
		return p, nil
	}
	dst, _, err := s.TempDB(key + "-wal")
	if err != nil {
		return "", err
	}
	if err := copyFile(dst, path); err != nil {
		return "", err
	}
	fixtures.paths[key+"-wal"] = dst
	return dst, nil
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func prepareMany(l Lib, s Size) (func(*M) error, func(), error) {
	sizes := []int{10, 100, 1000}
	queries := s.N(1000)
	var conns []Conn
	done := func() {
		for _, c := range conns {
			c.Close()
		}
	}
	for _, n := range sizes {
		path, err := fixtureFor(l, s, "many"+strconv.Itoa(n), func() []User { return makeUsers(n, time.Minute, email) })
		if err != nil {
			done()
			return nil, nil, err
		}
		c, err := l.Open(path, Config{Pragmas: GSBPragmas})
		if err != nil {
			done()
			return nil, nil, err
		}
		conns = append(conns, c)
	}
	op := func(m *M) error {
		for i, n := range sizes {
			want := makeUsers(n, time.Minute, email)
			var got []User
			if err := m.Time(strconv.Itoa(n), func() (err error) {
				for range queries {
					if got, err = conns[i].FindUsers(UsersSQL); err != nil {
						return err
					}
					if len(got) != n {
						return errorf("got %d users, want %d", len(got), n)
					}
				}
				return nil
			}); err != nil {
				return err
			}
			if err := checkUsers(got, want); err != nil {
				return err
			}
		}
		return nil
	}
	return op, done, nil
}

func prepareLarge(l Lib, s Size) (func(*M) error, func(), error) {
	sizes := []int{50_000, 100_000, 200_000}
	nusers := s.N(10_000)
	var conns []Conn
	done := func() {
		for _, c := range conns {
			c.Close()
		}
	}
	for _, n := range sizes {
		path, err := fixtureFor(l, s, "large"+strconv.Itoa(n), func() []User {
			big := strings.Repeat("a", n)
			return makeUsers(nusers, time.Second, func(int) string { return big })
		})
		if err != nil {
			done()
			return nil, nil, err
		}
		c, err := l.Open(path, Config{Pragmas: GSBPragmas})
		if err != nil {
			done()
			return nil, nil, err
		}
		conns = append(conns, c)
	}
	op := func(m *M) error {
		for i, n := range sizes {
			var got []User
			if err := m.Time(strconv.Itoa(n), func() (err error) {
				got, err = conns[i].FindUsers(UsersSQL)
				return err
			}); err != nil {
				return err
			}
			if len(got) != nusers {
				return errorf("got %d users, want %d", len(got), nusers)
			}
			for j, u := range got {
				if u.ID != int64(j+1) || len(u.Email) != n || u.Email[0] != 'a' || !u.Active {
					return errorf("user %d wrong", j)
				}
			}
		}
		return nil
	}
	return op, done, nil
}

func prepareConcurrent(l Lib, s Size) (func(*M) error, func(), error) {
	nusers := s.N(1_000_000)
	path, err := fixtureFor(l, s, "concurrent", func() []User {
		return makeUsers(nusers, time.Second, func(i int) string { return "user" + strconv.Itoa(i) + "@example.com" })
	})
	if err != nil {
		return nil, nil, err
	}
	pragmas := []string{"foreign_keys=1", "busy_timeout=5000"}
	op := func(m *M) error {
		for _, n := range []int{2, 4, 8} {
			if err := m.Time(strconv.Itoa(n), func() error {
				// Libraries safe for concurrent use serve every goroutine
				// from one handle with n readers; the others open a
				// connection per goroutine, as the original does.
				var shared Conn
				if l.Shared {
					c, err := l.Open(path, Config{Pragmas: pragmas, Readers: n})
					if err != nil {
						return err
					}
					defer c.Close()
					shared = c
				}
				errs := make(chan error, n)
				for range n {
					c := shared
					if c == nil {
						var err error
						if c, err = l.Open(path, Config{Pragmas: pragmas}); err != nil {
							return err
						}
					}
					go func() {
						if shared == nil {
							defer c.Close()
						}
						users, err := c.FindUsers(UsersSQL)
						if err == nil && len(users) != nusers {
							err = errorf("got %d users, want %d", len(users), nusers)
						}
						for i, u := range users {
							if err == nil && (u.ID != int64(i+1) || u.Created.Year() != 2023 || !strings.HasPrefix(u.Email, "user") || !u.Active) {
								err = errorf("user %d wrong: %+v", i, u)
							}
						}
						errs <- err
					}()
				}
				var first error
				for range n {
					if err := <-errs; err != nil && first == nil {
						first = err
					}
				}
				return first
			}); err != nil {
				return err
			}
		}
		return nil
	}
	return op, func() {}, nil
}
