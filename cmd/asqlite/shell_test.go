package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runShellCommand runs "asqlite shell args..." with input on stdin.
func runShellCommand(t *testing.T, input string, args ...string) (code int, out, errOut string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(input)
	defer func() { stdin = old }()
	var o, e bytes.Buffer
	code = run(context.Background(), append([]string{"shell"}, args...), &o, &e)
	return code, o.String(), e.String()
}

func TestShellRunsArgumentsThenStops(t *testing.T) {
	code, out, errOut := runShellCommand(t, "SELECT 'stdin is not read';", ":memory:", "SELECT 1", "SELECT 2; SELECT 3")
	if code != 0 || out != "1\n2\n3\n" || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestShellArgumentErrorStopsAndExitsOne(t *testing.T) {
	code, out, errOut := runShellCommand(t, "", ":memory:", "SELECT * FROM nope", "SELECT 2")
	if code != 1 || out != "" || errOut != "Error: in prepare, no such table: nope\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestShellStdinGoesOnAfterErrorsButExitsOne(t *testing.T) {
	script := "SELECT 1;\nSELECT * FROM nope;\nSELECT 2;\n"
	code, out, errOut := runShellCommand(t, script)
	if code != 1 || out != "1\n2\n" || !strings.Contains(errOut, "near line 2: no such table: nope") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runShellCommand(t, script, "-bail")
	if code != 1 || out != "1\n" {
		t.Errorf("-bail: exit %d, stdout %q", code, out)
	}
}

func TestShellCmdAndModeFlags(t *testing.T) {
	code, out, errOut := runShellCommand(t, "SELECT x, 'a b' AS y FROM t;\n",
		"-cmd", "CREATE TABLE t(x)", "-cmd", "INSERT INTO t VALUES(1)", "-csv", "-header", "-batch")
	// As sqlite3's -csv: CSV with the rows ended by "\n" (.mode csv ends
	// them by "\r\n").
	if code != 0 || out != "x,y\n1,\"a b\"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runShellCommand(t, "SELECT 1, 2;\n.mode csv\nSELECT 3, 4;\n", "-csv", "-separator", ";")
	if code != 0 || out != "1;2\n3,4\r\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestShellExitCode(t *testing.T) {
	if code, out, _ := runShellCommand(t, "SELECT 1;\n.exit 3\nSELECT 2;\n"); code != 3 || out != "1\n" {
		t.Errorf(".exit 3: exit %d, stdout %q", code, out)
	}
	if code, _, _ := runShellCommand(t, ".quit\nSELECT * FROM nope;\n"); code != 0 {
		t.Errorf(".quit: exit %d", code)
	}
}

func TestShellWritesFileDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	if code, _, errOut := runShellCommand(t, "CREATE TABLE t(x);\nINSERT INTO t VALUES('kept');\n", path); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := queryStrings(t, path, "SELECT x FROM t"); len(got) != 1 || got[0] != "kept" {
		t.Errorf("rows %v", got)
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

// TestShellFlagsApplyInTheirOrder: as in sqlite3, a mode given after
// -separator sets its own separator; one given before keeps -separator's.
func TestShellFlagsApplyInTheirOrder(t *testing.T) {
	for _, tc := range []struct {
		args []string
		out  string
	}{
		{[]string{"-separator", ";", "-tabs", "-nullvalue", "-"}, "1\t-\n"},
		{[]string{"-tabs", "-separator", ";", "-nullvalue=-"}, "1;-\n"},
		{[]string{"-separator", ";", "-csv"}, "1,\n"},
		{[]string{"-csv", "-separator", ";"}, "1;\n"},
	} {
		code, out, errOut := runShellCommand(t, "", append(tc.args, ":memory:", "SELECT 1, NULL")...)
		if code != 0 || out != tc.out {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out, errOut, tc.out)
		}
	}
}

// TestShellQuitAfterAnErrorExitsOne: as in sqlite3, a script that ends with
// .quit or .exit 0 after a failure exits 1; .exit N exits N.
func TestShellQuitAfterAnErrorExitsOne(t *testing.T) {
	for _, tc := range []struct {
		input string
		code  int
	}{
		{"selec;\n.quit\n", 1},
		{"selec;\n.exit 0\n", 1},
		{"selec;\n.exit 3\n", 3},
		{"select 1;\n.quit\n", 0},
	} {
		if code, _, _ := runShellCommand(t, tc.input); code != tc.code {
			t.Errorf("%q: exit %d, want %d", tc.input, code, tc.code)
		}
	}
}

// TestShellTakesFlagsAfterTheFile: as sqlite3 does, "FILE -csv SQL" applies
// -csv, and "--" ends the flags.
func TestShellTakesFlagsAfterTheFile(t *testing.T) {
	code, out, errOut := runShellCommand(t, "", ":memory:", "-csv", "-header", "SELECT 1 AS a, 2 AS b")
	if code != 0 || out != "a,b\n1,2\n" {
		t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, errOut = runShellCommand(t, "", ":memory:", "--", "SELECT -1")
	if code != 0 || out != "-1\n" {
		t.Fatalf("after --: exit %d, out %q, err %q", code, out, errOut)
	}
}
