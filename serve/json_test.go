package serve

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestAppendStringIsValidJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " backslash \ slash /`, "tab\tnl\ncr\rnul\x00bell\x07",
		"é中😀", "bad \xff\xfe utf8", "line\u2028sep\u2029", "<script>&amp;</script>", "\x7f",
	} {
		b := appendString(nil, s)
		if !json.Valid(b) {
			t.Errorf("%q: invalid JSON %s", s, b)
			continue
		}
		// encoding/json also makes each invalid byte a U+FFFD.
		std, _ := json.Marshal(s)
		var back, want string
		json.Unmarshal(b, &back)
		json.Unmarshal(std, &want)
		if back != want {
			t.Errorf("%q: decodes to %q, want %q", s, back, want)
		}
		if strings.ContainsAny(string(b), "\u2028\u2029") {
			t.Errorf("%q: raw line separator in %s", s, b)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	for f, want := range map[float64]string{
		2: "2.0", -0.5: "-0.5", 1e20: "1e+20", 1.5e-7: "1.5e-07", math.Inf(1): "null", math.NaN(): "null",
		123456789012345: "123456789012345.0",
	} {
		if got := string(appendFloat(nil, f)); got != want {
			t.Errorf("%v: %s, want %s", f, got, want)
		}
	}
}
