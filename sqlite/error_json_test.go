package sqlite

import (
	"encoding/json"
	"testing"
)

func TestErrorJSONHasPrimaryCodeAndExtendedCode(t *testing.T) {
	e := &Error{Code: ErrorCode(2067), Msg: "UNIQUE constraint failed: t.x", Offset: -1}
	b, err := json.Marshal(error(e))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Code":19,"ExtendedCode":2067,"Msg":"UNIQUE constraint failed: t.x","Offset":-1}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}
