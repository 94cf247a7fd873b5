package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/asqlite/asqlite/internal/leakcheck"
)

func TestStressJSONReportsZeroErrorsAndLostUpdates(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"stress", "-json", "-duration", "200ms", "-goroutines", "8", "-rows", "100",
		"-inserts", "30", "-reads", "40", "-writers", "50", filepath.Join(t.TempDir(), "s.db")}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep struct {
		Ops         int64   `json:"ops"`
		Errors      int64   `json:"errors"`
		LostUpdates int64   `json:"lost_updates"`
		OpsPerSec   float64 `json:"ops_per_sec"`
		P50ms       float64 `json:"p50_ms"`
		P99ms       float64 `json:"p99_ms"`
		Tests       []struct {
			Name  string `json:"name"`
			Ops   int64  `json:"ops"`
			Check string `json:"check"`
		} `json:"tests"`
	}
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out.String())
	}
	if dec.More() {
		t.Fatal("more than one JSON value printed")
	}
	if rep.Errors != 0 || rep.LostUpdates != 0 {
		t.Fatalf("%d errors, %d lost updates", rep.Errors, rep.LostUpdates)
	}
	if rep.OpsPerSec <= 0 || rep.P50ms <= 0 || rep.P99ms < rep.P50ms {
		t.Fatalf("rates and percentiles: %+v", rep)
	}
	var names []string
	var sum int64
	for _, tt := range rep.Tests {
		names = append(names, tt.Name)
		sum += tt.Ops
	}
	if strings.Join(names, ",") != "seed,break,mixed" || sum != rep.Ops {
		t.Fatalf("tests %v with %d ops, total %d", names, sum, rep.Ops)
	}
	if rep.Tests[0].Ops != 70 || rep.Tests[0].Check != "final row count 30 (want 30)" {
		t.Fatalf("seed test: %+v", rep.Tests[0])
	}
	if rep.Tests[1].Ops != 50 || rep.Tests[1].Check != "final value 50 (want 50)" {
		t.Fatalf("break test: %+v", rep.Tests[1])
	}
}

func TestStressBreakTestTenThousandWriters(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"stress", "-test", "break", "-writers", "10000"}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	for _, want := range []string{"synchronous=NORMAL, group commit on", "break test: 10000 concurrent",
		"final value 10000 (want 10000): 0 errors, 0 lost updates"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "\r") {
		t.Error("a progress bar was drawn on a non-terminal")
	}
}

func TestStressWithoutGroupCommit(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"stress", "-test", "seed,break", "-sync", "full", "-group=false"}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	for _, want := range []string{"synchronous=FULL, group commit off", "final row count 300 (want 300): 0 errors",
		"final value 200 (want 200): 0 errors, 0 lost updates"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// schemaOf returns the names in the schema of the database at path and its
// journal mode.
func schemaOf(t *testing.T, path string) (names []string, journal string) {
	t.Helper()
	return queryStrings(t, path, "SELECT name FROM sqlite_schema ORDER BY name"),
		strings.Join(queryStrings(t, path, "PRAGMA journal_mode"), "")
}

// userDatabase creates a database with a table of its own, in the default
// rollback journal mode, and returns its path.
func userDatabase(t *testing.T) string {
	return newDatabase(t, "CREATE TABLE test(name, important); INSERT INTO test VALUES ('keep', 'me')")
}

func checkUserDatabase(t *testing.T, path string) {
	t.Helper()
	names, journal := schemaOf(t, path)
	if strings.Join(names, ",") != "test" || journal != "delete" {
		t.Errorf("after stress: schema %v, journal mode %s; want [test], delete", names, journal)
	}
	if rows := queryStrings(t, path, "SELECT name || '=' || important FROM test"); strings.Join(rows, ",") != "keep=me" {
		t.Errorf("the user's table holds %v", rows)
	}
}

var smallStress = []string{"stress", "-inserts", "30", "-reads", "40", "-writers", "50", "-goroutines", "4",
	"-rows", "100", "-duration", "50ms"}

func TestStressRefusesDatabaseWithTables(t *testing.T) {
	path := userDatabase(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append(smallStress, path), &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), path+" is not empty (it holds test)") || !strings.Contains(errOut.String(), "-force") {
		t.Errorf("message %q", errOut.String())
	}
	checkUserDatabase(t, path)
}

func TestStressForceRunsNextToTablesAndRemovesItsOwn(t *testing.T) {
	path := userDatabase(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append(smallStress, "-force", path), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	checkUserDatabase(t, path)
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WAL file left behind: %v", err)
	}
}

func TestStressRefusesItsOwnLeftoverTable(t *testing.T) {
	path := newDatabase(t, "CREATE TABLE asqlite_stress_break(id INTEGER PRIMARY KEY, value INTEGER); INSERT INTO asqlite_stress_break VALUES (1, 7)")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append(smallStress, "-force", path), &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "already has asqlite_stress_break") {
		t.Errorf("message %q", errOut.String())
	}
	if names, _ := schemaOf(t, path); strings.Join(names, ",") != "asqlite_stress_break" {
		t.Errorf("schema after %v", names)
	}
}

// TestStressRefusesItsTableNameInAnotherCase: SQLite's names ignore case,
// so a user's ASQLITE_STRESS_SEED is stress's table name: refused, and
// left alone.
func TestStressRefusesItsTableNameInAnotherCase(t *testing.T) {
	path := newDatabase(t, "CREATE TABLE ASQLITE_STRESS_SEED(x); INSERT INTO ASQLITE_STRESS_SEED VALUES ('precious'); CREATE TABLE keep(a)")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append(smallStress, "-force", path), &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "already has ASQLITE_STRESS_SEED") {
		t.Errorf("message %q", errOut.String())
	}
	if names, _ := schemaOf(t, path); strings.Join(names, ",") != "ASQLITE_STRESS_SEED,keep" {
		t.Errorf("schema after %v", names)
	}
}

func TestStressRemovesTheFileItCreated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append(smallStress, path), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) > 0 {
		t.Errorf("left behind %v", entries)
	}
}

func TestStressLeavesAnEmptyDatabaseEmpty(t *testing.T) {
	path := newDatabase(t, "PRAGMA user_version = 7")
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append(smallStress, path), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	names, journal := schemaOf(t, path)
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) > 0 || journal != "delete" || after.Size() != before.Size() {
		t.Errorf("after stress: schema %v, journal mode %s, %d bytes; want none, delete, %d bytes",
			names, journal, after.Size(), before.Size())
	}
	if v := queryStrings(t, path, "PRAGMA user_version"); v[0] != "7" {
		t.Errorf("user_version %v, want 7", v)
	}
}

// cancelWriter cancels a context when a line starting with prefix is
// written to it.
type cancelWriter struct {
	bytes.Buffer
	prefix string
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	if bytes.HasPrefix(bytes.TrimLeft(p, "\n"), []byte(w.prefix)) {
		w.cancel()
	}
	return w.Buffer.Write(p)
}

func TestStressInterruptedBetweenTestsReportsWhatRan(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Interrupted as the break test starts: the seed test ran in full.
	out := &cancelWriter{prefix: "break test:", cancel: cancel}
	var errOut bytes.Buffer
	if code := run(ctx, append(smallStress, "-duration", "1h"), out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1: %s\n%s", code, errOut.String(), out.String())
	}
	report := out.String()
	for _, want := range []string{"final row count 30 (want 30): 0 errors, 0 lost updates",
		"interrupted (context canceled)", "total: 70 ops, 0 errors, 0 lost updates"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "mixed load") {
		t.Errorf("a test started after the interruption:\n%s", report)
	}
	if !strings.Contains(errOut.String(), "asqlite stress: interrupted: context canceled") {
		t.Errorf("message %q", errOut.String())
	}
}

func TestStressInterruptedMidTestReportsWhatRan(t *testing.T) {
	t.Cleanup(leakcheck.Check(t))
	// Each case cancels the run from inside a test, after the given number
	// of operations: the seed test has 70, the break test 50.
	for _, tc := range []struct {
		after int64
		tests string // the tests the report covers
	}{{20, "seed"}, {70 + 20, "seed,break"}, {70 + 50 + 500, "seed,break,mixed"}} {
		path := newDatabase(t, "")
		cfg, err := parseStressFlags(append(smallStress[1:], "-json", "-duration", "1h", path), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var ops atomic.Int64
		cfg.afterOp = func() {
			if ops.Add(1) == tc.after {
				cancel()
			}
		}
		var out bytes.Buffer
		err = stress(ctx, cfg, &out)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("after %d ops: error %v, want an interruption", tc.after, err)
		}
		var rep stressReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("after %d ops: %v\n%s", tc.after, err, out.String())
		}
		var names []string
		for _, r := range rep.Tests {
			names = append(names, r.Name)
			if r.Errors != 0 || r.LostUpdates != 0 {
				t.Errorf("after %d ops: %s test: %d errors (first %q), %d lost updates",
					tc.after, r.Name, r.Errors, r.FirstError, r.LostUpdates)
			}
		}
		if !rep.Interrupted || strings.Join(names, ",") != tc.tests || rep.Ops < tc.after {
			t.Errorf("after %d ops: interrupted %v, tests %v, %d ops; want true, %s, at least %d",
				tc.after, rep.Interrupted, names, rep.Ops, tc.tests, tc.after)
		}
		// The file is left as it was, interruption or not.
		if names, journal := schemaOf(t, path); len(names) > 0 || journal != "delete" {
			t.Errorf("after %d ops: schema %v, journal mode %s", tc.after, names, journal)
		}
	}
}

// TestStressRunsATestNamedTwiceOnce: "-test seed,seed" runs seed once
// rather than failing on the table the first run made.
func TestStressRunsATestNamedTwiceOnce(t *testing.T) {
	var out, errOut bytes.Buffer
	args := append(append([]string{}, smallStress...), "-test", "seed,seed", ":memory:")
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if n := strings.Count(out.String(), "seed stress test"); n != 1 {
		t.Fatalf("seed ran %d times:\n%s", n, out.String())
	}
}
