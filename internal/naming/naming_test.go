package naming

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/blake2b"
)

func TestStem(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		// The seed document's own example.
		{"Replacing SHA1 with the more secure function", "79c8dcb651f5b7071e4b"},
		{"eduard@orkei.com", "e78b913d3d3d5eb5162a"},
	}
	for _, tt := range tests {
		if got := Stem(tt.in); got != tt.want {
			t.Errorf("Stem(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestKeySequence(t *testing.T) {
	t.Parallel()
	stem := Stem("eduard@orkei.com")
	want := []string{"e78b913d3d3d5eb5162a.mp4", "e78b913d3d3d5eb5162a1.mp4", "e78b913d3d3d5eb5162a2.mp4"}
	for n, w := range want {
		if got := Key("", "", stem, n, ".mp4"); got != w {
			t.Errorf("key %d = %s, want %s", n, got, w)
		}
	}
	if got := Key("videos/", "intro/1/", stem, 10, ".webm"); got != "videos/intro/1/e78b913d3d3d5eb5162a10.webm" {
		t.Errorf("prefixed key = %s", got)
	}
}

func TestMail(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 60) + ".com"
	tests := []struct {
		in, want string
		err      error
	}{
		{"eduard@orkei.com", "eduard@orkei.com", nil},
		{"  Eduard@Orkei.COM ", "eduard@orkei.com", nil},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk", nil},
		{"x@xn--bcher-kva.example", "x@xn--bcher-kva.example", nil},
		{"", "", ErrMailMissing},
		{"   ", "", ErrMailMissing},
		{"eduard", "", ErrMailInvalid},
		{"eduard@orkei", "", ErrMailInvalid},
		{"x@[1.2.3.4]", "", ErrMailInvalid},
		{"x@1.2.3.4", "", ErrMailInvalid},
		{"<x@a.com>", "", ErrMailInvalid},
		{"Eduard <x@a.com>", "", ErrMailInvalid},
		{"x@a.com (comment)", "", ErrMailInvalid},
		{`"x y"@a.com`, "", ErrMailInvalid},
		{"x@a..com", "", ErrMailInvalid},
		{"x@-a.com", "", ErrMailInvalid},
		{"x@a_b.com", "", ErrMailInvalid},
		{"x@a.com, y@b.com", "", ErrMailInvalid},
		{"x@a.com\n", "x@a.com", nil},
		{"x\x00@a.com", "", ErrMailInvalid},
		{"!#$%&'*+-/=?^_`{|}~@a.com", "!#$%&'*+-/=?^_`{|}~@a.com", nil},
		{"a.b.c@a.com", "a.b.c@a.com", nil},
		{"é@a.com", "é@a.com", nil},
		{".a@a.com", "", ErrMailInvalid},
		{"a.@a.com", "", ErrMailInvalid},
		{"a..b@a.com", "", ErrMailInvalid},
		{"a b@a.com", "", ErrMailInvalid},
		{"a@b@a.com", "", ErrMailInvalid},
		{"a\x7f@a.com", "", ErrMailInvalid},
		{long, "", ErrMailInvalid},
	}
	for _, tt := range tests {
		got, err := Mail(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("Mail(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestNormalisedMailsShareAStem(t *testing.T) {
	t.Parallel()
	a, err := Mail("Eduard@Orkei.COM ")
	if err != nil {
		t.Fatal(err)
	}
	if Stem(a) != Stem("eduard@orkei.com") {
		t.Errorf("stem of normalised mail differs")
	}
}

func TestParseType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, ct, ext string
		err         error
	}{
		{"", "video/mp4", ".mp4", nil},
		{"video/mp4", "video/mp4", ".mp4", nil},
		{"video/webm", "video/webm", ".webm", nil},
		{"video/webm;codecs=vp9,opus", "video/webm", ".webm", nil},
		{"Video/MP4; codecs=avc1", "video/mp4", ".mp4", nil},
		{"video/quicktime", "video/quicktime", ".mov", nil},
		{"video/x-matroska", "video/x-matroska", ".mkv", nil},
		{"image/png", "", "", ErrType},
		{"text/html", "", "", ErrType},
		{"video/", "", "", ErrType},
	}
	for _, tt := range tests {
		f, err := ParseType(tt.in)
		if ct, ext := f.ContentType(), f.Ext(); ct != tt.ct || ext != tt.ext || !errors.Is(err, tt.err) {
			t.Errorf("ParseType(%q) = %q, %q, %v; want %q, %q, %v", tt.in, ct, ext, err, tt.ct, tt.ext, tt.err)
		}
	}
}

func TestSegment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"intro", "intro", true},
		{"step-1_a.b", "step-1_a.b", true},
		{strings.Repeat("a", 64), strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), "", false},
		{"", "", false},
		{".", "", false},
		{"..", "", false},
		{"%2E%2E", "", false},
		{"%2e", "", false},
		{"a%2Fb", "", false},
		{"a b", "", false},
		{"%zz", "", false},
		{"caf%C3%A9", "", false},
	}
	for _, tt := range tests {
		got, err := Segment(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Segment(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestDigestOfLongInput(t *testing.T) {
	t.Parallel()
	// Written in pieces through the digester's buffer; the same digest as
	// in one piece.
	long := strings.Repeat("0123456789", 100)
	h, err := blake2b.New(StemBytes, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.Write([]byte(long))
	var want ID
	copy(want[:], h.Sum(nil))
	if got := Digest(long); got != want {
		t.Errorf("Digest = %x, want %x", got, want)
	}
}

func BenchmarkDigest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Digest("eduard@orkei.com")
	}
}

func BenchmarkMail(b *testing.B) {
	for _, raw := range []string{"eduard.orkei+video@orkei.com", "édouard@orkei.com"} {
		b.Run(raw, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Mail(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
