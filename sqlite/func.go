package sqlite

// funcState holds the Go functions and collations registered on a connection.
type funcState struct{}

func (f *funcState) release() {}
