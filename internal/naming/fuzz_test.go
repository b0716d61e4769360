package naming

import (
	"net/mail"
	"strings"
	"testing"
)

// FuzzMail checks that whatever Mail accepts is already normalised, parses
// back to itself and has a dotted host name as its domain.
func FuzzMail(f *testing.F) {
	for _, s := range []string{
		"eduard@orkei.com", " Eduard@Orkei.COM ", "<x@a.com>", "x@[1.2.3.4]",
		`"quoted"@a.com`, "a@b.c", "a(b)@c.com", "ü@ü.com", "a@b.com.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		m, err := Mail(raw)
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
