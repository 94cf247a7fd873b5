package shell

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressFunc, when set, receives the progress of long work: the name of
// the work, the part done (0 to 1, or negative when the total is unknown)
// and the bytes done so far. It is set for a terminal only, so that pipes
// and files never see a progress bar.
type progressFunc func(name string, done float64, bytes int64)

// SetProgress makes long work (.import, .backup, .restore and .dump to a
// file) draw a progress bar on w, which should be a terminal. A nil w
// turns the bars off, which is the default.
func (s *Shell) SetProgress(w io.Writer) {
	if w == nil {
		s.progress = nil
		return
	}
	s.progress = terminalBar(w)
}

// terminalBar draws a one-line bar, redrawn in place at most every 100ms.
func terminalBar(w io.Writer) progressFunc {
	var last time.Time
	return func(name string, done float64, bytes int64) {
		now := time.Now()
		if done >= 0 && done < 1 && now.Sub(last) < 100*time.Millisecond {
			return
		}
		last = now
		if done < 0 {
			fmt.Fprintf(w, "\r%s: %d bytes\x1b[K", name, bytes)
			return
		}
		const width = 40
		n := int(done * width)
		fmt.Fprintf(w, "\r%s [%s%s] %3.0f%%\x1b[K", name, strings.Repeat("#", n), strings.Repeat(".", width-n), done*100)
		if done >= 1 {
			fmt.Fprint(w, "\r\x1b[K")
		}
	}
}

// bar is one piece of work's progress; its methods do nothing when
// progress is off.
type bar struct {
	name string
	fn   progressFunc
}

func (s *Shell) startProgress(name string) *bar { return &bar{name: name, fn: s.progress} }

func (b *bar) fraction(done float64, bytes int64) {
	if b.fn != nil {
		b.fn(b.name, done, bytes)
	}
}

// pages reports a backup's progress, as BackupOptions.Progress.
func (b *bar) pages(remaining, total int) {
	if total > 0 {
		b.fraction(float64(total-remaining)/float64(total), 0)
	}
}

func (b *bar) done() { b.fraction(1, 0) }

// countingWriter reports the bytes written through it.
type countingWriter struct {
	w        io.Writer
	n        int64
	progress *bar
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.progress.fraction(-1, c.n)
	return n, err
}

// countingReader reports the part of a file of known size read through it.
type countingReader struct {
	r        io.Reader
	n, size  int64
	progress *bar
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.size > 0 {
		c.progress.fraction(float64(c.n)/float64(c.size), c.n)
	}
	return n, err
}
