//go:build unix

package usage

import (
	"runtime"
	"syscall"
	"time"
)

// getrusage reads the resource usage of the process, or of the calling
// thread when thread is true (Linux only). ok is false when the system
// cannot tell.
func getrusage(thread bool) (s sample, ok bool) {
	who := syscall.RUSAGE_SELF
	if thread {
		if runtime.GOOS != "linux" {
			return sample{}, false
		}
		who = 1 // RUSAGE_THREAD
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return sample{}, false
	}
	// ru_maxrss is in kilobytes, except on Apple systems, where it is in bytes.
	rss := int64(ru.Maxrss) * 1024
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		rss = int64(ru.Maxrss)
	}
	return sample{
		user:   time.Duration(ru.Utime.Nano()),
		system: time.Duration(ru.Stime.Nano()),
		r: Rusage{
			MaxRSS:              rss,
			MinorFaults:         int64(ru.Minflt),
			MajorFaults:         int64(ru.Majflt),
			Swaps:               int64(ru.Nswap),
			BlockInputs:         int64(ru.Inblock),
			BlockOutputs:        int64(ru.Oublock),
			MessagesSent:        int64(ru.Msgsnd),
			MessagesReceived:    int64(ru.Msgrcv),
			Signals:             int64(ru.Nsignals),
			VoluntarySwitches:   int64(ru.Nvcsw),
			InvoluntarySwitches: int64(ru.Nivcsw),
		},
	}, true
}
