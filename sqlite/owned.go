package sqlite

// closer is an object that lives on a connection and that SQLite requires to
// be released before the connection closes: a BlobHandle, a Backup or a Session.
type closer interface{ Close() error }

// own registers x to be closed when c closes. The connection registers one
// cleanup in c.onClose the first time it owns such an object, and objects
// leave c.owned when they close, so a long-lived connection that opens and
// closes many blobs accumulates nothing. A Backup belongs to two
// connections, whose goroutines may differ: hence the lock.
func (c *Conn) own(x closer) {
	c.ownMu.Lock()
	defer c.ownMu.Unlock()
	if c.owned == nil {
		c.owned = make(map[closer]struct{})
		c.onClose = append(c.onClose, c.closeOwned)
	}
	c.owned[x] = struct{}{}
}

// disown forgets x, which has closed.
func (c *Conn) disown(x closer) {
	c.ownMu.Lock()
	delete(c.owned, x)
	c.ownMu.Unlock()
}

// closeOwned closes every object still open on c. Conn.Close runs it.
func (c *Conn) closeOwned() {
	c.ownMu.Lock()
	set := c.owned
	c.owned = nil
	c.ownMu.Unlock()
	for x := range set {
		x.Close()
	}
}

// hasSession reports whether a Session is open on c.
func (c *Conn) hasSession() bool {
	c.ownMu.Lock()
	defer c.ownMu.Unlock()
	for x := range c.owned {
		if _, ok := x.(*Session); ok {
			return true
		}
	}
	return false
}
