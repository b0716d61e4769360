package jsonstr

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "plain", `quote " backslash \`, "<script>&", "tab\tnl\ncr\r\x00\x1f\b\f\x7f",
		"ünïcödé ✓", "line\u2028para\u2029", "bad \xff utf8 \xc3", "AKID/20261204/us-east-1/s3/aws4_request",
		strings.Repeat("é<", 1000),
	} {
		want, _ := json.Marshal(s)
		if got := Append(nil, s); string(got) != string(want) {
			t.Errorf("Append(%q) = %s, want %s", s, got, want)
		}
	}
	if got := Append([]byte("x:"), "y"); string(got) != `x:"y"` {
		t.Errorf("Append does not append: %s", got)
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("a<b>\"\\\u2028\xff\x00")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := Append(nil, s); string(got) != string(want) {
			t.Fatalf("Append(%q) = %s, want %s", s, got, want)
		}
	})
}
