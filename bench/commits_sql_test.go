package bench

import (
	"context"
	"database/sql"

	_ "github.com/asqlite/asqlite/driver" // registers "asqlite"
	_ "modernc.org/sqlite"                // registers "sqlite"
)

// The same concurrent commits through database/sql: asqlite's driver in
// its DB mode (the default for a file; no tuning but synchronous=FULL),
// with autocommit Exec and with explicit transactions, and
// modernc.org/sqlite set up like mattn (one connection, WAL, IMMEDIATE).
func init() {
	commitsRunners = append(commitsRunners,
		commitsRunner{"database-sql+asqlite/DB-mode", func(path string) (func(context.Context, int) error, func() (int, error), func() error, error) {
			return openSQLCommits("asqlite", path+"?_sync=full", 0, false)
		}},
		commitsRunner{"database-sql+asqlite/DB-mode/tx", func(path string) (func(context.Context, int) error, func() (int, error), func() error, error) {
			return openSQLCommits("asqlite", path+"?_sync=full", 0, true)
		}},
		commitsRunner{"database-sql+modernc/1-conn", func(path string) (func(context.Context, int) error, func() (int, error), func() error, error) {
			return openSQLCommits("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)&_txlock=immediate", 1, false)
		}},
	)
}

// openSQLCommits opens dsn with driver, at most maxOpen connections (0: no
// limit), and makes each insert a transaction of its own: an autocommit
// Exec, or BeginTx, Exec, Commit when tx is set.
func openSQLCommits(driver, dsn string, maxOpen int, tx bool) (func(context.Context, int) error, func() (int, error), func() error, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	db.SetMaxOpenConns(maxOpen)
	if _, err := db.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, x INTEGER)"); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	insert := func(ctx context.Context, i int) error {
		if !tx {
			_, err := db.ExecContext(ctx, "INSERT INTO t(x) VALUES (?)", i)
			return err
		}
		t, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, "INSERT INTO t(x) VALUES (?)", i); err != nil {
			t.Rollback()
			return err
		}
		return t.Commit()
	}
	count := func() (n int, err error) {
		err = db.QueryRow("SELECT count(*) FROM t").Scan(&n)
		return n, err
	}
	return insert, count, db.Close, nil
}
