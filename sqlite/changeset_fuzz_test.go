package sqlite

import (
	"errors"
	"hash/fnv"
	"testing"
)

// fuzzSchema is the database the apply fuzzer applies to; the seed
// changesets are recorded on it.
const fuzzSchema = sessionSchema + `
CREATE TABLE u(id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, n INTEGER CHECK (n >= 0));
INSERT INTO u VALUES(1, 'a@x', 1);
`

// addChangesetSeeds adds real changesets and patchsets, their inverses and
// combinations to the corpus.
func addChangesetSeeds(f *testing.F) {
	c, err := Open(":memory:", 0)
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	if err := c.Exec(fuzzSchema); err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	for _, sql := range []string{
		workload,
		"INSERT INTO u VALUES(2, 'b@x', 5); UPDATE u SET n = 7 WHERE id = 1",
		"UPDATE t1 SET data = zeroblob(300), score = 1e300 WHERE id = 1; DELETE FROM u",
		"INSERT INTO t2 VALUES('k', 9, x'00ff'); UPDATE t2 SET c = NULL",
	} {
		s, err := c.CreateSession("", nil)
		if err != nil {
			f.Fatal(err)
		}
		s.Attach("")
		if err := c.Exec(sql); err != nil {
			f.Fatal(err)
		}
		cs, err1 := s.Changeset()
		ps, err2 := s.Patchset()
		s.Close()
		if err1 != nil || err2 != nil {
			f.Fatal(err1, err2)
		}
		inv, err := InvertChangeset(cs)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, cs, ps, inv)
	}
	if cat, err := ConcatChangesets(seeds[0], seeds[3]); err == nil {
		seeds = append(seeds, cat)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add([]byte("T"))
	f.Add([]byte("P\x03\x01\x00\x00t\x00"))
}

// checkChangesetError fails the test unless err is nil or an *Error.
func checkChangesetError(t *testing.T, what string, err error) {
	t.Helper()
	var e *Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("%s: error %T %v is not an *Error", what, err, err)
	}
}

// FuzzChangesetIterate reads arbitrary bytes as a changeset with every
// reading and transforming function: none may crash, and every failure is
// an *Error.
func FuzzChangesetIterate(f *testing.F) {
	addChangesetSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		for ch, err := range Changes(data) {
			if err != nil {
				checkChangesetError(t, "Changes", err)
				break
			}
			n++
			r := ch.Record()
			if r.Table != ch.Table || len(r.PrimaryKey) > ch.NumColumns {
				t.Fatalf("record %+v does not match change %+v", r, ch)
			}
			for i := -1; i <= ch.NumColumns; i++ {
				if v, ok := ch.Old(i); ok {
					_ = v.String()
				}
				if v, ok := ch.New(i); ok {
					_ = v.Any()
				}
				ch.Conflicting(i)
			}
			ch.ForeignKeyConflicts()
		}
		inv, err := InvertChangeset(data)
		checkChangesetError(t, "InvertChangeset", err)
		if err == nil {
			for _, err := range Changes(inv) {
				checkChangesetError(t, "Changes(inverse)", err)
			}
		}
		cat, err := ConcatChangesets(data, data)
		checkChangesetError(t, "ConcatChangesets", err)
		if err == nil {
			for _, err := range Changes(cat) {
				checkChangesetError(t, "Changes(concat)", err)
			}
		}
		g, err := NewChangegroup()
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		checkChangesetError(t, "Changegroup.Add", g.Add(data))
		_, err = g.Output()
		checkChangesetError(t, "Changegroup.Output", err)
	})
}

// FuzzChangesetApply applies arbitrary bytes to a database with a conflict
// handler whose decisions depend on the input: the apply may fail only with
// an *Error, the connection stays usable, and the database stays intact.
func FuzzChangesetApply(f *testing.F) {
	addChangesetSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Open(":memory:", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Exec(fuzzSchema); err != nil {
			t.Fatal(err)
		}
		h := fnv.New64a()
		h.Write(data)
		seed := h.Sum64()
		step := uint64(0)
		opts := &ApplyOptions{
			Conflict: func(k ConflictKind, ch *Change) ConflictAction {
				step++
				for i := range ch.NumColumns {
					ch.Conflicting(i)
					ch.Old(i)
					ch.New(i)
				}
				switch (seed >> (step % 60)) % 4 {
				case 0:
					return ChangesetReplace // misuse for some kinds: must be an error, not a crash
				case 1:
					return ChangesetAbort
				}
				return ChangesetOmit
			},
			IgnoreNoOp: seed&1 != 0,
			Invert:     seed&2 != 0,
		}
		if seed&4 != 0 {
			opts.Filter = func(table string) bool { return len(table)%2 == 0 || seed&8 != 0 }
		}
		checkChangesetError(t, "ApplyChangeset", c.ApplyChangeset(data, opts))
		if !c.AutoCommit() {
			t.Fatal("apply left a transaction open")
		}
		var result string
		for row, err := range c.Query("PRAGMA integrity_check") {
			if err != nil {
				t.Fatal(err)
			}
			result = row.ColumnText(0)
		}
		if result != "ok" {
			t.Fatalf("integrity_check after apply: %s", result)
		}
	})
}
