package sqlite

import (
	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// Changegroup merges any number of changesets (or any number of patchsets;
// the two cannot be mixed) into one, as if the changes they describe had
// been recorded in order by a single session: changes to the same row are
// combined (an INSERT then an UPDATE become one INSERT, an INSERT then a
// DELETE vanish, ...). https://sqlite.org/session/changegroup.html
//
// A Changegroup is independent of any connection. It is not safe for
// concurrent use: one goroutine at a time. Close releases its memory.
type Changegroup struct {
	tls *libc.TLS
	p   uintptr
}

// NewChangegroup returns an empty Changegroup.
// https://sqlite.org/session/sqlite3changegroup_new.html
func NewChangegroup() (*Changegroup, error) {
	tls := libc.NewTLS()
	pp := tls.Alloc(8)
	writePtr(pp, 0)
	rc := lib.Xsqlite3changegroup_new(tls, pp)
	p := readPtr(pp)
	tls.Free(8)
	if rc != lib.SQLITE_OK {
		tls.Close()
		return nil, Errorf(ErrorCode(rc), "creating changegroup: %s", ErrorCode(rc).Error())
	}
	return &Changegroup{tls: tls, p: p}, nil
}

func (g *Changegroup) check() error {
	if g == nil || g.p == 0 {
		return closedError("changegroup")
	}
	return nil
}

// Add merges the changes of changeset into the group. A corrupt changeset
// gives ErrCorrupt; a patchset added to a group of changesets (or the
// reverse) gives ErrError. Either way the group keeps what it held.
// https://sqlite.org/session/sqlite3changegroup_add.html
func (g *Changegroup) Add(changeset []byte) error {
	if err := g.check(); err != nil {
		return err
	}
	in, err := cmallocBytes(g.tls, changeset)
	if err != nil {
		return err
	}
	defer lib.Xsqlite3_free(g.tls, in)
	if rc := lib.Xsqlite3changegroup_add(g.tls, g.p, int32(len(changeset)), in); rc != lib.SQLITE_OK {
		return changesetError("adding to changegroup", rc)
	}
	return nil
}

// AddChange merges the single change ch, met while iterating with Changes,
// into the group; with it a changeset can be filtered change by change. It
// must be called from the loop body, while ch is valid.
// https://sqlite.org/session/sqlite3changegroup_add_change.html
func (g *Changegroup) AddChange(ch *Change) error {
	if err := g.check(); err != nil {
		return err
	}
	if ch == nil || ch.it == 0 || ch.kind != 0 {
		return Errorf(ErrMisuse, "AddChange needs a change from a running Changes iteration")
	}
	if rc := lib.Xsqlite3changegroup_add_change(g.tls, g.p, ch.it); rc != lib.SQLITE_OK {
		return changesetError("adding change to changegroup", rc)
	}
	return nil
}

// Output returns the merged changeset (or patchset) of everything added so
// far. The group stays usable. https://sqlite.org/session/sqlite3changegroup_output.html
func (g *Changegroup) Output() ([]byte, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	out := g.tls.Alloc(16)
	defer g.tls.Free(16)
	writeInt32(out, 0)
	writePtr(out+8, 0)
	rc := lib.Xsqlite3changegroup_output(g.tls, g.p, out, out+8)
	data := takeCBytes(g.tls, readPtr(out+8), int(readInt32(out)))
	if rc != lib.SQLITE_OK {
		return nil, changesetError("building changegroup output", rc)
	}
	return data, nil
}

// Close releases the group. Closing a closed Changegroup does nothing.
// https://sqlite.org/session/sqlite3changegroup_delete.html
func (g *Changegroup) Close() error {
	if g == nil || g.p == 0 {
		return nil
	}
	lib.Xsqlite3changegroup_delete(g.tls, g.p)
	g.p = 0
	g.tls.Close()
	g.tls = nil
	return nil
}
