package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// flagSet is the command line of one subcommand. Every subcommand parses
// its arguments with one, so that they all behave alike: -h and --help
// print the usage on stdout and exit 0; an unknown flag, a bad value or a
// wrong number of arguments prints a message naming it on stderr and exits
// 2; an error while running exits 1.
//
// A subcommand's run function builds it, defines its flags, parses, checks
// the values the flag package cannot, and returns parse's and invalid's
// errors unchanged, since run maps them to the exit status:
//
//	fs := newFlagSet("stress", "Runs the stress tests on FILE ...")
//	readers := fs.Int("readers", 0, "reader connections (0: the DB's default)")
//	if err := fs.parse(args, stdout, 0, 1); err != nil {
//		return err // help printed, or a usage error
//	}
//	if *readers < 0 {
//		return fs.invalid("readers", "cannot be negative")
//	}
//
// The usage line comes from the command's registration in commands (its
// usage field), so a new subcommand registers first, as usual, in its init.
type flagSet struct {
	*flag.FlagSet
	synopsis string // "asqlite stress [flags] [FILE]"
	doc      string
}

// newFlagSet returns the flag set of the registered command name; doc is
// the text -h prints between the usage line and the flags.
func newFlagSet(name, doc string) *flagSet {
	synopsis := "asqlite " + name
	if i := slices.IndexFunc(commands, func(c command) bool { return c.name == name }); i >= 0 && commands[i].usage != "" {
		synopsis += " " + commands[i].usage
	}
	fs := &flagSet{FlagSet: flag.NewFlagSet("asqlite "+name, flag.ContinueOnError), synopsis: synopsis, doc: doc}
	// parse prints the help (to stdout) and exitStatus the errors (to
	// stderr), rather than the flag package, which prints both to one place.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args and checks that between minArgs and maxArgs arguments
// (maxArgs < 0: any number) follow the flags. For -h or --help it prints
// the usage to stdout and returns [flag.ErrHelp]; for a mistake it returns
// a *usageError.
func (fs *flagSet) parse(args []string, stdout io.Writer, minArgs, maxArgs int) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.printUsage(stdout)
		return flag.ErrHelp
	case err != nil:
		return fs.usageError(err)
	case fs.NArg() < minArgs:
		return fs.usageError(fmt.Errorf("missing arguments, want %s", fs.synopsis))
	case maxArgs >= 0 && fs.NArg() > maxArgs:
		return fs.usageError(fmt.Errorf("too many arguments %q", fs.Args()[maxArgs:]))
	}
	return nil
}

// parseAnywhere parses args as sqlite3 does its command line: flags may
// come after the arguments too ("FILE -csv SQL"), up to a "--", after
// which everything is an argument. It returns the arguments.
func (fs *flagSet) parseAnywhere(args []string, stdout io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := fs.parse(args, stdout, 0, -1); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// order returns the names of the flags in args, parsed already, in the
// order they were given, up to a "--".
func (fs *flagSet) order(args []string) []string {
	var names []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		names = append(names, name)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) {
			i++ // its value
		}
	}
	return names
}

// invalid returns the usage error for flag name, whose value parsed but
// is not acceptable; why says what it must be.
func (fs *flagSet) invalid(name, why string) error {
	value := ""
	if f := fs.Lookup(name); f != nil {
		value = f.Value.String()
	}
	return fs.usageError(fmt.Errorf("invalid value %q for flag -%s: %s", value, name, why))
}

// usageErrorf returns a usage error about the arguments after the flags.
func (fs *flagSet) usageErrorf(format string, args ...any) error {
	return fs.usageError(fmt.Errorf(format, args...))
}

func (fs *flagSet) usageError(err error) error {
	return &usageError{err: err, synopsis: fs.synopsis, help: fs.Name() + " -h"}
}

func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n", fs.synopsis)
	if fs.doc != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(fs.doc))
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// usageError is a mistake on a command line: run prints it with the usage
// line and exits 2.
type usageError struct {
	err      error
	synopsis string
	help     string // the command line that prints the full usage
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// exitStatus prints err, the outcome of command name, to stderr and
// returns the exit status it deserves: 0 for none or a help request, 2
// for a usage error, 1 for any other.
func exitStatus(name string, err error, stderr io.Writer) int {
	var ue *usageError
	var se silentExit
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &se):
		return se.code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "asqlite %s: %v\nusage: %s\nRun '%s' for details.\n", name, ue.err, ue.synopsis, ue.help)
		return 2
	}
	fmt.Fprintf(stderr, "asqlite %s: %v\n", name, err)
	return 1
}
