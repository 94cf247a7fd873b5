package units

import (
	"testing"
	"time"
)

func TestCountSeparatesThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1015353: "1,015,353", -1365: "-1,365", -100: "-100"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDurationPicksUnit(t *testing.T) {
	for d, want := range map[time.Duration]string{
		812: "812ns", 27100: "27.1µs", 4213 * time.Microsecond: "4.213ms", 1502 * time.Millisecond: "1.502s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%d) = %q, want %q", d, got, want)
		}
	}
}

func TestBytesPicksUnit(t *testing.T) {
	for n, want := range map[int64]string{512: "512B", 80163: "78.3KB", 3 << 20: "3.0MB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
