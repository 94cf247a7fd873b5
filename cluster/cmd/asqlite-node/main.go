// Command asqlite-node runs and inspects the nodes of an asqlite cluster
// (package cluster: SQLite replicated by dqlite).
//
//	asqlite-node start -dir DIR -address HOST:PORT            first node: a new cluster
//	asqlite-node join  -dir DIR -address HOST:PORT NODE...    a node joining through NODE
//	asqlite-node show  NODE...                                members, roles, leader
//	asqlite-node exec  [-db NAME] NODE SQL [ARG...]           a write through the cluster
//	asqlite-node query [-db NAME] NODE SQL [ARG...]           rows, from the leader
//
// start and join run the node until SIGINT or SIGTERM; a node started
// again with the same -dir rejoins its cluster (join's NODE is then not
// needed). NODE is the address of any member. Arguments of exec and query
// are bound as text, or as integers when they parse as one.
//
// -h on a subcommand prints its flags. Exit status: 0 on success, 1 on
// an error while running, 2 on a mistake in the arguments.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/asqlite/asqlite/cluster"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

const usage = `usage: asqlite-node start -dir DIR -address HOST:PORT
       asqlite-node join  -dir DIR -address HOST:PORT NODE...
       asqlite-node show  NODE...
       asqlite-node exec  [-db NAME] NODE SQL [ARG...]
       asqlite-node query [-db NAME] NODE SQL [ARG...]
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmds := map[string]func([]string, io.Writer) error{
		"start": func(a []string, w io.Writer) error { return runNode("start", a, w) },
		"join":  func(a []string, w io.Writer) error { return runNode("join", a, w) },
		"show":  show,
		"exec":  execSQL,
		"query": querySQL,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "asqlite-node: unknown command %q\n%s", args[0], usage)
		return 2
	}
	err := cmd(args[1:], stdout)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "asqlite-node %s: %v\n", args[0], err)
		return 2
	}
	fmt.Fprintf(stderr, "asqlite-node %s: %v\n", args[0], err)
	return 1
}

// parse parses a subcommand's flags, printing its help on -h, and checks
// the number of arguments (max < 0: any).
func parse(fs *flag.FlagSet, synopsis string, args []string, stdout io.Writer, min, max int) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stdout, "usage: asqlite-node %s\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return err
	case err != nil:
		return &usageError{err.Error()}
	case fs.NArg() < min:
		return &usageError{"missing arguments, want asqlite-node " + synopsis}
	case max >= 0 && fs.NArg() > max:
		return &usageError{fmt.Sprintf("too many arguments %q", fs.Args()[max:])}
	}
	return nil
}

// runNode starts (or restarts) a node and runs it until a signal.
func runNode(name string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	dir := fs.String("dir", "", "data directory of the node (created if missing)")
	addr := fs.String("address", "", "HOST:PORT the node listens on, reached by the others")
	latency := fs.Duration("latency", 0, "expected one-way network latency (0: dqlite's default)")
	synopsis := "start -dir DIR -address HOST:PORT"
	min, max := 0, 0
	if name == "join" {
		synopsis = "join -dir DIR -address HOST:PORT NODE..."
		min, max = 1, -1
	}
	if err := parse(fs, synopsis, args, stdout, min, max); err != nil {
		return err
	}
	if *dir == "" {
		return &usageError{"-dir is required"}
	}
	if *addr == "" && !exists(*dir) {
		return &usageError{"-address is required for a new node"}
	}
	if *latency < 0 {
		return &usageError{"invalid value for -latency: cannot be negative"}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := cluster.Open(ctx, "asqlite", &cluster.Options{
		Dir: *dir, Address: *addr, Cluster: fs.Args(), NetworkLatency: *latency,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "node %s ready (data in %s); Ctrl-C stops it\n", db.Address(), *dir)
	<-ctx.Done()
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return db.CloseContext(cctx)
}

// exists reports whether dir holds a node already.
func exists(dir string) bool {
	_, err := os.Stat(dir + "/info.yaml")
	return err == nil
}

// client opens the database through the cluster that node belongs to.
func client(ctx context.Context, nodes []string, name string) (*cluster.DB, error) {
	return cluster.Open(ctx, name, &cluster.Options{Cluster: nodes})
}

func show(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	if err := parse(fs, "show NODE...", args, stdout, 1, -1); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := client(ctx, fs.Args(), "asqlite")
	if err != nil {
		return err
	}
	defer db.Close()
	nodes, err := db.Nodes(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tADDRESS\tROLE\tLEADER")
	for _, n := range nodes {
		leader := ""
		if n.Leader {
			leader = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", n.ID, n.Address, n.Role, leader)
	}
	return tw.Flush()
}

// sqlArgs parses the flags and arguments of exec and query.
func sqlArgs(name string, args []string, stdout io.Writer) (db string, node, sql string, values []any, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	dbName := fs.String("db", "asqlite", "database name in the cluster")
	if err := parse(fs, name+" [-db NAME] NODE SQL [ARG...]", args, stdout, 2, -1); err != nil {
		return "", "", "", nil, err
	}
	for _, a := range fs.Args()[2:] {
		if n, err := strconv.ParseInt(a, 10, 64); err == nil {
			values = append(values, n)
		} else {
			values = append(values, a)
		}
	}
	return *dbName, fs.Arg(0), fs.Arg(1), values, nil
}

func execSQL(args []string, stdout io.Writer) error {
	name, node, sql, values, err := sqlArgs("exec", args, stdout)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := client(ctx, []string{node}, name)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Exec(ctx, sql, values...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "changes %d, last insert rowid %d\n", res.Changes, res.LastInsertRowID)
	return nil
}

func querySQL(args []string, stdout io.Writer) error {
	name, node, sql, values, err := sqlArgs("query", args, stdout)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := client(ctx, []string{node}, name)
	if err != nil {
		return err
	}
	defer db.Close()
	rs, err := db.QueryRows(ctx, sql, values...)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(rs.Columns, "\t"))
	for _, row := range rs.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			switch v := v.(type) {
			case nil:
				cells[i] = "NULL"
			case []byte:
				cells[i] = fmt.Sprintf("x'%x'", v)
			default:
				cells[i] = fmt.Sprint(v)
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
