package auth

import (
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func mustHash(tb testing.TB, pw string) string {
	tb.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		tb.Fatal(err)
	}
	return string(h)
}

func TestSameAsUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		user, pass string
		want       bool
	}{
		{"test", "test", true},
		{"test", "Test", false},
		{"test", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := (SameAsUser{}).Verify(tt.user, tt.pass); got != tt.want {
			t.Errorf("Verify(%q, %q) = %v", tt.user, tt.pass, got)
		}
	}
}

func TestParseUsers(t *testing.T) {
	t.Parallel()
	a, b := mustHash(t, "pa"), mustHash(t, "pb")
	// htpasswd -B writes $2y$; Go's bcrypt reads it.
	y := "$2y$" + strings.TrimPrefix(mustHash(t, "py"), "$2a$")
	users, err := ParseUsers("# team\nalice:" + a + ",bob:" + b + "\r\n\ncarol:" + y + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 3 {
		t.Fatalf("users = %v", users)
	}
	v := NewUsers(users, time.Minute, 10)
	if !v.Verify("carol", "py") {
		t.Error("$2y$ hash not accepted")
	}

	bad := []struct{ in, want string }{
		{"", "no users"},
		{"alice", "user:bcrypt-hash"},
		{":" + a, "user:bcrypt-hash"},
		{"alice:plaintext", "not a bcrypt hash"},
		{"alice:" + a + "\nalice:" + b, "twice"},
	}
	for _, tt := range bad {
		_, err := ParseUsers(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseUsers(%q) err = %v, want %q", tt.in, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "plaintext") {
			t.Errorf("error echoes the hash: %v", err)
		}
	}
}

func TestUsersVerify(t *testing.T) {
	t.Parallel()
	users, err := ParseUsers("alice:" + mustHash(t, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	v := NewUsers(users, time.Minute, 10)
	tests := []struct {
		user, pass string
		want       bool
	}{
		{"alice", "secret", true},
		{"alice", "secret", true}, // cached
		{"alice", "Secret", false},
		{"alice", "", false},
		{"bob", "secret", false},
		{"alice", "alice", false},
	}
	for _, tt := range tests {
		if got := v.Verify(tt.user, tt.pass); got != tt.want {
			t.Errorf("Verify(%q, %q) = %v", tt.user, tt.pass, got)
		}
	}
}

func TestCacheSkipsBcryptAndExpires(t *testing.T) {
	t.Parallel()
	users, err := ParseUsers("alice:" + mustHash(t, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := NewUsers(users, time.Minute, 2)
	v.now = func() time.Time { return now }
	if !v.Verify("alice", "secret") {
		t.Fatal("first check failed")
	}
	// With the hash gone, only the cache can say yes.
	v.users["alice"] = []byte(mustHash(t, "other"))
	if !v.Verify("alice", "secret") {
		t.Error("repeat login was not served from the cache")
	}
	now = now.Add(2 * time.Minute)
	if v.Verify("alice", "secret") {
		t.Error("cache entry outlived its ttl")
	}
	// Bounded: many distinct successes keep at most max entries.
	for _, pw := range []string{"other", "other", "other"} {
		v.Verify("alice", pw)
	}
	v.users["zed"] = []byte(mustHash(t, "z1"))
	v.Verify("zed", "z1")
	if len(v.cache) > 2 {
		t.Errorf("cache holds %d entries, max 2", len(v.cache))
	}
}

// TestUnknownUserTakesAsLong checks that a login for a user who does not
// exist costs a bcrypt comparison too, so timing does not tell which users
// exist. Without the dummy hash the unknown user would answer about a
// thousand times faster; the bound leaves room for a noisy machine.
func TestUnknownUserTakesAsLong(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("secret"), 8)
	if err != nil {
		t.Fatal(err)
	}
	v := NewUsers(map[string][]byte{"alice": h}, time.Minute, 10)
	median := func(user string) time.Duration {
		var ds []time.Duration
		for range 7 {
			start := time.Now()
			v.Verify(user, "wrong")
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	known, unknown := median("alice"), median("mallory")
	if unknown < known/3 {
		t.Errorf("unknown user answered in %s, known user in %s: timing reveals which users exist", unknown, known)
	}
}

// FuzzVerify feeds arbitrary user names and passwords through both
// verifiers: no panic, and only the right pair passes.
func FuzzVerify(f *testing.F) {
	h, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		f.Fatal(err)
	}
	v := NewUsers(map[string][]byte{"alice": h}, time.Minute, 10)
	for _, s := range [][2]string{{"alice", "s3cret"}, {"alice", ""}, {"", ""}, {"a\x00", "b"}, {"alice", "s3cret\x00"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, user, pass string) {
		if got, want := v.Verify(user, pass), user == "alice" && pass == "s3cret"; got != want {
			t.Fatalf("Users.Verify(%q, %q) = %v", user, pass, got)
		}
		if got, want := (SameAsUser{}).Verify(user, pass), user != "" && user == pass; got != want {
			t.Fatalf("SameAsUser.Verify(%q, %q) = %v", user, pass, got)
		}
	})
}
