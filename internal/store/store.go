// Package store keeps, in memory, the keys issued for each mail address.
//
// Issuing a key is a two-step affair so that no lock is held while a key is
// being signed: Reserve hands out the next number for a mail, then Commit
// records the key or Cancel gives the number back. Numbers are never handed
// out twice, so concurrent requests for one mail always get distinct keys.
package store

import (
	"errors"
	"sync"
	"time"

	"github.com/vidrop/vidrop/internal/naming"
)

// Record is one issued key, as its parts: the key itself is rebuilt with
// naming.Key from the mail's stem, so the store keeps no key strings.
type Record struct {
	// N is the key's number for its mail.
	N      int
	Format naming.Format
	// Dir is "" or "project/step/".
	Dir      string
	IssuedAt time.Time
}

// record is Record as stored: 32 bytes, and Dir strings shared.
type record struct {
	dir    string
	at     int64 // unix nanoseconds
	n      uint32
	format naming.Format
}

// Reservation is a number reserved for a mail, to be committed or cancelled.
type Reservation struct {
	Mail string
	// N counts the numbers handed out to this mail before this one: 0 for
	// a mail's first key.
	N int
}

type entry struct {
	next int // the number the next reservation gets
	keys []record
}

// maxDirs bounds the table that shares Dir strings between records; past
// it, a record keeps its own copy.
const maxDirs = 4096

// Errors Reserve returns when a bound is reached. Memory is bounded so that
// a public endpoint cannot be used to fill it.
var (
	ErrTooManyMails = errors.New("store: mail limit reached")
	ErrTooManyKeys  = errors.New("store: key limit for this mail reached")
)

// Limits bound the store's memory. Zero means no bound.
type Limits struct {
	MaxMails       int
	MaxKeysPerMail int
}

// Memory is a mutex-guarded map from mail to issued keys. Its zero value is
// not usable; call NewMemory. It is safe for concurrent use.
type Memory struct {
	limits Limits
	mu     sync.Mutex
	mails  map[string]*entry
	dirs   map[string]string
}

// NewMemory returns an empty store bounded by limits.
func NewMemory(limits Limits) *Memory {
	return &Memory{limits: limits, mails: make(map[string]*entry), dirs: make(map[string]string)}
}

// Reserve hands out the next number for mail, or an error when a limit is
// reached (and then changes nothing).
func (m *Memory) Reserve(mail string) (Reservation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.mails[mail]
	if e == nil {
		if m.limits.MaxMails > 0 && len(m.mails) >= m.limits.MaxMails {
			return Reservation{}, ErrTooManyMails
		}
		e = &entry{}
		m.mails[mail] = e
	}
	if m.limits.MaxKeysPerMail > 0 && e.next >= m.limits.MaxKeysPerMail {
		return Reservation{}, ErrTooManyKeys
	}
	n := e.next
	e.next++
	return Reservation{Mail: mail, N: n}, nil
}

// Commit records the key of a reservation, made of format and dir, as
// issued at at.
func (m *Memory) Commit(r Reservation, format naming.Format, dir string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.mails[r.Mail]
	if e == nil { // a Commit without Reserve; keep it rather than lose it
		e = &entry{next: r.N + 1}
		m.mails[r.Mail] = e
	}
	if dir != "" {
		if shared, ok := m.dirs[dir]; ok {
			dir = shared
		} else if len(m.dirs) < maxDirs {
			m.dirs[dir] = dir
		}
	}
	e.keys = append(e.keys, record{dir: dir, at: at.UnixNano(), n: uint32(r.N), format: format})
}

// Cancel gives back a reserved number that was not used. When it is the
// latest number handed out, the next reservation gets it again, so a failed
// request leaves the store as it found it; otherwise the number is skipped.
func (m *Memory) Cancel(r Reservation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.mails[r.Mail]
	if e == nil {
		return
	}
	if e.next == r.N+1 {
		e.next--
	}
	if e.next == 0 && len(e.keys) == 0 {
		delete(m.mails, r.Mail)
	}
}

// Keys returns a copy of the keys issued for mail in the order they were
// committed, and whether there were any.
func (m *Memory) Keys(mail string) ([]Record, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.mails[mail]
	if e == nil || len(e.keys) == 0 {
		return nil, false
	}
	out := make([]Record, len(e.keys))
	for i, k := range e.keys {
		out[i] = Record{N: int(k.n), Format: k.format, Dir: k.dir, IssuedAt: time.Unix(0, k.at)}
	}
	return out, true
}

// Len reports how many mails have at least one reservation or key.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mails)
}
