package bench

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// Reads through database/sql, so that the cost of the DB mode's routing
// (a reader borrowed per query, rows read through a coroutine) shows beside
// plain connections: asqlite's driver in the DB mode and in the plain mode
// (_mode=conn), modernc.org/sqlite and mattn/go-sqlite3, each pooled by
// database/sql on a WAL file.
//
//	go test -run XXX -bench SQLReads -benchtime 1s -count 3
var sqlReadDSNs = []struct{ name, driver, dsn string }{
	{"asqlite/DB-mode", "asqlite", "%s"},
	{"asqlite/plain", "asqlite", "file:%s?_mode=conn&_pragma=journal_mode(wal)"},
	{"modernc", "sqlite", "file:%s?_pragma=journal_mode(wal)&_pragma=busy_timeout(5000)"},
	{"mattn", "sqlite3", "file:%s?_journal_mode=WAL&_busy_timeout=5000"},
}

const sqlReadRows = 10_000

func openSQLReads(b *testing.B, driver, dsn string) *sql.DB {
	path := filepath.Join(b.TempDir(), "reads.db")
	db, err := sql.Open(driver, fmt.Sprintf(dsn, path))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.Exec("CREATE TABLE r(id INTEGER PRIMARY KEY, name TEXT, score REAL)"); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= sqlReadRows; i++ {
		if _, err := tx.Exec("INSERT INTO r VALUES(?, ?, ?)", i, fmt.Sprint("name-", i), float64(i)/3); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkSQLReads: point — one row by primary key from 8 goroutines per
// core; scan — 100 rows by one goroutine.
func BenchmarkSQLReads(b *testing.B) {
	for _, d := range sqlReadDSNs {
		b.Run("point/"+d.name, func(b *testing.B) {
			db := openSQLReads(b, d.driver, d.dsn)
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var name string
				var score float64
				for i := 0; pb.Next(); i++ {
					if err := db.QueryRow("SELECT name, score FROM r WHERE id = ?", i%sqlReadRows+1).Scan(&name, &score); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("scan100/"+d.name, func(b *testing.B) {
			db := openSQLReads(b, d.driver, d.dsn)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				rows, err := db.Query("SELECT id, name, score FROM r WHERE id > ? LIMIT 100", i%(sqlReadRows-100))
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					var id int64
					var name string
					var score float64
					rows.Scan(&id, &name, &score)
					n++
				}
				if err := rows.Close(); err != nil || n != 100 {
					b.Fatalf("%d rows (%v)", n, err)
				}
			}
		})
	}
}
