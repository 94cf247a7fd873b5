package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestEverySubcommandPrintsHelpAndExitsZero(t *testing.T) {
	for _, cmd := range []string{"start", "join", "show", "exec", "query"} {
		var out, errOut bytes.Buffer
		if code := run([]string{cmd, "-h"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "usage: asqlite-node "+cmd) {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q", cmd, code, out.String(), errOut.String())
		}
	}
}

func TestBadArgumentsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"bogus"},
		{"start", "-nope"},
		{"start", "-address", "127.0.0.1:1"},
		{"start", "-dir", t.TempDir(), "-address", "127.0.0.1:1", "extra"},
		{"join", "-dir", t.TempDir(), "-address", "127.0.0.1:1"},
		{"start", "-dir", t.TempDir(), "-address", "127.0.0.1:1", "-latency", "-1s"},
		{"show"},
		{"exec", "127.0.0.1:1"},
		{"query"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}
