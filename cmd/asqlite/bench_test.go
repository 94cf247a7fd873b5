package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestBenchPrintsEveryBenchmark(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"bench", "-benchtime", "2x", "-rows", "50"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(out.String(), "\n")
	for _, mb := range microBenches {
		i := strings.Index(out.String(), mb.name+" ")
		if i < 0 {
			t.Errorf("no line for %s:\n%s", mb.name, out.String())
			continue
		}
		line := out.String()[i:]
		line = line[:strings.IndexByte(line, '\n')]
		if !strings.Contains(line, "ns") && !strings.Contains(line, "µs") && !strings.Contains(line, "ms") {
			t.Errorf("%s: no time in %q", mb.name, line)
		}
		if mb.perRow == strings.Contains(line, " - ") {
			t.Errorf("%s: per-row column wrong in %q", mb.name, line)
		}
	}
	if !strings.HasPrefix(lines[0], "asqlite bench: SQLite 3.") {
		t.Errorf("first line %q", lines[0])
	}
}

func TestBenchRunSelects(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"bench", "-run", "PrepCached$", "-benchtime", "1x"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "sqlite/PrepCached") || strings.Contains(out.String(), "Conn/") {
		t.Errorf("-run did not select one benchmark:\n%s", out.String())
	}
}

func TestBenchListNamesBenchmarks(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"bench", "-list"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, mb := range microBenches {
		if !strings.Contains(out.String(), mb.name) {
			t.Errorf("-list lacks %s", mb.name)
		}
	}
}
