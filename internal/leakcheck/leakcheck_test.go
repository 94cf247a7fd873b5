package leakcheck

import (
	"runtime"
	"testing"
	"time"
)

func TestWaitSeesGoroutineExit(t *testing.T) {
	before := runtime.NumGoroutine()
	stop := make(chan struct{})
	exited := make(chan struct{})
	go func() { <-stop; close(exited) }()
	if _, ok := Wait(before, 10*time.Millisecond); ok {
		t.Fatal("a running goroutine was not counted")
	}
	close(stop)
	<-exited
	if n, ok := Wait(before, 5*time.Second); !ok {
		t.Fatalf("goroutine count stayed at %d, want %d", n, before)
	}
}
