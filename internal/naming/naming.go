// Package naming turns what a client sends (a mail address, a media type,
// optional project and step path segments) into the object key a video is
// stored under. It does no I/O and keeps no state beyond a pool of reused
// hash states.
package naming

import (
	"encoding/hex"
	"errors"
	"hash"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/blake2b"
)

// MaxMailBytes is the longest address accepted (RFC 5321's path limit less
// the angle brackets).
const MaxMailBytes = 254

// StemBytes is the BLAKE2b digest size the key stem is made of.
const StemBytes = 10

// Errors returned for client input that cannot be used. Callers map them to
// "bad request".
var (
	ErrMailMissing = errors.New("mail is required")
	ErrMailInvalid = errors.New("mail is not a plain e-mail address")
	ErrType        = errors.New("type must be one of video/mp4, video/webm, video/quicktime, video/x-matroska")
	ErrSegment     = errors.New("project and step must be 1 to 64 characters of A-Z a-z 0-9 . _ - (not . or ..)")
)

// Format is an accepted video format: its media type and key extension.
// It fits in a byte, which keeps the store's records small.
type Format uint8

// The accepted formats. The zero Format is none.
const (
	MP4 Format = iota + 1
	WebM
	QuickTime
	Matroska
)

var formats = [...]struct{ contentType, ext string }{
	MP4:       {"video/mp4", ".mp4"},
	WebM:      {"video/webm", ".webm"},
	QuickTime: {"video/quicktime", ".mov"},
	Matroska:  {"video/x-matroska", ".mkv"},
}

// ContentType is the format's media type, e.g. "video/mp4".
func (f Format) ContentType() string {
	if int(f) >= len(formats) {
		return ""
	}
	return formats[f].contentType
}

// Ext is the format's key extension, e.g. ".mp4".
func (f Format) Ext() string {
	if int(f) >= len(formats) {
		return ""
	}
	return formats[f].ext
}

// Mail trims and lower-cases raw and returns it if it is a plain address:
// no display name, no comments, no quoted local part, no IP-literal domain,
// and a dotted host name as the domain.
func Mail(raw string) (string, error) {
	m, at, err := normaliseMail(raw)
	if err != nil {
		return "", err
	}
	// Most addresses are a dot-atom of ASCII at a host name, which
	// net/mail would return unchanged; it is asked about the rest.
	if !isDotAtom(m[:at]) && !parsesUnchanged(m) {
		return "", ErrMailInvalid
	}
	return m, nil
}

// normaliseMail trims and lower-cases raw and checks what every address
// needs whatever its local part: it is given, not too long, and ends in
// "@" and a host name. It returns the address and the index of that "@".
func normaliseMail(raw string) (m string, at int, err error) {
	m = strings.ToLower(strings.TrimSpace(raw))
	if m == "" {
		return "", 0, ErrMailMissing
	}
	if len(m) > MaxMailBytes {
		return "", 0, ErrMailInvalid
	}
	at = strings.LastIndexByte(m, '@')
	if at <= 0 || !isHostName(m[at+1:]) {
		return "", 0, ErrMailInvalid
	}
	return m, at, nil
}

// parsesUnchanged reports whether net/mail reads m as a bare address and
// gives it back as it was. net/mail rewrites what it parses ("<x@a.com>",
// comments, quoted local parts); accepting only an identical round trip
// rules all of that out.
func parsesUnchanged(m string) bool {
	a, err := mail.ParseAddress(m)
	return err == nil && a.Name == "" && a.Address == m
}

// isDotAtom reports whether s is an RFC 5322 dot-atom of printable ASCII:
// atext (anything printable but specials) in dot-separated runs, as
// net/mail's parser takes a local part.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !atext[c] && (c != '.' || s[i-1] == '.') {
			return false
		}
	}
	return true
}

// atext marks RFC 5322's atext in ASCII: printable, not a special.
var atext = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`()<>[]:;@\,".`, c)
	}
	return t
}()

// isHostName reports whether s is a dotted DNS host name of at least two
// labels whose last label is not numeric.
func isHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := 0
	for l := range strings.SplitSeq(s, ".") {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
		labels++
	}
	tld := s[strings.LastIndexByte(s, '.')+1:]
	return labels >= 2 && strings.Trim(tld, "0123456789") != ""
}

// Stem is the lower-case hex of the 10-byte BLAKE2b digest of the mail's
// UTF-8 bytes. It names a mail without revealing it, in keys and in logs.
func Stem(mail string) string { return Digest(mail).Stem() }

// Stem is the digest in lower-case hex, as keys and logs name a mail.
func (id ID) Stem() string {
	var out [2 * StemBytes]byte
	hex.Encode(out[:], id[:])
	return string(out[:])
}

// ID is a mail's digest: what Stem writes in hex.
type ID [StemBytes]byte

// Digest is the BLAKE2b digest Stem writes in hex. Keys are named by it,
// so two mails with one digest would share their keys: at 80 bits that
// needs about 10^12 mails.
func Digest(mail string) ID {
	d := digesters.Get().(*digester)
	d.h.Reset()
	// Through a buffer of the digester's: converting mail to a slice
	// would allocate, the hash being behind an interface.
	for len(mail) > 0 {
		n := copy(d.in[:], mail)
		d.h.Write(d.in[:n])
		mail = mail[n:]
	}
	d.h.Sum(d.out[:0])
	id := d.out
	digesters.Put(d)
	return id
}

// digester is a BLAKE2b state with buffers for its input and output, all
// reused: Digest runs on every request and allocates nothing.
type digester struct {
	h   hash.Hash
	in  [MaxMailBytes]byte
	out ID // Sum appends within its capacity
}

var digesters = sync.Pool{New: func() any {
	h, err := blake2b.New(StemBytes, nil)
	if err != nil {
		// Only a size outside 1..64 or a key over 64 bytes fails.
		panic("naming: blake2b: " + err.Error())
	}
	return &digester{h: h}
}}

// ParseType validates a media type such as "video/webm;codecs=vp9,opus",
// dropping its parameters. An empty raw means MP4.
func ParseType(raw string) (Format, error) {
	t, _, _ := strings.Cut(raw, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	if t == "" {
		return MP4, nil
	}
	for f := MP4; f <= Matroska; f++ {
		if formats[f].contentType == t {
			return f, nil
		}
	}
	return 0, ErrType
}

// Segment unescapes one path segment (routers match on the raw path, so
// "%2E%2E" arrives escaped) and validates it as a project or step name.
func Segment(raw string) (string, error) {
	s, err := url.PathUnescape(raw)
	if err != nil || len(s) == 0 || len(s) > 64 || s == "." || s == ".." {
		return "", ErrSegment
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", ErrSegment
		}
	}
	return s, nil
}

// Key builds prefix + dir + stem + n + ext, where n is written only when it
// is not zero: the first key of a mail is "<stem>.mp4", the second
// "<stem>1.mp4". dir is "" or "project/step/".
func Key(prefix, dir, stem string, n int, ext string) string {
	var b strings.Builder
	b.Grow(len(prefix) + len(dir) + len(stem) + 20 + len(ext))
	b.WriteString(prefix)
	b.WriteString(dir)
	b.WriteString(stem)
	if n != 0 {
		b.WriteString(strconv.Itoa(n))
	}
	b.WriteString(ext)
	return b.String()
}
