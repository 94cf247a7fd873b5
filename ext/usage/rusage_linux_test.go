package usage_test

import (
	"syscall"
	"testing"

	"github.com/asqlite/asqlite/ext/usage"
)

// TestUsagePageFaults: touching freshly mapped memory faults its pages in,
// which getrusage counts.
func TestUsagePageFaults(t *testing.T) {
	const size = 4 << 20
	u, err := usage.Measure(nil, nil, func() error {
		mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return err
		}
		for i := 0; i < size; i += 4096 {
			mem[i] = 1
		}
		return syscall.Munmap(mem)
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Rusage.MinorFaults <= 0 {
		t.Fatalf("no page faults counted: %+v", u.Rusage)
	}
	found := false
	for _, l := range u.Lines() {
		found = found || l.Label == "Page faults - no I/O"
	}
	if !found {
		t.Fatalf("lines %v lack the page faults", u.Lines())
	}
}
