package bench

// The seed's two tests of a concurrent SQLite layer, on every library in
// its concurrent setup (WAL, one writer, a reader pool):
//
//	stress     300 inserts, each its own transaction, with a count query
//	           after every third, plus 300 more count queries: 700
//	           goroutines started at once; the seed's Python program (its
//	           thread-pool design, seed/stress.py) runs the same test as
//	           the pseudo-library "python-seed"
//	break200   200 goroutines each incrementing the same row at once
//	break10000 the same with 10,000 goroutines
//
// Each reports its time, the errors callers saw and, for the break tests,
// the updates lost (acknowledged increments missing from the final value).

import (
	_ "embed"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed seed/stress.py
var seedStressPy []byte

// ConcPragmas are the settings of the concurrent workloads: WAL, the given
// synchronous mode, a busy timeout.
func ConcPragmas(syncMode string) []string {
	return []string{"journal_mode=WAL", "synchronous=" + syncMode, "busy_timeout=5000", "foreign_keys=1"}
}

// ConcReaders is the size of the reader pool in the concurrent setups.
const ConcReaders = 4

func init() {
	Register(Lib{Name: "python-seed", API: "Python sqlite3, the seed's pool of 5 + thread pool", External: true})
	addWorkloads(
		Workload{Name: "stress", Group: "seed", Base: "asqlite.DB",
			Only: append(concLibs(), "python-seed"),
			Doc:  "the seed's stress test: 300 inserts (each committed) + 400 count queries, all started at once",
			Prepare: func(l Lib, s Size) (func(*M) error, func(), error) {
				if l.Name == "python-seed" {
					return preparePythonStress(s)
				}
				return prepareStress(l, s)
			}},
		Workload{Name: "break200", Group: "seed", Base: "asqlite.DB", Only: concLibs(),
			Doc:     "the seed's break test: 200 goroutines increment one row at once",
			Prepare: func(l Lib, s Size) (func(*M) error, func(), error) { return prepareBreak(l, s, 200) }},
		Workload{Name: "break10000", Group: "seed", Base: "asqlite.DB", Only: concLibs(),
			Doc:     "the break test with 10,000 goroutines",
			Prepare: func(l Lib, s Size) (func(*M) error, func(), error) { return prepareBreak(l, s, 10_000) }},
	)
}

// concLibs are the Libs of the concurrency workloads: every library in its
// concurrent setup, and asqlite.DB with and without group commit.
func concLibs() []string {
	return []string{"asqlite.DB", "asqlite.DB-serial", "asqlite", "asqlite.Conn", "asqlite/driver",
		"zombiezen", "modernc", "ncruces", "mattn"}
}

// openConc opens a fresh database file on l in its concurrent setup.
func openConc(l Lib, s Size, name, syncMode string) (Conn, func(), error) {
	path, rm, err := s.TempDB(name)
	if err != nil {
		return nil, nil, err
	}
	// The writer creates the file before the readers open it.
	c, err := l.Open(path, Config{Pragmas: ConcPragmas(syncMode), Readers: ConcReaders})
	if err != nil {
		rm()
		return nil, nil, err
	}
	return c, func() { c.Close(); rm() }, nil
}

func prepareStress(l Lib, s Size) (func(*M) error, func(), error) {
	op := func(m *M) error {
		c, done, err := openConc(l, s, "stress", "NORMAL")
		if err != nil {
			return err
		}
		defer done()
		if err := c.Exec("CREATE TABLE stress_table (id INTEGER PRIMARY KEY, value TEXT)"); err != nil {
			return err
		}
		var errs atomic.Int64
		if err := m.Time("", func() error {
			var wg sync.WaitGroup
			read := func() {
				defer wg.Done()
				if _, err := c.QueryInt("SELECT COUNT(*) FROM stress_table"); err != nil {
					errs.Add(1)
				}
			}
			for i := range 300 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := c.Exec("INSERT INTO stress_table (value) VALUES (?)", "value_"+strconv.Itoa(i)); err != nil {
						errs.Add(1)
					}
				}()
				if i%3 == 0 {
					wg.Add(1)
					go read()
				}
			}
			for range 300 {
				wg.Add(1)
				go read()
			}
			wg.Wait()
			return nil
		}); err != nil {
			return err
		}
		n, err := c.QueryInt("SELECT COUNT(*) FROM stress_table")
		if err != nil {
			return err
		}
		m.Metric("errors", float64(errs.Load()))
		m.Metric("lost", float64(300-errs.Load()-n))
		return nil
	}
	return op, func() {}, nil
}

// preparePythonStress runs seed/stress.py with python3, if there is one.
func preparePythonStress(s Size) (func(*M) error, func(), error) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return nil, nil, errorf("python3 not found: %v", err)
	}
	dir, err := os.MkdirTemp(s.Dir, "python-")
	if err != nil {
		return nil, nil, err
	}
	script := filepath.Join(dir, "stress.py")
	if err := os.WriteFile(script, seedStressPy, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	op := func(m *M) error {
		out, err := exec.Command(py, script, filepath.Join(dir, "stress.db")).CombinedOutput()
		if err != nil {
			return errorf("stress.py: %v: %s", err, out)
		}
		fields := map[string]float64{}
		for _, f := range strings.Fields(string(out)) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return errorf("stress.py printed %q", out)
			}
			fields[k] = x
		}
		if _, ok := fields["elapsed"]; !ok {
			return errorf("stress.py printed %q", out)
		}
		m.Record("", time.Duration(fields["elapsed"]*1e9))
		m.Metric("errors", fields["errors"])
		m.Metric("lost", 300-fields["errors"]-fields["inserted"])
		return nil
	}
	return op, func() { os.RemoveAll(dir) }, nil
}

func prepareBreak(l Lib, s Size, n int) (func(*M) error, func(), error) {
	op := func(m *M) error {
		c, done, err := openConc(l, s, "break", "NORMAL")
		if err != nil {
			return err
		}
		defer done()
		if err := c.Exec("CREATE TABLE test (id INTEGER PRIMARY KEY, value INTEGER)"); err != nil {
			return err
		}
		if err := c.Exec("INSERT INTO test (value) VALUES (0)"); err != nil {
			return err
		}
		var errs atomic.Int64
		if err := m.Time("", func() error {
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if err := c.Exec("UPDATE test SET value = value + 1 WHERE id = 1"); err != nil {
						errs.Add(1)
					}
				}()
			}
			close(start)
			wg.Wait()
			return nil
		}); err != nil {
			return err
		}
		v, err := c.QueryInt("SELECT value FROM test WHERE id = 1")
		if err != nil {
			return err
		}
		m.Metric("errors", float64(errs.Load()))
		m.Metric("lost", float64(int64(n)-errs.Load()-v))
		return nil
	}
	return op, func() {}, nil
}
