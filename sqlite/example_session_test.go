package sqlite_test

import (
	"fmt"
	"log"

	"github.com/asqlite/asqlite/sqlite"
)

func openWithSchema(schema string) *sqlite.Conn {
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		log.Fatal(err)
	}
	if err := conn.Exec(schema); err != nil {
		log.Fatal(err)
	}
	return conn
}

// A session records the changes made on one database; the changeset
// replays them on a replica, and its inverse undoes them.
func ExampleConn_CreateSession() {
	const schema = `CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);
		INSERT INTO notes VALUES(1, 'buy milk'), (2, 'call mum')`
	primary := openWithSchema(schema)
	defer primary.Close()
	replica := openWithSchema(schema)
	defer replica.Close()

	s, err := primary.CreateSession("main", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.Attach(""); err != nil { // every table
		log.Fatal(err)
	}
	err = primary.Exec(`INSERT INTO notes VALUES(3, 'water plants');
		UPDATE notes SET body = 'buy oat milk' WHERE id = 1;
		DELETE FROM notes WHERE id = 2`)
	if err != nil {
		log.Fatal(err)
	}
	changeset, err := s.Changeset()
	if err != nil {
		log.Fatal(err)
	}

	for ch, err := range sqlite.Changes(changeset) {
		if err != nil {
			log.Fatal(err)
		}
		r := ch.Record()
		fmt.Println(r.Op, r.Table, "old:", r.Old, "new:", r.New)
	}

	if err := replica.ApplyChangeset(changeset, nil); err != nil {
		log.Fatal(err)
	}
	printNotes("replica:", replica)

	undo, err := sqlite.InvertChangeset(changeset)
	if err != nil {
		log.Fatal(err)
	}
	if err := replica.ApplyChangeset(undo, nil); err != nil {
		log.Fatal(err)
	}
	printNotes("undone: ", replica)
	// Output:
	// UPDATE notes old: [1 buy milk] new: [{} buy oat milk]
	// DELETE notes old: [2 call mum] new: []
	// INSERT notes old: [] new: [3 water plants]
	// replica: [buy oat milk water plants]
	// undone:  [buy milk call mum]
}

func printNotes(label string, conn *sqlite.Conn) {
	var bodies []string
	for row, err := range conn.Query("SELECT body FROM notes ORDER BY id") {
		if err != nil {
			log.Fatal(err)
		}
		bodies = append(bodies, row.ColumnText(0))
	}
	fmt.Println(label, bodies)
}

// A conflict handler decides, change by change, what happens when the
// target database no longer matches what the changeset expects.
func ExampleConn_ApplyChangeset() {
	const schema = `CREATE TABLE stock(item TEXT PRIMARY KEY, qty INTEGER);
		INSERT INTO stock VALUES('apple', 10), ('pear', 5)`
	office := openWithSchema(schema)
	defer office.Close()
	shop := openWithSchema(schema)
	defer shop.Close()

	s, err := office.CreateSession("", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	s.Attach("stock")
	office.Exec("UPDATE stock SET qty = 12 WHERE item = 'apple'; UPDATE stock SET qty = 0 WHERE item = 'pear'")
	changeset, err := s.Changeset()
	if err != nil {
		log.Fatal(err)
	}

	// Meanwhile the shop sold two apples.
	shop.Exec("UPDATE stock SET qty = 8 WHERE item = 'apple'")

	err = shop.ApplyChangeset(changeset, &sqlite.ApplyOptions{
		Conflict: func(kind sqlite.ConflictKind, ch *sqlite.Change) sqlite.ConflictAction {
			key, _ := ch.Old(0)
			expected, _ := ch.Old(1)
			found, _ := ch.Conflicting(1)
			fmt.Printf("%s conflict on %s: expected %d, found %d; keeping the shop's value\n",
				kind, key.Text(), expected.Int64(), found.Int64())
			return sqlite.ChangesetOmit
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for row, err := range shop.Query("SELECT item, qty FROM stock ORDER BY item") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.ColumnText(0), row.ColumnInt(1))
	}
	// Output:
	// DATA conflict on apple: expected 10, found 8; keeping the shop's value
	// apple 8
	// pear 0
}

// A Changegroup merges changesets recorded one after another into one.
func ExampleChangegroup() {
	conn := openWithSchema("CREATE TABLE kv(k TEXT PRIMARY KEY, v)")
	defer conn.Close()
	record := func(sql string) []byte {
		s, err := conn.CreateSession("", nil)
		if err != nil {
			log.Fatal(err)
		}
		defer s.Close()
		s.Attach("")
		if err := conn.Exec(sql); err != nil {
			log.Fatal(err)
		}
		cs, err := s.Changeset()
		if err != nil {
			log.Fatal(err)
		}
		return cs
	}
	first := record("INSERT INTO kv VALUES('a', 1), ('b', 2)")
	second := record("UPDATE kv SET v = 10 WHERE k = 'a'; DELETE FROM kv WHERE k = 'b'")

	g, err := sqlite.NewChangegroup()
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	g.Add(first)
	g.Add(second)
	merged, err := g.Output()
	if err != nil {
		log.Fatal(err)
	}
	for ch, err := range sqlite.Changes(merged) {
		if err != nil {
			log.Fatal(err)
		}
		r := ch.Record()
		fmt.Println(r.Op, r.Table, r.New)
	}
	// Output:
	// INSERT kv [a 10]
}
