// Command asqlite runs asqlite's tour and tools.
//
// Usage:
//
//	asqlite tour [section...]   run the guided tour
//	asqlite version             print the asqlite and SQLite versions
//
// Run "asqlite help" for the full list of commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
)

// command is one subcommand of asqlite.
type command struct {
	name    string
	usage   string // arguments, for the help text
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands []command

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		fmt.Fprintf(stderr, "asqlite: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := commands[i].run(ctx, args[1:], stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "asqlite %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "asqlite: all of SQLite for concurrent Go programs.")
	fmt.Fprintln(w, "\nUsage:")
	sorted := slices.Clone(commands)
	slices.SortFunc(sorted, func(a, b command) int { return strings.Compare(a.name, b.name) })
	for _, c := range sorted {
		fmt.Fprintf(w, "  asqlite %-28s %s\n", strings.TrimSpace(c.name+" "+c.usage), c.summary)
	}
}
