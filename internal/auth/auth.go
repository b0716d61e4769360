// Package auth checks HTTP basic-auth credentials for the /videos endpoint.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Verifier decides whether a user name and password may pass.
type Verifier interface {
	Verify(user, password string) bool
}

// SameAsUser is the seed's rule: any non-empty user whose password equals
// the user name. It is for development only.
type SameAsUser struct{}

var _ Verifier = SameAsUser{}

// Verify implements Verifier in constant time.
func (SameAsUser) Verify(user, password string) bool {
	return user != "" && subtle.ConstantTimeCompare([]byte(user), []byte(password)) == 1
}

// ParseUsers reads htpasswd-style "user:bcrypt-hash" entries separated by
// commas or newlines. Blank lines and lines starting with # are ignored.
func ParseUsers(text string) (map[string][]byte, error) {
	users := make(map[string][]byte)
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' })
	for i, entry := range fields {
		entry = strings.TrimSpace(entry)
		if entry == "" || strings.HasPrefix(entry, "#") {
			continue
		}
		user, hash, ok := strings.Cut(entry, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("entry %d: want user:bcrypt-hash", i+1)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			// The hash is not echoed: it is a secret too.
			return nil, fmt.Errorf("entry %d (user %q): not a bcrypt hash: %w", i+1, user, err)
		}
		if _, dup := users[user]; dup {
			return nil, fmt.Errorf("entry %d: user %q listed twice", i+1, user)
		}
		users[user] = []byte(hash)
	}
	if len(users) == 0 {
		return nil, errors.New("no users")
	}
	return users, nil
}

// Users checks passwords against bcrypt hashes. A successful check is
// remembered for a short while, so a client that sends the same
// credentials on every request pays for bcrypt once, not every time.
type Users struct {
	users map[string][]byte
	dummy []byte // compared against for unknown users, to take as long
	salt  [32]byte
	ttl   time.Duration
	max   int
	now   func() time.Time

	mu    sync.Mutex
	cache map[[32]byte]time.Time // digest of user and password → expiry
}

var _ Verifier = (*Users)(nil)

// NewUsers returns a Verifier for users (from ParseUsers). Successful
// checks are cached for ttl, at most maxCached of them.
func NewUsers(users map[string][]byte, ttl time.Duration, maxCached int) *Users {
	u := &Users{users: users, ttl: ttl, max: maxCached, now: time.Now, cache: make(map[[32]byte]time.Time)}
	if _, err := rand.Read(u.salt[:]); err != nil {
		panic("auth: crypto/rand: " + err.Error()) // never fails on supported platforms
	}
	// The dummy costs as much as the dearest real hash.
	cost := bcrypt.MinCost
	for _, h := range users {
		if c, err := bcrypt.Cost(h); err == nil {
			cost = max(cost, c)
		}
	}
	dummy, err := bcrypt.GenerateFromPassword(u.salt[:16], cost)
	if err != nil {
		panic("auth: bcrypt: " + err.Error())
	}
	u.dummy = dummy
	return u
}

// Verify implements Verifier.
func (u *Users) Verify(user, password string) bool {
	digest := u.digest(user, password)
	now := u.now()
	u.mu.Lock()
	exp, hit := u.cache[digest]
	u.mu.Unlock()
	if hit && now.Before(exp) {
		return true
	}

	hash, known := u.users[user]
	if !known {
		// Same work as for a real user, so timing does not tell
		// whether the user exists.
		hash = u.dummy
	}
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && known
	if ok {
		u.remember(digest, now.Add(u.ttl))
	}
	return ok
}

func (u *Users) digest(user, password string) [32]byte {
	h := sha256.New()
	h.Write(u.salt[:])
	h.Write([]byte(user))
	h.Write([]byte{0})
	h.Write([]byte(password))
	var d [32]byte
	h.Sum(d[:0])
	return d
}

func (u *Users) remember(d [32]byte, exp time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.cache) >= u.max {
		now := u.now()
		for k, e := range u.cache {
			if !now.Before(e) {
				delete(u.cache, k)
			}
		}
		for k := range u.cache { // still full: drop arbitrary entries
			if len(u.cache) < u.max {
				break
			}
			delete(u.cache, k)
		}
	}
	u.cache[d] = exp
}
