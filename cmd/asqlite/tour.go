package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/asqlite/asqlite/examples/tour"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	commands = append(commands,
		command{
			name:    "tour",
			usage:   "[-list] [section...]",
			summary: "run the guided tour of asqlite (all sections, or the named ones)",
			run:     runTour,
		},
		command{
			name:    "version",
			summary: "print the SQLite engine version",
			run: func(_ context.Context, args []string, stdout, _ io.Writer) error {
				if err := newFlagSet("version", "Prints the version of the SQLite engine.").parse(args, stdout, 0, 0); err != nil {
					return err
				}
				_, err := fmt.Fprintf(stdout, "SQLite %s (modernc.org/sqlite/lib, pure Go)\n", sqlite.Version())
				return err
			},
		},
	)
}

func runTour(ctx context.Context, args []string, stdout, _ io.Writer) error {
	sections := tour.Sections()
	var doc strings.Builder
	doc.WriteString("Runs the named sections of the guided tour in tour order, or all of them,\n")
	doc.WriteString("each on databases of its own in a temporary directory. The sections:\n\n")
	listSections(&doc, sections)
	fs := newFlagSet("tour", doc.String())
	list := fs.Bool("list", false, "list the sections and exit")
	if err := fs.parse(args, stdout, 0, -1); err != nil {
		return err
	}
	for _, name := range fs.Args() {
		if !slices.ContainsFunc(sections, func(s tour.Section) bool { return s.Name == name }) {
			return fs.usageErrorf("no tour section named %q (asqlite tour -list lists them)", name)
		}
	}
	if *list {
		return listSections(stdout, sections)
	}
	return tour.Run(ctx, stdout, fs.Args()...)
}

func listSections(w io.Writer, sections []tour.Section) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range sections {
		fmt.Fprintf(tw, "  %s\t%s\n", s.Name, s.Title)
	}
	return tw.Flush()
}
