package shell

import (
	"bufio"
	"context"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

func FuzzDisplayLineEnds(f *testing.F) {
	for _, s := range []string{"", "a\tb", "世界", "line1\nline2", "x\r\ny", "e\u0301\x01z", "\xff\xfe"} {
		f.Add(s, 3, false)
		f.Add(s, 4, true)
	}
	f.Fuzz(func(t *testing.T, z string, maxWidth int, wordWrap bool) {
		maxWidth %= 100
		n := len(z)
		for lines := 0; ; lines++ {
			if lines > n+1 {
				t.Fatalf("%q, width %d: more lines than bytes", z, maxWidth)
			}
			line, tail, more := displayLineTail(z, maxWidth, runeWidth, wordWrap)
			if maxWidth > 0 && displayWidth(line, runeWidth) > max(maxWidth, 2) {
				t.Fatalf("%q, width %d: line %q too wide", z, maxWidth, line)
			}
			if !more {
				break
			}
			if len(tail) >= len(z) {
				t.Fatalf("%q, width %d: no progress", z, maxWidth)
			}
			z = tail
		}
	})
}

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{`.mode csv`, `.separator "\t" '\n'`, `.import "a b.csv" t`, `"unterminated`, `\101\`, `'`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args, err := splitArgs(line)
		if err != nil {
			return
		}
		for _, a := range args {
			if len(a) > len(line) {
				t.Fatalf("%q: argument %q longer than the line", line, a)
			}
		}
	})
}

func FuzzFormatRealParses(f *testing.F) {
	for _, v := range []float64{0, 1, -0.5, 1e300, 5e-324, math.MaxFloat64, 0.1} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if z, ok := formatReal15(math.Abs(v)); ok {
			if want := formatExtended(math.Abs(v), 15); z != want {
				t.Fatalf("%v: quick %q, extended %q", v, z, want)
			}
		}
		if a := math.Abs(v); !math.IsInf(a, 0) && !math.IsNaN(a) {
			if got, want := formatExtended(a, 20), formatExtendedBig(a, 20); got != want {
				t.Fatalf("%v: %q, math/big says %q", a, got, want)
			}
		}
		for _, prec := range []int{15, 20} {
			s := formatReal(v, prec)
			if math.IsInf(v, 0) || math.IsNaN(v) {
				continue
			}
			got, err := strconv.ParseFloat(s, 64)
			if math.IsInf(got, 0) && prec == 15 {
				continue // 15 digits of the largest doubles round past them, in sqlite3 too
			}
			if err != nil {
				t.Fatalf("%v: %q does not parse: %v", v, s, err)
			}
			if v != 0 && math.Abs(got-v) > math.Abs(v)*1e-14 {
				t.Fatalf("%v: %q reads back as %v", v, s, got)
			}
		}
	})
}

func FuzzImportReaderEnds(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"x\ny\",\"q\"\"z\"\n", "\"open", "\xef\xbb\xbfbom", ",,,\r\n"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, data string, ascii bool) {
		p := &importReader{r: bufio.NewReader(strings.NewReader(data)), colSep: ',', rowSep: '\n', ascii: ascii, warn: io.Discard}
		if ascii {
			p.colSep, p.rowSep = 0x1f, 0x1e
		}
		total := 0
		for fields := 0; ; fields++ {
			if fields > len(data)+1 {
				t.Fatalf("%q: more fields than bytes", data)
			}
			z, ok := p.next()
			if !ok {
				break
			}
			total += len(z)
		}
		if total > len(data) {
			t.Fatalf("%q: fields hold more bytes than the input", data)
		}
	})
}

func FuzzShellInput(f *testing.F) {
	for _, s := range []string{
		".mode box\nSELECT 1, 'a', x'00', NULL, 1.5;",
		".width -3 5\n.mode column --wrap 2 --wordwrap on\nSELECT 'hello world', '世界世界';",
		".parameter set :a 'x'\nSELECT :a, ?1;",
		".separator \"\" \"\"\n.mode csv\nSELECT 'a,b';",
		"CREATE TABLE t(a); .import nope.csv t\n.schema\n.tables\n.indexes t%",
		".mode insert \"odd name\"\nSELECT 1 AS \"\";",
		"EXPLAIN SELECT 1; EXPLAIN QUERY PLAN SELECT 1;",
		".once\n.output\n.show\n.stats\n.plan SELECT\n.ftsq\n.pages x y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		if strings.Contains(script, "/") || strings.Contains(strings.ToUpper(script), "RECURSIVE") {
			return // no files outside the test's directory, no endless queries
		}
		t.Chdir(t.TempDir())
		conn, err := sqlite.Open(":memory:", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		sh := New(conn, io.Discard, io.Discard)
		defer sh.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		sh.Run(ctx, strings.NewReader(script))
	})
}
