// Package bench measures asqlite against the other Go SQLite libraries on
// the same workloads. It is its own module so that the peers it compares
// with never enter asqlite's dependencies.
//
// Each library, and each layer of asqlite, is a Lib registered from its own
// file (lib_*.go) by an init function. A Lib opens a Conn: one database used
// the way that library's documentation recommends for speed (prepared
// statements reused, typed column access where the API has it). Each
// workload (workload.go, gsb.go, seed.go, concurrency.go, asqlite.go) runs
// on any Lib; the cmd/compare runner interleaves the libraries, repeats, and
// reports medians and ratios to asqlite; cmd/plot draws the results.
package bench

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Lib is one library, or one layer of asqlite, under test.
type Lib struct {
	// Name is the short name used in tables and plots.
	Name string
	// API says how the library is used: "binding", "database/sql", ...
	API string
	// Open opens the database at path (a file name or ":memory:") with
	// cfg. Libraries whose connections are not safe for concurrent use
	// wrap them in the usual setup (one writer connection behind a lock,
	// a pool of read-only connections) when cfg.Readers > 0.
	Open func(path string, cfg Config) (Conn, error)
	// Groups, when set, limits the Lib to the workloads of these groups
	// (a variant of a layer that only matters there).
	Groups []string
	// Shared reports that one Conn opened with Config.Readers > 0 is the
	// library's natural way to serve many goroutines (asqlite.DB); for the
	// others the concurrent workloads open a connection per goroutine.
	Shared bool
	// Asqlite marks asqlite's own layers.
	Asqlite bool
	// External marks a pseudo-library run outside this process (the
	// seed's Python program); only workloads that know it include it.
	External bool
}

// Config says how to open a database.
type Config struct {
	// Pragmas run on every connection opened, in order ("journal_mode=WAL").
	Pragmas []string
	// Readers > 0 asks for the concurrent setup: one writer connection
	// and Readers read-only connections, the Conn then being safe for
	// concurrent use. 0 asks for one connection, used by one goroutine.
	Readers int
}

// Conn is an open database of one Lib. Unless it was opened with
// Config.Readers > 0 it is used by one goroutine at a time.
type Conn interface {
	// Exec runs one statement with args (or a script without args) in
	// autocommit mode, on the writer.
	Exec(sql string, args ...any) error
	// QueryInt runs a query whose first column of the first row is an
	// integer and returns it, on a reader.
	QueryInt(sql string, args ...any) (int64, error)
	// Write runs fn in one transaction on the writer.
	Write(fn func(Writer) error) error
	// FindUsers runs a query returning the users columns
	// (id, created, email, active) and collects the rows.
	FindUsers(sql string) ([]User, error)
	// FindUsersArticlesComments runs JoinSQL (or JoinEmailSQL with an
	// email) and collects the distinct users, articles and comments.
	FindUsersArticlesComments(sql string, args ...any) ([]User, []Article, []Comment, error)
	// Scan reads every column of every row of table t and returns the
	// row count and the Checksum of the rows.
	Scan() (rows int, sum int64, err error)
	// PrepPoint prepares the point query of table t by primary key.
	PrepPoint() (Point, error)
	Close() error
}

// Writer inserts rows inside a Conn.Write transaction, each method with
// one statement prepared once and reused for every row.
type Writer interface {
	InsertT(from, to int64) error // rows from..to of table t
	InsertUsers([]User) error
	InsertArticles([]Article) error
	InsertComments([]Comment) error
}

// Point is a prepared point query, reused for every lookup.
type Point interface {
	// Get reads the row of t with the given id and returns its Checksum.
	Get(id int64) (int64, error)
	Close() error
}

// Libs are the registered libraries, in report order.
var Libs []Lib

// Register adds a library to Libs, keeping the order of libOrder.
func Register(l Lib) {
	Libs = append(Libs, l)
	slices.SortStableFunc(Libs, func(a, b Lib) int { return rank(a.Name) - rank(b.Name) })
}

// LibOrder is the report order: asqlite's layers from the bare binding
// up, then the peers.
var LibOrder = []string{"asqlite", "asqlite.Conn", "asqlite.DB", "asqlite.DB-serial", "asqlite/driver",
	"zombiezen", "modernc", "ncruces", "mattn", "python-seed"}

func rank(name string) int {
	if i := slices.Index(LibOrder, name); i >= 0 {
		return i
	}
	return len(LibOrder)
}

// LibByName returns the registered Lib called name.
func LibByName(name string) (Lib, bool) {
	i := slices.IndexFunc(Libs, func(l Lib) bool { return l.Name == name })
	if i < 0 {
		return Lib{}, false
	}
	return Libs[i], true
}

// Table t: an integer key, a short name, a float and a small blob, used by
// the layer workloads (insert, scan, point).
const (
	SchemaT   = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL, data BLOB NOT NULL)"
	InsertT   = "INSERT INTO t(id, name, score, data) VALUES (?, ?, ?, ?)"
	ScanSQL   = "SELECT id, name, score, data FROM t"
	PointSQL  = "SELECT id, name, score, data FROM t WHERE id = ?"
	DataLen   = 16
	DefaultTN = 1_000_000
)

// RowName writes row i's name into buf ("user-<i>") and returns it.
func RowName(buf []byte, i int64) []byte {
	return strconv.AppendInt(append(buf[:0], "user-"...), i, 10)
}

// RowData fills data (DataLen bytes) with row i's blob.
func RowData(data []byte, i int64) {
	data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
}

// RowScore is row i's score.
func RowScore(i int64) float64 { return float64(i) * 0.5 }

// Checksum folds one row read back into a running sum, so that every column
// is really read and checked.
func Checksum(id int64, name string, score float64, data []byte) int64 {
	return id + int64(len(name)) + int64(score) + int64(len(data))
}

// ExpectedSum is the checksum of rows 1..n of t.
func ExpectedSum(n int) int64 {
	var sum int64
	var buf []byte
	for i := int64(1); i <= int64(n); i++ {
		sum += Checksum(i, string(RowName(buf, i)), RowScore(i), make([]byte, DataLen))
	}
	return sum
}

// The schema of the public go-sqlite driver benchmark
// (github.com/cvilsmeier/go-sqlite-bench): users, their articles, and
// comments on the articles.
var (
	GSBPragmas = []string{"journal_mode=DELETE", "synchronous=FULL", "foreign_keys=1", "busy_timeout=5000"}
	GSBSchema  = `CREATE TABLE users (
	id INTEGER PRIMARY KEY NOT NULL,
	created INTEGER NOT NULL,
	email TEXT NOT NULL,
	active INTEGER NOT NULL);
CREATE INDEX users_created ON users(created);
CREATE TABLE articles (
	id INTEGER PRIMARY KEY NOT NULL,
	created INTEGER NOT NULL,
	userId INTEGER NOT NULL REFERENCES users(id),
	text TEXT NOT NULL);
CREATE INDEX articles_created ON articles(created);
CREATE INDEX articles_userId ON articles(userId);
CREATE TABLE comments (
	id INTEGER PRIMARY KEY NOT NULL,
	created INTEGER NOT NULL,
	articleId INTEGER NOT NULL REFERENCES articles(id),
	text TEXT NOT NULL);
CREATE INDEX comments_created ON comments(created);
CREATE INDEX comments_articleId ON comments(articleId);`
)

// Statements of the go-sqlite-bench workloads.
const (
	InsertUserSQL    = "INSERT INTO users(id, created, email, active) VALUES (?, ?, ?, ?)"
	InsertArticleSQL = "INSERT INTO articles(id, created, userId, text) VALUES (?, ?, ?, ?)"
	InsertCommentSQL = "INSERT INTO comments(id, created, articleId, text) VALUES (?, ?, ?, ?)"
	UsersSQL         = "SELECT id, created, email, active FROM users ORDER BY id"
	joinCols         = "SELECT users.id, users.created, users.email, users.active," +
		" articles.id, articles.created, articles.userId, articles.text," +
		" comments.id, comments.created, comments.articleId, comments.text" +
		" FROM users" +
		" LEFT JOIN articles ON articles.userId = users.id" +
		" LEFT JOIN comments ON comments.articleId = articles.id"
	JoinSQL      = joinCols + " ORDER BY users.created, articles.created, comments.created"
	JoinEmailSQL = joinCols + " WHERE users.email = ? ORDER BY users.created, articles.created, comments.created"
)

// User, Article and Comment are the rows of the go-sqlite-bench schema.
// Times are stored as Unix milliseconds.
type User struct {
	ID      int64
	Created time.Time
	Email   string
	Active  bool
}

type Article struct {
	ID      int64
	Created time.Time
	UserID  int64
	Text    string
}

type Comment struct {
	ID        int64
	Created   time.Time
	ArticleID int64
	Text      string
}

// Millis and FromMillis convert the stored form of a time.
func Millis(t time.Time) int64 { return t.UnixMilli() }

func FromMillis(ms int64) time.Time { return time.UnixMilli(ms) }

// Dedup collects the join rows of FindUsersArticlesComments: each user,
// article and comment once, in the order first seen. Every Lib feeds it the
// same way.
type Dedup struct {
	Users    []User
	Articles []Article
	Comments []Comment
	seenU    map[int64]bool
	seenA    map[int64]bool
	seenC    map[int64]bool
}

// Add records one joined row.
func (d *Dedup) Add(u User, a Article, c Comment) {
	if d.seenU == nil {
		d.seenU, d.seenA, d.seenC = map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	}
	if !d.seenU[u.ID] {
		d.seenU[u.ID] = true
		d.Users = append(d.Users, u)
	}
	if !d.seenA[a.ID] {
		d.seenA[a.ID] = true
		d.Articles = append(d.Articles, a)
	}
	if !d.seenC[c.ID] {
		d.seenC[c.ID] = true
		d.Comments = append(d.Comments, c)
	}
}

// Result returns what Add collected.
func (d *Dedup) Result() ([]User, []Article, []Comment, error) {
	return d.Users, d.Articles, d.Comments, nil
}

// errorf is fmt.Errorf, named for the package's checks.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
