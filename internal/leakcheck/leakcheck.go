// Package leakcheck finds goroutines a test leaves behind.
//
// Call Check at the start of a test, before starting anything, and run the
// function it returns at the end, after closing everything:
//
//	t.Cleanup(leakcheck.Check(t))
//
// The check waits (at most a few seconds) for the number of goroutines to
// come back to what it was, since goroutines that were told to stop may
// need a moment to exit; if it does not, the test fails with the stacks of
// every goroutine. Tests using it must not run in parallel with others.
package leakcheck

import (
	"runtime"
	"testing"
	"time"
)

// Timeout bounds how long the check waits for goroutines to exit.
var Timeout = 5 * time.Second

// Check records the number of goroutines and returns the function that
// checks it again.
func Check(t testing.TB) func() {
	t.Helper()
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		if n, ok := Wait(before, Timeout); !ok {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("leakcheck: %d goroutines, %d before the test; stacks:\n%s", n, before, buf)
		}
	}
}

// Wait waits up to timeout for the number of goroutines to drop to at
// most want, and returns the last count and whether it did.
func Wait(want int, timeout time.Duration) (int, bool) {
	deadline := time.Now().Add(timeout)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return n, true
		}
		if time.Now().After(deadline) {
			return n, false
		}
		time.Sleep(time.Millisecond)
	}
}
