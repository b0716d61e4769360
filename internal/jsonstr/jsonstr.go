// Package jsonstr writes JSON strings exactly as encoding/json does, without
// reflection, for the hot paths that build JSON by hand (the presign
// answer and the signed policy, which must be byte-identical to
// json.Marshal's).
package jsonstr

import "unicode/utf8"

// jsonSafe marks the ASCII bytes encoding/json copies as they are into a
// string when it escapes HTML, as json.Marshal does: everything printable
// but '"', '\\', '<', '>' and '&'. DEL (0x7f) is copied too.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		switch b {
		case '"', '\\', '<', '>', '&':
		default:
			t[b] = true
		}
	}
	return t
}()

const lowerHex = "0123456789abcdef"

// Every byte of a word set to 0x01, and to 0x80.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// skipSafe steps from s[i] over eight-byte words whose bytes jsonSafe all
// marks (none non-ASCII, below 0x20, or one of '"', '\\', '<', '>', '&')
// and returns where it stopped: at a word holding another byte, or fewer
// than eight bytes before s's end. Each test is the classic bit trick:
// (v - ones) &^ v & highs is non-zero exactly when some byte of v is
// zero, and (x - n*ones) &^ x & highs when some byte of an all-ASCII x is
// below n.
func skipSafe(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		q, bs, lt, gt, amp := x^('"'*ones), x^('\\'*ones), x^('<'*ones), x^('>'*ones), x^('&'*ones)
		bad := x | (x-0x20*ones)&^x |
			(q-ones)&^q | (bs-ones)&^bs | (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
		if bad&highs != 0 {
			break
		}
	}
	return i
}

// Append appends s as json.Marshal writes a string: quoted, with
// '"' and '\\' escaped, \b \f \n \r \t in short form, every other control
// byte and '<', '>', '&' as \u00XX, U+2028 and U+2029 as \u2028 and \u2029,
// and each byte of invalid UTF-8 replaced by \ufffd.
func Append(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Safe bytes eight at a time (most strings here are long runs of
		// base64, hex and plain ASCII), the rest one at a time.
		if i = skipSafe(s, i); i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', lowerHex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
