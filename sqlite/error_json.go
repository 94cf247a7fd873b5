package sqlite

import "encoding/json"

// MarshalJSON encodes the error with Code as the primary result code and
// ExtendedCode as the extended one, the field names under which the most
// used cgo driver's errors appear in JSON: ORMs classify SQLite errors
// (unique or foreign key violations) by reading those fields.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Code         int
		ExtendedCode int
		Msg          string
		SQL          string `json:",omitempty"`
		Offset       int
	}{int(e.Code.Primary()), int(e.Code), e.Msg, e.SQL, e.Offset})
}
