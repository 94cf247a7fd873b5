package main

import (
	"context"
	"fmt"
	"io"

	"github.com/asqlite/asqlite/examples/tour"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	commands = append(commands,
		command{
			name:    "tour",
			usage:   "[section...]",
			summary: "run the guided tour of asqlite (all sections, or the named ones)",
			run: func(ctx context.Context, args []string, stdout, _ io.Writer) error {
				return tour.Run(ctx, stdout, args...)
			},
		},
		command{
			name:    "version",
			summary: "print the SQLite engine version",
			run: func(_ context.Context, _ []string, stdout, _ io.Writer) error {
				_, err := fmt.Fprintf(stdout, "SQLite %s (modernc.org/sqlite/lib, pure Go)\n", sqlite.Version())
				return err
			},
		},
	)
}
