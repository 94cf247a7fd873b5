package sqlite

// hookState holds the Go callbacks registered on a connection.
type hookState struct{}

func (h *hookState) release() {}
