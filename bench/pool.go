package bench

import (
	"sync"
)

// opener opens one connection of a library, read-only for a reader.
type opener func(path string, pragmas []string, readOnly bool) (Conn, error)

// pooled returns a Lib.Open for a library whose connections are each used
// by one goroutine: one connection when cfg.Readers is 0, otherwise the
// usual concurrent setup of such libraries, one writer connection behind a
// mutex and cfg.Readers read-only connections handed out through a channel.
func pooled(open opener) func(string, Config) (Conn, error) {
	return pooledWith(open, false)
}

// pooledWith is pooled; safeWriter says the writer connection is itself
// safe for concurrent use (asqlite.Conn), so it needs no mutex.
func pooledWith(open opener, safeWriter bool) func(string, Config) (Conn, error) {
	return func(path string, cfg Config) (Conn, error) {
		if cfg.Readers <= 0 {
			return open(path, cfg.Pragmas, false)
		}
		w, err := open(path, cfg.Pragmas, false)
		if err != nil {
			return nil, err
		}
		p := &pool{w: w, r: make(chan Conn, cfg.Readers), all: []Conn{w}, safeWriter: safeWriter}
		for range cfg.Readers {
			r, err := open(path, cfg.Pragmas, true)
			if err != nil {
				p.Close()
				return nil, err
			}
			p.all = append(p.all, r)
			p.r <- r
		}
		return p, nil
	}
}

// pool is one writer and a pool of readers, safe for concurrent use.
type pool struct {
	mu         sync.Mutex // held while the writer is in use, unless safeWriter
	safeWriter bool
	w          Conn
	r          chan Conn
	all        []Conn
}

func (p *pool) lock() {
	if !p.safeWriter {
		p.mu.Lock()
	}
}

func (p *pool) unlock() {
	if !p.safeWriter {
		p.mu.Unlock()
	}
}

func (p *pool) Exec(sql string, args ...any) error {
	p.lock()
	defer p.unlock()
	return p.w.Exec(sql, args...)
}

func (p *pool) Write(fn func(Writer) error) error {
	p.lock()
	defer p.unlock()
	return p.w.Write(fn)
}

func (p *pool) QueryInt(sql string, args ...any) (int64, error) {
	r := <-p.r
	defer func() { p.r <- r }()
	return r.QueryInt(sql, args...)
}

func (p *pool) FindUsers(sql string) ([]User, error) {
	r := <-p.r
	defer func() { p.r <- r }()
	return r.FindUsers(sql)
}

func (p *pool) FindUsersArticlesComments(sql string, args ...any) ([]User, []Article, []Comment, error) {
	r := <-p.r
	defer func() { p.r <- r }()
	return r.FindUsersArticlesComments(sql, args...)
}

func (p *pool) Scan() (int, int64, error) {
	r := <-p.r
	defer func() { p.r <- r }()
	return r.Scan()
}

func (p *pool) PrepPoint() (Point, error) {
	return nil, errorf("PrepPoint needs a single connection (Config.Readers = 0)")
}

func (p *pool) Close() error {
	var first error
	for _, c := range p.all {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
