package naming

import (
	"errors"
	"net/mail"
	"strings"
	"testing"
)

// FuzzMail checks that Mail decides as net/mail alone would, and that
// whatever it accepts is already normalised, parses back to itself and has
// a dotted host name as its domain.
func FuzzMail(f *testing.F) {
	for _, s := range []string{
		"eduard@orkei.com", " Eduard@Orkei.COM ", "<x@a.com>", "x@[1.2.3.4]",
		`"quoted"@a.com`, "a@b.c", "a(b)@c.com", "ü@ü.com", "a@b.com.",
		"a.@b.com", ".a@b.com", "a..b@c.com", "!#$%&'*+-/=?^_`{|}~@b.com",
		"a\x7f@b.com", "a b@c.com", `a\b@c.com`, "a@b@c.com", "é@b.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		m, err := Mail(raw)
		want, wantErr := mailByNetMail(raw)
		if m != want || !errors.Is(err, wantErr) {
			t.Fatalf("Mail(%q) = %q, %v; net/mail alone: %q, %v", raw, m, err, want, wantErr)
		}
		if err != nil {
			return
		}
		if m != strings.ToLower(strings.TrimSpace(m)) || len(m) > MaxMailBytes {
			t.Fatalf("%q not normalised", m)
		}
		if again, err := Mail(m); err != nil || again != m {
			t.Fatalf("Mail(%q) = %q, %v: not idempotent", m, again, err)
		}
		a, err := mail.ParseAddress(m)
		if err != nil || a.Address != m || a.Name != "" {
			t.Fatalf("%q does not parse back: %v", m, err)
		}
		if !isHostName(m[strings.LastIndexByte(m, '@')+1:]) {
			t.Fatalf("%q has no host name domain", m)
		}
		if len(Stem(m)) != 2*StemBytes {
			t.Fatalf("bad stem")
		}
	})
}

// mailByNetMail is Mail without its fast path: every address that passes
// the common checks is parsed by net/mail and must come back unchanged.
func mailByNetMail(raw string) (string, error) {
	m, _, err := normaliseMail(raw)
	if err != nil {
		return "", err
	}
	if !parsesUnchanged(m) {
		return "", ErrMailInvalid
	}
	return m, nil
}
