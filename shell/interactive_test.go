//go:build linux

package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asqlite/asqlite/internal/leakcheck"
	"github.com/asqlite/asqlite/sqlite"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the test types on master, the
// shell reads and writes slave, a terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	// Not master.Fd(), which would make its reads blocking: closing it
	// must end the test's reader.
	rc, err := master.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	rc.Control(func(fd uintptr) {
		if err = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); err == nil {
			n, err = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// screen collects what the shell writes to the terminal.
type screen struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // receives after each write
	mark    int           // waitFor looks after this offset
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf.Write(p)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

// waitFor waits until want appears after the previous match, failing the
// test if it does not within a generous bound.
func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		s.mu.Lock()
		text := s.buf.String()
		s.mu.Unlock()
		if i := strings.Index(text[s.mark:], want); i >= 0 {
			s.mark += i + len(want)
			return
		}
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("terminal never showed %q; it shows:\n%q", want, text[s.mark:])
		}
	}
}

func TestInteractiveEditsRecallsCompletesAndInterrupts(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	master, slave := openPTY(t)
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec("CREATE TABLE orders_archive(id, note)"); err != nil {
		t.Fatal(err)
	}
	histFile := filepath.Join(t.TempDir(), "history")
	sh := New(conn, slave, slave)
	defer sh.Close()

	scr := &screen{changed: make(chan struct{}, 1)}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			scr.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	done := make(chan error, 1)
	go func() {
		done <- sh.Interactive(context.Background(), slave, slave, &InteractiveOptions{HistoryFile: histFile})
	}()
	typeKeys := func(keys string) {
		if _, err := master.WriteString(keys); err != nil {
			t.Fatal(err)
		}
	}

	scr.waitFor(t, "asqlite> ")
	typeKeys("SELECT 40 +\r")
	scr.waitFor(t, "...> ")
	typeKeys("2;\r")
	scr.waitFor(t, "42\r\n")
	scr.waitFor(t, "asqlite> ")

	// Up recalls the two lines as one entry.
	typeKeys("\x1b[A")
	scr.waitFor(t, "SELECT 40 + 2;")
	typeKeys("\r")
	scr.waitFor(t, "42\r\n")

	// Tab completes the table's name.
	scr.waitFor(t, "asqlite> ")
	typeKeys("SELECT count(*) FROM orders_a\t")
	scr.waitFor(t, "orders_archive")
	typeKeys(";\r")
	scr.waitFor(t, "0\r\n")

	// Tab again, when the choices share nothing more, lists them.
	scr.waitFor(t, "asqlite> ")
	typeKeys(".s\t")
	scr.waitFor(t, "schema  separator  show  stats")
	typeKeys("how\r")
	scr.waitFor(t, "mode: list")

	// Ctrl-C interrupts a statement that would run for ever.
	scr.waitFor(t, "asqlite> ")
	typeKeys("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c;\r")
	scr.waitFor(t, "FROM c;\r\n")
	typeKeys("\x03")
	scr.waitFor(t, "interrupted")
	scr.waitFor(t, "asqlite> ")
	typeKeys("SELECT 'still here';\r")
	scr.waitFor(t, "still here\r\n")

	// Ctrl-C drops a half-typed statement; Ctrl-D ends the shell.
	scr.waitFor(t, "asqlite> ")
	typeKeys("SELECT 'dropped'")
	scr.waitFor(t, "dropped")
	typeKeys("\x03")
	scr.waitFor(t, "^C")
	scr.waitFor(t, "asqlite> ")
	typeKeys("\x04")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Interactive: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Ctrl-D did not end the shell")
	}
	slave.Close()
	master.Close()
	<-copied

	hist, err := os.ReadFile(histFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT 40 + 2;\nSELECT count(*) FROM orders_archive ;\n"; !strings.HasPrefix(string(hist), want) {
		t.Errorf("history file %q, want it to start with %q", hist, want)
	}
}

func TestInteractiveEndsWithItsContext(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	master, slave := openPTY(t)
	conn, err := sqlite.Open(":memory:", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sh := New(conn, slave, slave)
	defer sh.Close()
	scr := &screen{changed: make(chan struct{}, 1)}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			scr.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sh.Interactive(ctx, slave, slave, &InteractiveOptions{HistoryFile: "-"}) }()
	scr.waitFor(t, "asqlite> ")
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Interactive returned %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Interactive went on after its context ended")
	}
	slave.Close()
	master.Close()
	<-copied
}
