package sqlite

import "sync"

// Go values handed to the engine as opaque "user data" pointers travel as
// handles: small integers that index this table. The engine never
// dereferences them; the trampolines turn them back into Go values.
var handles struct {
	sync.RWMutex
	m    map[uintptr]any
	next uintptr
}

// newHandle registers v and returns its handle (never 0).
func newHandle(v any) uintptr {
	handles.Lock()
	defer handles.Unlock()
	if handles.m == nil {
		handles.m = make(map[uintptr]any)
	}
	for {
		handles.next++
		if handles.next != 0 {
			if _, used := handles.m[handles.next]; !used {
				break
			}
		}
	}
	handles.m[handles.next] = v
	return handles.next
}

// handleValue returns the value registered under h, or nil.
func handleValue(h uintptr) any {
	handles.RLock()
	v := handles.m[h]
	handles.RUnlock()
	return v
}

// freeHandle forgets h.
func freeHandle(h uintptr) {
	if h == 0 {
		return
	}
	handles.Lock()
	delete(handles.m, h)
	handles.Unlock()
}
