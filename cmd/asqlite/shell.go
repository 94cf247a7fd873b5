package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/asqlite/asqlite/shell"
	"github.com/asqlite/asqlite/sqlite"
)

// stdin is the shell's input; tests replace it.
var stdin io.Reader = os.Stdin

func init() {
	commands = append(commands, command{
		name:    "shell",
		usage:   "[flags] [FILE] [SQL...]",
		summary: "an SQLite shell on FILE, like sqlite3 (interactive on a terminal)",
		run:     runShell,
	})
}

// stringsFlag collects the values of a flag given several times.
type stringsFlag []string

func (f *stringsFlag) String() string     { return strings.Join(*f, "; ") }
func (f *stringsFlag) Set(v string) error { *f = append(*f, v); return nil }

func runShell(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("shell", `
Opens the database FILE (an in-memory database when FILE is absent or
":memory:") and runs SQL statements and dot-commands (.help lists them)
the way the sqlite3 program does: the -cmd commands, then each SQL
argument or, when there is none, standard input — interactively, with line
editing, history (~/.asqlite_history) and Tab completion, when it is a
terminal. Exits 1 if a statement failed, or with the code .exit gives.`)
	var cmds stringsFlag
	fs.Var(&cmds, "cmd", "run `COMMAND` before reading input (repeatable)")
	bail := fs.Bool("bail", false, "stop after the first error")
	batch := fs.Bool("batch", false, "force batch I/O: no prompts, no line editing")
	interactive := fs.Bool("interactive", false, "force interactive I/O")
	echo := fs.Bool("echo", false, "print each command before running it")
	header := fs.Bool("header", false, "turn headers on")
	noheader := fs.Bool("noheader", false, "turn headers off")
	readonly := fs.Bool("readonly", false, "open the database read-only")
	nullvalue := fs.String("nullvalue", "", "`TEXT` for NULL values")
	separator := fs.String("separator", "", "column separator `SEP`")
	modes := map[string]*bool{}
	for _, m := range []string{"list", "csv", "json", "line", "column", "box", "table", "markdown", "quote", "html", "tabs", "ascii"} {
		modes[m] = fs.Bool(m, false, "set the output mode to "+m)
	}
	pos, err := fs.parseAnywhere(args, stdout)
	if err != nil {
		return err
	}
	if *batch && *interactive {
		return fs.usageErrorf("-batch and -interactive exclude each other")
	}
	name := ":memory:"
	if len(pos) > 0 {
		name = pos[0]
	}
	var flags sqlite.OpenFlags
	if *readonly {
		flags |= sqlite.OpenReadOnly
	}
	conn, err := sqlite.Open(name, flags)
	if err != nil {
		return fmt.Errorf("opening %s: %w", name, err)
	}
	sh := shell.New(conn, stdout, stderr)
	defer conn.Close()
	defer sh.Close() // and the connection of .open, if any
	sh.SetBail(*bail)
	sh.SetEcho(*echo)
	// The settings of the flags, as the dot-commands that make them, in
	// the order given, as sqlite3 applies them ("-separator ; -csv" ends
	// with CSV's comma, "-csv -separator ;" with the semicolon).
	var setup []string
	for _, f := range fs.order(args) {
		switch {
		case modes[f] != nil && *modes[f]:
			setup = append(setup, ".mode "+f)
			if f == "csv" {
				// sqlite3's -csv keeps "\n" between rows, where .mode
				// csv puts "\r\n".
				setup = append(setup, `.separator , "\n"`)
			}
		case f == "header" && *header:
			setup = append(setup, ".headers on")
		case f == "noheader" && *noheader:
			setup = append(setup, ".headers off")
		case f == "nullvalue":
			setup = append(setup, ".nullvalue "+quoteArg(*nullvalue))
		case f == "separator":
			setup = append(setup, ".separator "+quoteArg(*separator))
		}
	}
	for _, c := range setup {
		if err := sh.Exec(ctx, c); err != nil {
			return errFailed(err)
		}
	}
	for _, c := range cmds {
		if err := sh.Exec(ctx, c); err != nil {
			if exit := exitOf(err); exit != nil || *bail {
				return errFailed(err)
			}
		}
	}
	if len(pos) > 1 {
		for _, sql := range pos[1:] {
			if err := sh.Exec(ctx, sql); err != nil {
				return errFailed(err)
			}
		}
		return nil
	}
	// Progress bars go to a terminal, never to a pipe or a file.
	if f, ok := stderr.(*os.File); ok && shell.IsTerminal(f) {
		sh.SetProgress(f)
	}
	if f, ok := stdin.(*os.File); (ok && shell.IsTerminal(f) && !*batch) || *interactive {
		fmt.Fprintf(stdout, "asqlite shell on SQLite %s\nEnter \".help\" for usage hints.\n", sqlite.Version())
		if name == ":memory:" {
			fmt.Fprintln(stdout, "Connected to a transient in-memory database.\nUse \".open FILENAME\" to reopen on a persistent database.")
		}
		return errFailed(sh.Interactive(ctx, stdin, stdout, nil))
	}
	return errFailed(sh.Run(ctx, stdin))
}

// errFailed turns the shell's outcome into the command's: the failures
// were reported already, so only the exit status is left to give.
func errFailed(err error) error {
	if err == nil {
		return nil
	}
	if exit := exitOf(err); exit != nil {
		if exit.Code == 0 {
			return nil
		}
		return silentExit{code: exit.Code}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return silentExit{code: 1}
}

func exitOf(err error) *shell.ExitError {
	var exit *shell.ExitError
	if errors.As(err, &exit) {
		return exit
	}
	return nil
}

func quoteArg(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// silentExit is an outcome already reported (as the shell reports its
// errors, on stderr as they happen) that only sets the exit status.
type silentExit struct{ code int }

func (e silentExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }
