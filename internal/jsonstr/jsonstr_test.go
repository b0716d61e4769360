package jsonstr

import (
	"encoding/base64"
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

// TestAppendEveryByteAnywhere puts each byte value at each place of a
// string long enough for Append's eight-bytes-at-a-time path, so that no
// byte needing an escape goes unseen however it is aligned.
func TestAppendEveryByteAnywhere(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		for at := range 17 {
			s := strings.Repeat("a", at) + string([]byte{byte(c)}) + strings.Repeat("Z", 16-at)
			want, _ := json.Marshal(s)
			if got := Append(nil, s); string(got) != string(want) {
				t.Fatalf("Append(%q) = %s, want %s", s, got, want)
			}
		}
	}
}

// BenchmarkAppend appends what a presigned POST's answer holds most of:
// a base64 policy of about 600 bytes.
func BenchmarkAppend(b *testing.B) {
	s := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(`{"conditions":[{"bucket":"videos"},["content-length-range",1,1073741824]]}`, 6)))
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = Append(buf[:0], s)
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
