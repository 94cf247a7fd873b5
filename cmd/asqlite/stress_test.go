package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
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

func TestStressRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"stress", "-test", "nope"},
		{"stress", "-sync", "sometimes"},
		{"stress", "-read-pct", "120"},
		{"stress", "-goroutines", "0"},
		{"stress", "a.db", "b.db"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 1 {
			t.Errorf("%v: exit %d, want 1", args, code)
		}
		if errOut.Len() == 0 {
			t.Errorf("%v: no message", args)
		}
	}
}
