package sqlite

import "sync"

// closer is an object that lives on a connection and that SQLite requires to
// be released before the connection closes: a BlobHandle, a Backup or a Session.
type closer interface{ Close() error }

// owned records, per connection, the blobs, backups and sessions open on it,
// so that Conn.Close releases them first. Each connection registers one
// cleanup in c.onClose the first time it owns such an object, and objects
// leave the table when they close; a long-lived connection that opens and
// closes many blobs therefore accumulates nothing.
//
// The table is package-level (like the handle table) only because Conn has
// no field for it; it is keyed by connection and holds only live objects.
var owned struct {
	sync.Mutex
	m map[*Conn]map[closer]struct{}
}

// own registers x to be closed when c closes.
func (c *Conn) own(x closer) {
	owned.Lock()
	defer owned.Unlock()
	if owned.m == nil {
		owned.m = make(map[*Conn]map[closer]struct{})
	}
	set, ok := owned.m[c]
	if !ok {
		set = make(map[closer]struct{})
		owned.m[c] = set
		c.onClose = append(c.onClose, c.closeOwned)
	}
	set[x] = struct{}{}
}

// disown forgets x, which has closed.
func (c *Conn) disown(x closer) {
	owned.Lock()
	delete(owned.m[c], x)
	owned.Unlock()
}

// closeOwned closes every object still open on c. Conn.Close runs it.
func (c *Conn) closeOwned() {
	owned.Lock()
	set := owned.m[c]
	delete(owned.m, c)
	owned.Unlock()
	for x := range set {
		x.Close()
	}
}

// hasSession reports whether a Session is open on c.
func (c *Conn) hasSession() bool {
	owned.Lock()
	defer owned.Unlock()
	for x := range owned.m[c] {
		if _, ok := x.(*Session); ok {
			return true
		}
	}
	return false
}
