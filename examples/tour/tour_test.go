package tour

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/")

// timing matches what varies from run to run: durations and rates.
var timing = regexp.MustCompile(`\d+(\.\d+)?(s|ms|µs|ns)\b|\d+(\.\d+)? ?(ops/s|/s)\b`)

func mask(b []byte) []byte { return timing.ReplaceAll(b, []byte("<T>")) }

// TestTourOutput runs every section and compares its masked output with
// testdata/<name>.golden.
func TestTourOutput(t *testing.T) {
	for _, s := range Sections() {
		t.Run(s.Name, func(t *testing.T) {
			var out bytes.Buffer
			if err := RunSection(context.Background(), &out, s, t.TempDir()); err != nil {
				t.Fatalf("section failed: %v\noutput so far:\n%s", err, out.String())
			}
			got := mask(out.Bytes())
			golden := filepath.Join("testdata", s.Name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("no expected output (run go test -run TestTourOutput -update): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s\n--- got:\n%s\n--- want:\n%s", golden, got, want)
			}
		})
	}
}
