package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/asqlite/asqlite/ext/dump"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	commands = append(commands,
		command{
			name:    "dump",
			usage:   "FILE",
			summary: "write the database FILE as SQL text on stdout",
			run:     runDump,
		},
		command{
			name:    "restore",
			usage:   "FILE < dump.sql",
			summary: "create the database FILE from SQL text on stdin",
			run: func(ctx context.Context, args []string, stdout, _ io.Writer) error {
				fs := newFlagSet("restore", `
Runs the SQL text on stdin, such as the output of asqlite dump or of the
sqlite3 shell's .dump, on the database FILE, which must be empty and is
created if it does not exist. If a statement fails, the transaction the
text opened is rolled back. FILE may be a file name or a URI
("file:x.db?...").`)
				if err := fs.parse(args, stdout, 1, 1); err != nil {
					return err
				}
				return restore(ctx, fs.Arg(0), os.Stdin)
			},
		},
	)
}

func runDump(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("dump", `
Writes the schema and the rows of the database FILE as SQL text that
asqlite restore and the sqlite3 shell load back identically. FILE is opened
read-only; it may be a file name or a URI such as "file:x.db?immutable=1".`)
	if err := fs.parse(args, stdout, 1, 1); err != nil {
		return err
	}
	path := fs.Arg(0)
	// Reading a missing file read-only fails with SQLite's vague "unable to
	// open database file"; say which file is missing. A URI's file is
	// SQLite's to find.
	if !strings.HasPrefix(path, "file:") {
		if _, err := os.Stat(path); err != nil {
			return err
		}
	}
	conn, err := sqlite.Open(path, sqlite.OpenReadOnly)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetContext(ctx)
	return dump.Dump(conn, stdout, nil)
}

func restore(ctx context.Context, path string, r io.Reader) error {
	conn, err := sqlite.Open(path, 0)
	if err != nil {
		return err
	}
	conn.SetContext(ctx)
	err = dump.Restore(conn, r)
	if cerr := conn.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing %s: %w", path, cerr)
	}
	return err
}
