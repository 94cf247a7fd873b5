//go:build !unix

package usage

// getrusage reports that this system has no getrusage.
func getrusage(thread bool) (s sample, ok bool) { return sample{}, false }
