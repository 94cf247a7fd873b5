package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/asqlite/asqlite/ext/dump"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	commands = append(commands,
		command{
			name:    "dump",
			usage:   "FILE",
			summary: "write the database FILE as SQL text on stdout",
			run: func(ctx context.Context, args []string, stdout, _ io.Writer) error {
				if len(args) != 1 {
					return errors.New("usage: asqlite dump FILE")
				}
				if _, err := os.Stat(args[0]); err != nil {
					return err
				}
				conn, err := sqlite.Open(args[0], sqlite.OpenReadOnly)
				if err != nil {
					return err
				}
				defer conn.Close()
				conn.SetContext(ctx)
				return dump.Dump(conn, stdout, nil)
			},
		},
		command{
			name:    "restore",
			usage:   "FILE < dump.sql",
			summary: "create the database FILE from SQL text on stdin",
			run: func(ctx context.Context, args []string, _, _ io.Writer) error {
				if len(args) != 1 {
					return errors.New("usage: asqlite restore FILE < dump.sql")
				}
				return restore(ctx, args[0], os.Stdin)
			},
		},
	)
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
