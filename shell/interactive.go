package shell

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/asqlite/asqlite/sqlite"
	"golang.org/x/term"
)

// InteractiveOptions configure Interactive. The zero value (or nil) keeps
// the history in ~/.asqlite_history.
type InteractiveOptions struct {
	// HistoryFile is where entered commands are kept between sessions;
	// "" means ~/.asqlite_history, "-" keeps no history file.
	HistoryFile string
}

const (
	prompt         = "asqlite> "
	continuePrompt = "    ...> "
)

// Interactive runs the shell on a terminal: in is read in raw mode with
// line editing (arrows, Home/End, Ctrl-A/E/K/U/W), a history recalled
// with the up and down arrows and kept in a file, and Tab completion of
// dot-commands, SQL keywords and table and column names. A statement
// may span lines (the prompt changes until sqlite.Complete says it is
// complete). Ctrl-C interrupts the running statement, or drops the input
// typed so far, and the shell goes on; Ctrl-D on an empty line, .quit
// and .exit end it. When in is a terminal it is put in raw mode and
// restored on return.
//
// It returns nil when the user ends the shell, an *ExitError for .exit
// with a code, or ctx's error if ctx ends.
func (s *Shell) Interactive(ctx context.Context, in io.Reader, out io.Writer, opts *InteractiveOptions) error {
	if opts == nil {
		opts = &InteractiveOptions{}
	}
	if fd, ok := terminalFD(in); ok {
		old, err := term.MakeRaw(fd)
		if err != nil {
			return err
		}
		defer term.Restore(fd, old)
	}
	// Raw mode leaves "\n" alone on output: the terminal needs "\r\n".
	stdout, stderr, cur := s.stdout, s.stderr, s.out
	s.stdout, s.stderr = crlfWriter{out}, crlfWriter{out}
	if cur == stdout {
		s.out = s.stdout
	}
	s.progress = terminalBar(s.stderr)
	defer func() {
		if s.out == s.stdout {
			s.out = stdout
		}
		s.stdout, s.stderr, s.progress = stdout, stderr, nil
	}()

	keys := newKeyPump(ctx, in)
	defer keys.stop()
	hist := &history{file: historyPath(opts.HistoryFile)}
	hist.load()
	var listing sync.WaitGroup // goroutines listing completions
	defer listing.Wait()
	// A Ctrl-C leaves the line editor's line as it was: the shell starts a
	// new editor then, on the same keys and history.
	newTerminal := func() *term.Terminal {
		t := term.NewTerminal(struct {
			io.Reader
			io.Writer
		}{keys, out}, prompt)
		t.History = hist
		t.AutoCompleteCallback = func(line string, pos int, key rune) (string, int, bool) {
			if key != '\t' {
				return "", 0, false
			}
			newLine, newPos, ok, matches := s.complete(ctx, line, pos)
			if ok && newLine == line && len(matches) > 1 {
				// Nothing to add: list the choices above the line. The
				// editor is locked while it calls back, so another
				// goroutine writes them once it waits for the next key.
				listing.Add(1)
				go func() {
					defer listing.Done()
					t.Write([]byte(strings.Join(matches, "  ") + "\r\n"))
				}()
			}
			return newLine, newPos, ok
		}
		return t
	}
	t := newTerminal()

	var sql strings.Builder
	for {
		if sql.Len() == 0 {
			t.SetPrompt(prompt)
		} else {
			t.SetPrompt(continuePrompt)
		}
		keys.sawInterrupt = false
		line, err := t.ReadLine()
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			if keys.sawInterrupt {
				sql.Reset()
				io.WriteString(out, "^C\r\n")
				t = newTerminal()
				continue
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		var input string
		if sql.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), ".") {
			input = strings.TrimSpace(line)
		} else {
			if sql.Len() == 0 && strings.TrimSpace(line) == "" {
				continue
			}
			sql.WriteString(line)
			sql.WriteByte('\n')
			if !sqlite.Complete(sql.String()) {
				continue
			}
			input = sql.String()
			sql.Reset()
		}
		hist.push(strings.Join(strings.Fields(strings.ReplaceAll(input, "\n", " ")), " "))
		err = keys.whileRunning(ctx, func(ctx context.Context) error {
			return s.runLine(ctx, input, "")
		})
		var exit *ExitError
		if errors.As(err, &exit) {
			if exit.Code == 0 {
				return nil
			}
			return err
		}
	}
}

// crlfWriter writes "\r\n" for each "\n", for a terminal in raw mode.
type crlfWriter struct{ w io.Writer }

func (c crlfWriter) Write(p []byte) (int, error) {
	if _, err := c.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// keyPump reads the terminal in a goroutine of its own, so that while a
// statement runs a Ctrl-C typed can interrupt it (the terminal is in raw
// mode: Ctrl-C is a byte, not a signal), while other keys typed ahead
// wait for the next prompt.
type keyPump struct {
	ctx          context.Context // its end ends the line being read
	chunks       chan []byte
	done         chan struct{}
	pending      []byte
	sawInterrupt bool // a Ctrl-C went to the line editor
}

func newKeyPump(ctx context.Context, in io.Reader) *keyPump {
	k := &keyPump{ctx: ctx, chunks: make(chan []byte), done: make(chan struct{})}
	go func() {
		defer close(k.chunks)
		buf := make([]byte, 256)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				select {
				case k.chunks <- bytes.Clone(buf[:n]):
				case <-k.done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return k
}

// stop lets the reading goroutine end; it ends once its read returns.
func (k *keyPump) stop() { close(k.done) }

func (k *keyPump) Read(p []byte) (int, error) {
	if len(k.pending) == 0 {
		select {
		case chunk, ok := <-k.chunks:
			if !ok {
				return 0, io.EOF
			}
			k.pending = chunk
		case <-k.ctx.Done():
			return 0, k.ctx.Err()
		}
	}
	n := copy(p, k.pending)
	if bytes.IndexByte(p[:n], 3) >= 0 {
		k.sawInterrupt = true
	}
	k.pending = k.pending[n:]
	return n, nil
}

// whileRunning runs fn with a context that a Ctrl-C typed meanwhile
// cancels; other keys are kept for the prompt.
func (k *keyPump) whileRunning(ctx context.Context, fn func(context.Context) error) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	watched := make(chan []byte)
	go func() {
		var ahead []byte
		defer func() { watched <- ahead }()
		for {
			select {
			case <-stop:
				return
			case chunk, ok := <-k.chunks:
				if !ok {
					return
				}
				if i := bytes.IndexByte(chunk, 3); i >= 0 {
					cancel()
					chunk = append(chunk[:i:i], chunk[i+1:]...)
				}
				ahead = append(ahead, chunk...)
			}
		}
	}()
	err := fn(runCtx)
	close(stop)
	k.pending = append(k.pending, <-watched...)
	return err
}

// history is the line editor's history, kept in a file: one entry per
// statement or dot-command (a statement typed on several lines is one
// entry, its lines joined).
type history struct {
	file    string
	entries []string // oldest first
}

const historyMax = 1000

func historyPath(file string) string {
	switch file {
	case "-":
		return ""
	case "":
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		return filepath.Join(home, ".asqlite_history")
	}
	return file
}

func (h *history) load() {
	if h.file == "" {
		return
	}
	f, err := os.Open(h.file)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			h.entries = append(h.entries, sc.Text())
		}
	}
	if len(h.entries) > historyMax {
		h.entries = slices.Clone(h.entries[len(h.entries)-historyMax:])
	}
}

// Add is called by the line editor for every line read; the shell adds
// whole entries with push instead.
func (h *history) Add(string) {}

func (h *history) Len() int { return len(h.entries) }

func (h *history) At(i int) string { return h.entries[len(h.entries)-1-i] }

func (h *history) push(entry string) {
	if entry == "" || len(h.entries) > 0 && h.entries[len(h.entries)-1] == entry {
		return
	}
	h.entries = append(h.entries, entry)
	if h.file == "" {
		return
	}
	f, err := os.OpenFile(h.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	f.WriteString(entry + "\n")
	f.Close()
}

// complete completes the word before pos: a dot-command at the start of
// the line, else an SQL keyword or a table or column name. It extends the
// word to the longest prefix the candidates share, and returns them.
func (s *Shell) complete(ctx context.Context, line string, pos int) (newLine string, newPos int, ok bool, matches []string) {
	start := pos
	for start > 0 && isWordByte(line[start-1]) {
		start--
	}
	word := line[start:pos]
	var candidates []string
	if start == 1 && line[0] == '.' {
		for _, c := range dotCmds {
			candidates = append(candidates, c.name)
		}
	} else if word != "" {
		candidates = append(candidates, s.schemaNames(ctx)...)
		for _, k := range keywords {
			if word == strings.ToLower(word) {
				k = strings.ToLower(k)
			}
			candidates = append(candidates, k)
		}
	}
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), strings.ToLower(word)) && !slices.Contains(matches, c) {
			matches = append(matches, c)
		}
	}
	if len(matches) == 0 {
		return "", 0, false, nil
	}
	done := matches[0]
	for _, m := range matches[1:] {
		n := 0
		for n < len(done) && n < len(m) && strings.EqualFold(done[n:n+1], m[n:n+1]) {
			n++
		}
		done = done[:n]
	}
	if len(done) < len(word) {
		return "", 0, false, nil
	}
	if len(matches) == 1 {
		done += " "
	}
	return line[:start] + done + line[pos:], start + len(done), true, matches
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// schemaNames lists the tables, views and their columns, for completion.
func (s *Shell) schemaNames(ctx context.Context) []string {
	rows, err := s.query(ctx, `SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
		WHERE m.type IN ('table','view') AND m.name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil
	}
	var names []string
	for _, r := range rows {
		names = append(names, r[0], r[1])
	}
	return names
}

// terminalFD returns the file descriptor of in if it is a terminal. It
// does not call os.File.Fd, which would make reads blocking, so that
// closing in still ends a read in progress.
func terminalFD(in io.Reader) (int, bool) {
	f, ok := in.(*os.File)
	if !ok {
		return 0, false
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	rc.Control(func(v uintptr) { fd = int(v) })
	return fd, fd >= 0 && term.IsTerminal(fd)
}

// IsTerminal reports whether f is a terminal: where Interactive edits
// lines, and where SetProgress may draw.
func IsTerminal(f *os.File) bool {
	_, ok := terminalFD(f)
	return ok
}
