// Command asqlite runs asqlite's tour and tools.
//
// Usage:
//
//	asqlite tour [section...]   run the guided tour (-list lists its sections)
//	asqlite version             print the asqlite and SQLite versions
//
// Run "asqlite help" for the full list of commands, and "asqlite help
// COMMAND" or "asqlite COMMAND -h" for the flags of one. Every command
// exits 0 when it succeeds or prints help, 2 for a mistake on its command
// line and 1 when it fails.
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
	// The first Ctrl-C asks the command to stop and report; a second one
	// kills the process as usual.
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == "help" {
		args = []string{args[1], "-h"}
	}
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
	return exitStatus(args[0], commands[i].run(ctx, args[1:], stdout, stderr), stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "asqlite: all of SQLite for concurrent Go programs.")
	fmt.Fprintln(w, "\nUsage:")
	sorted := slices.Clone(commands)
	slices.SortFunc(sorted, func(a, b command) int { return strings.Compare(a.name, b.name) })
	for _, c := range sorted {
		fmt.Fprintf(w, "  asqlite %-28s %s\n", strings.TrimSpace(c.name+" "+c.usage), c.summary)
	}
	fmt.Fprintln(w, "\nRun 'asqlite help COMMAND' for the flags and arguments of a command.")
}
