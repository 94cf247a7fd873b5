// Package tour is asqlite's guided tour: a sequence of sections, each a
// small runnable program that shows one capability and prints what it did.
// The asqlite command runs it (`asqlite tour`), and the package's test runs
// every section and compares its output, with timings masked, to the
// expected text in testdata/.
//
// Each section lives in its own file and registers itself with register;
// Order decides where it appears.
package tour

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Section is one part of the tour.
type Section struct {
	Name  string // short identifier, also the golden file's name
	Title string // heading printed before the section
	Order int    // position in the tour
	Run   func(ctx context.Context, t *T) error
}

// T is what a running section gets: where to print and a private
// directory for its database files.
type T struct {
	w   io.Writer
	dir string
}

// Printf prints a line (or more) of the section's output.
func (t *T) Printf(format string, args ...any) {
	fmt.Fprintf(t.w, format, args...)
}

// Println prints its arguments separated by spaces and ends the line.
func (t *T) Println(args ...any) { fmt.Fprintln(t.w, args...) }

// Writer returns the section's output, for helpers that print themselves.
func (t *T) Writer() io.Writer { return t.w }

// Dir returns a directory private to the section, removed after the tour.
func (t *T) Dir() string { return t.dir }

// Seconds formats a duration the way the tour prints timings: seconds with
// six decimals, like "0.000152s". The tour's test masks these.
func Seconds(d time.Duration) string { return fmt.Sprintf("%.6fs", d.Seconds()) }

var sections []Section

func register(s Section) { sections = append(sections, s) }

// Sections returns the tour's sections in order.
func Sections() []Section {
	out := slices.Clone(sections)
	slices.SortStableFunc(out, func(a, b Section) int { return a.Order - b.Order })
	return out
}

// Run runs the named sections (all when names is empty) in tour order,
// printing a heading and the output of each to w.
func Run(ctx context.Context, w io.Writer, names ...string) error {
	root, err := os.MkdirTemp("", "asqlite-tour-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	ran := 0
	for _, s := range Sections() {
		if len(names) > 0 && !slices.Contains(names, s.Name) {
			continue
		}
		ran++
		fmt.Fprintf(w, "\n%s\n%s\n\n", s.Title, strings.Repeat("-", len(s.Title)))
		if err := RunSection(ctx, w, s, root); err != nil {
			return fmt.Errorf("tour section %q: %w", s.Name, err)
		}
	}
	if len(names) > 0 && ran == 0 {
		return fmt.Errorf("tour: no section named %s", strings.Join(names, ", "))
	}
	return nil
}

// RunSection runs one section with its own directory under root.
func RunSection(ctx context.Context, w io.Writer, s Section, root string) error {
	dir, err := os.MkdirTemp(root, s.Name+"-")
	if err != nil {
		return err
	}
	return s.Run(ctx, &T{w: w, dir: dir})
}
