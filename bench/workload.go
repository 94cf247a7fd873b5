package bench

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Workload is one benchmark, runnable on any Lib it selects.
type Workload struct {
	Name  string
	Group string // "layers", "gsb", "seed", "concurrency", "asqlite"
	Doc   string
	// Base is the Lib that ratios are taken to (default "asqlite").
	Base string
	// Only, when set, lists the Libs the workload runs on; otherwise it
	// runs on every Lib that is not External and whose Groups allow it.
	Only []string
	// Loop marks a short operation that the runner repeats for a minimum
	// time per measurement; other operations run once per measurement
	// and time their parts with M.Time.
	Loop bool
	// Score names the figure that ranks the libraries: "cpu", "wall"
	// (the default), or a metric the operation reports.
	Score string
	// HigherBetter is true when a larger Score is better (throughput).
	HigherBetter bool
	// Prepare readies the workload on l and returns the operation to
	// measure (it checks its own results) and a function releasing what
	// Prepare made.
	Prepare func(l Lib, s Size) (op func(*M) error, done func(), err error)
}

// Size scales the workloads: 1 is the sizes their descriptions give.
type Size struct {
	Scale float64
	// Dir is where database files go (one subdirectory per use).
	Dir string
}

// N scales n, keeping it at least 1.
func (s Size) N(n int) int {
	if s.Scale <= 0 {
		return n
	}
	return max(1, int(math.Round(float64(n)*s.Scale)))
}

// TempDB returns the path of a new database file in a fresh directory
// under s.Dir, and a function removing the directory.
func (s Size) TempDB(name string) (string, func(), error) {
	dir, err := os.MkdirTemp(s.Dir, name+"-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, "db.sqlite"), func() { os.RemoveAll(dir) }, nil
}

// Runs reports whether w runs on l.
func (w Workload) Runs(l Lib) bool {
	if len(w.Only) > 0 {
		return slices.Contains(w.Only, l.Name)
	}
	if l.External {
		return false
	}
	return len(l.Groups) == 0 || slices.Contains(l.Groups, w.Group)
}

// BaseLib is the name of the Lib ratios are taken to.
func (w Workload) BaseLib() string {
	if w.Base == "" {
		return "asqlite"
	}
	return w.Base
}

// Workloads lists the workloads in report order.
var Workloads []Workload

// GroupOrder is the report order of the workload groups.
var GroupOrder = []string{"layers", "gsb", "seed", "concurrency", "asqlite"}

func addWorkloads(ws ...Workload) {
	Workloads = append(Workloads, ws...)
	slices.SortStableFunc(Workloads, func(a, b Workload) int {
		return slices.Index(GroupOrder, a.Group) - slices.Index(GroupOrder, b.Group)
	})
}

// The layer workloads: table t in memory, so that the libraries (and
// asqlite's layers over its binding) are measured, not the disk.
func init() {
	addWorkloads(
		Workload{Name: "insert", Group: "layers", Score: "cpu",
			Doc:     "open a new in-memory database and insert N rows of t (int, text, float, 16-byte blob) in one transaction through one reused statement",
			Prepare: prepareInsertT},
		Workload{Name: "scan", Group: "layers", Score: "cpu",
			Doc:     "read every column of N rows of t and check a checksum",
			Prepare: prepareScanT},
		Workload{Name: "point", Group: "layers", Score: "cpu", Loop: true,
			Doc:     "look one row of t up by primary key with a reused statement (or the layer's cached one) and read every column; op = one lookup",
			Prepare: func(l Lib, s Size) (func(*M) error, func(), error) { return preparePointT(l, s, false) }},
		Workload{Name: "point-wal", Group: "layers", Score: "cpu", Loop: true,
			Doc:     "the same on a database file in WAL mode (asqlite.DB's setting, where its readers pay for the WAL index): the like-for-like base of DB's read overhead",
			Prepare: func(l Lib, s Size) (func(*M) error, func(), error) { return preparePointT(l, s, true) }},
	)
}

func openT(l Lib, rows int) (Conn, error) { return openTAt(l, ":memory:", Config{}, rows) }

func openTAt(l Lib, path string, cfg Config, rows int) (Conn, error) {
	c, err := l.Open(path, cfg)
	if err != nil {
		return nil, err
	}
	if err := c.Exec(SchemaT); err != nil {
		c.Close()
		return nil, err
	}
	if rows > 0 {
		if err := c.Write(func(w Writer) error { return w.InsertT(1, int64(rows)) }); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func prepareInsertT(l Lib, s Size) (func(*M) error, func(), error) {
	rows := s.N(DefaultTN)
	op := func(m *M) error {
		return m.Time("", func() error {
			c, err := openT(l, rows)
			if err != nil {
				return err
			}
			return c.Close()
		})
	}
	return op, func() {}, nil
}

func prepareScanT(l Lib, s Size) (func(*M) error, func(), error) {
	rows := s.N(DefaultTN)
	c, err := openT(l, rows)
	if err != nil {
		return nil, nil, err
	}
	want := ExpectedSum(rows)
	op := func(m *M) error {
		return m.Time("", func() error {
			n, sum, err := c.Scan()
			if err != nil {
				return err
			}
			if n != rows || sum != want {
				return errorf("%s: scanned %d rows with sum %d, want %d and %d", l.Name, n, sum, rows, want)
			}
			return nil
		})
	}
	return op, func() { c.Close() }, nil
}

func preparePointT(l Lib, s Size, wal bool) (func(*M) error, func(), error) {
	rows := s.N(DefaultTN)
	path, cfg, rm := ":memory:", Config{}, func() {}
	if wal {
		var err error
		if path, rm, err = s.TempDB("point"); err != nil {
			return nil, nil, err
		}
		cfg.Pragmas = ConcPragmas("NORMAL")
	}
	c, err := openTAt(l, path, cfg, rows)
	if err != nil {
		rm()
		return nil, nil, err
	}
	p, err := c.PrepPoint()
	if err != nil {
		c.Close()
		rm()
		return nil, nil, err
	}
	var buf []byte
	id := int64(0)
	op := func(*M) error {
		id = id*7919%int64(rows) + 1
		sum, err := p.Get(id)
		if err != nil {
			return err
		}
		buf = RowName(buf, id)
		if want := Checksum(id, string(buf), RowScore(id), make([]byte, DataLen)); sum != want {
			return errorf("%s: row %d sum %d, want %d", l.Name, id, sum, want)
		}
		return nil
	}
	return op, func() { p.Close(); c.Close(); rm() }, nil
}

// since is time.Since in nanoseconds as a float.
func since(t time.Time) float64 { return float64(time.Since(t)) }
