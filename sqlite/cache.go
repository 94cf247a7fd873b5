package sqlite

// defaultCacheSize is how many prepared statements a connection keeps.
const defaultCacheSize = 64

// stmtCache keeps recently used statements keyed by their SQL text, least
// recently used first out.
type stmtCache struct {
	max        int
	m          map[string]*cacheEntry
	head, tail *cacheEntry // head is the most recently used
}

type cacheEntry struct {
	key        string
	s          *Stmt
	prev, next *cacheEntry
}

func (c *stmtCache) init(max int) {
	c.max = max
	c.m = make(map[string]*cacheEntry)
}

func (c *stmtCache) unlink(e *cacheEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		c.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		c.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (c *stmtCache) pushFront(e *cacheEntry) {
	e.next = c.head
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
	if c.tail == nil {
		c.tail = e
	}
}

// take returns the cached statement for sql marked in use, or nil when there
// is none or it is already in use (a nested use gets its own statement).
func (c *stmtCache) take(sql string) *Stmt {
	e := c.m[sql]
	if e == nil || e.s.inUse || e.s.p == 0 {
		return nil
	}
	if c.head != e {
		c.unlink(e)
		c.pushFront(e)
	}
	e.s.inUse = true
	return e.s
}

// adopt makes s, freshly prepared from sql, a cached statement in use,
// evicting the least recently used one if the cache is full. A statement
// evicted while in use is finalized when its user closes it.
func (c *stmtCache) adopt(sql string, s *Stmt) {
	if c.max <= 0 {
		return
	}
	if old := c.m[sql]; old != nil {
		// The cached one is in use; keep it and let s be finalized on Close.
		return
	}
	for len(c.m) >= c.max && c.tail != nil {
		c.evict(c.tail)
	}
	s.cached, s.inUse = true, true
	e := &cacheEntry{key: sql, s: s}
	c.m[sql] = e
	c.pushFront(e)
}

func (c *stmtCache) evict(e *cacheEntry) {
	c.unlink(e)
	delete(c.m, e.key)
	e.s.cached = false
	if !e.s.inUse {
		e.s.finalize()
	}
}

func (c *stmtCache) clear() {
	for c.tail != nil {
		c.evict(c.tail)
	}
}

// SetCacheSize sets how many prepared statements the connection keeps for
// Prep, Exec and Query (64 by default; 0 disables the cache).
func (c *Conn) SetCacheSize(n int) {
	c.cache.max = max(n, 0)
	for len(c.cache.m) > c.cache.max && c.cache.tail != nil {
		c.cache.evict(c.cache.tail)
	}
}

// Prep returns a prepared statement for sql, the single statement it holds,
// from the connection's cache when it is there. Close the statement when
// done: for a cached statement that resets it and clears its bindings for
// the next user instead of finalizing it, so a *Stmt from Prep must not be
// kept after Close. A statement already in use (Prep called again for the
// same SQL before Close) is not shared: the second caller gets a statement
// of its own.
func (c *Conn) Prep(sql string) (*Stmt, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if s := c.cache.take(sql); s != nil {
		return s, nil
	}
	s, tail, err := c.PrepareTail(sql, PreparePersistent)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, Errorf(ErrMisuse, "no SQL statement to prepare").in(sql, -1)
	}
	if !blank(tail) {
		s.finalize()
		return nil, Errorf(ErrMisuse, "more than one statement (use Exec or PrepareTail)").in(sql, len(sql)-len(tail))
	}
	c.cache.adopt(sql, s)
	return s, nil
}
