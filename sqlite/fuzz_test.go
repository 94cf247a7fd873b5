package sqlite

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	lib "modernc.org/sqlite/lib"
)

// FuzzExec runs arbitrary SQL with a few typed arguments three ways
// (statement by statement with cyclic binding, Exec, Query) and checks that
// nothing panics, every error is an *Error, and no statement outlives its
// use: afterwards the connection holds only the statements of its cache,
// all idle, and Close succeeds.
//
//	go test -run '^$' -fuzz FuzzExec -fuzztime 1m ./sqlite/
func FuzzExec(f *testing.F) {
	f.Chdir(f.TempDir()) // VACUUM INTO and the like write here
	for _, seed := range []string{
		"SELECT ?, ?, ?, ?",
		"CREATE TABLE t(a, b, c, d); INSERT INTO t VALUES (?, ?, ?, ?); SELECT * FROM t",
		"CREATE TABLE t(x PRIMARY KEY); INSERT INTO t VALUES (?1); INSERT INTO t VALUES (?1)",
		"SELECT :a, @b, $c, ?9",
		"BEGIN; SAVEPOINT s; ROLLBACK TO s; COMMIT",
		"WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT i FROM r",
		"SELECT zeroblob(?), printf('%.*c', ?, 'x')",
		"SELECT json_extract(?3, '$.a'), length(?4), typeof(?2)",
		"PRAGMA integrity_check; PRAGMA table_info(sqlite_schema)",
		"SELEC 1; SELECT 2",
		"CREATE VIRTUAL TABLE f USING fts5(x); INSERT INTO f VALUES (?3); SELECT * FROM f WHERE f MATCH ?3",
		"/* unterminated",
		"SELECT x'zz'",
		"",
	} {
		f.Add(seed, int64(7), 2.5, `{"a": 1}`, []byte{0, 1, 2})
	}
	f.Add("SELECT ?", int64(-1), math.Copysign(0, -1), "\xff\xfe", []byte(nil))

	f.Fuzz(func(t *testing.T, sql string, i int64, fl float64, s string, b []byte) {
		c, err := Open(":memory:", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		lib.Xsqlite3_limit(c.tls, c.db, lib.SQLITE_LIMIT_LENGTH, 1<<20)
		lib.Xsqlite3_limit(c.tls, c.db, lib.SQLITE_LIMIT_ATTACHED, 0)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		c.SetContext(ctx)

		args := []any{i, fl, s, b}
		checkErr := func(how string, err error) {
			t.Helper()
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%s: error %v (%T) is not an *Error", how, err, err)
			}
		}

		// Statement by statement, binding every parameter.
		rest := sql
		for rest != "" {
			st, tail, err := c.PrepareTail(rest, 0)
			checkErr("PrepareTail", err)
			if err != nil || st == nil {
				break
			}
			for p := 1; p <= st.ParamCount(); p++ {
				checkErr("BindValue", st.BindValue(p, args[(p-1)%len(args)]))
			}
			for rows := 0; rows < 1000; rows++ {
				row, err := st.Step()
				checkErr("Step", err)
				if !row {
					break
				}
				for col := range st.ColumnCount() {
					_ = st.ColumnValue(col)
					_, _ = st.ColumnTime(col, TimeText)
					_ = st.ColumnDeclType(col)
				}
			}
			checkErr("Close", st.Close())
			if len(tail) >= len(rest) {
				t.Fatalf("PrepareTail made no progress on %q", rest)
			}
			rest = tail
		}

		checkErr("Exec", c.Exec(sql, args...))
		checkErr("Exec", c.Exec(sql, Named("a", i), Named("$c", s)))
		n := 0
		for row, err := range c.Query(sql, args...) {
			checkErr("Query", err)
			if err != nil || n > 100 {
				break
			}
			_ = row.ColumnNames()
			n++
		}
		checkErr("Tx", c.Tx(Immediate, func() error { return c.Exec(sql) }))

		// Only idle cached statements remain, and the engine knows no others.
		for st := range c.stmts {
			if !st.cached || st.inUse {
				t.Fatalf("statement %q left open (cached %v, in use %v)", st.sql, st.cached, st.inUse)
			}
			if st.Busy() {
				t.Fatalf("cached statement %q left busy", st.sql)
			}
		}
		if len(c.stmts) != len(c.cache.m) {
			t.Fatalf("conn holds %d statements, cache %d", len(c.stmts), len(c.cache.m))
		}
		// Every statement the conn holds is one the engine has.
		engine := map[uintptr]bool{}
		for p := lib.Xsqlite3_next_stmt(c.tls, c.db, 0); p != 0; p = lib.Xsqlite3_next_stmt(c.tls, c.db, p) {
			engine[p] = true
		}
		for st := range c.stmts {
			if !engine[st.p] {
				t.Fatalf("statement %q unknown to the engine", st.sql)
			}
		}
		c.SetContext(context.Background())
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if len(c.stmts) != 0 {
			t.Fatalf("%d statements after Close", len(c.stmts))
		}
	})
}
