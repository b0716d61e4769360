// Package store keeps, in memory, the keys issued for each mail address.
//
// Issuing a key is a two-step affair so that no lock is held while a key is
// being signed: Reserve hands out the next number for a mail, then Commit
// records the key or Cancel gives the number back. Numbers are never handed
// out twice, so concurrent requests for one mail always get distinct keys.
//
// The store holds no pointers per mail or per key: mails are known by
// their 10-byte digest (the key stem, see naming.Digest), each key is a
// 24-byte record in an array, and a mail's records are chained by index.
// So it is small (the README gives the measured bytes per key), and the
// garbage collector has nothing in it to scan however large it grows.
package store

import (
	"errors"
	"math"
	"sync"
	"sync/atomic"
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

// Reservation is a number reserved for a mail, to be committed or cancelled.
type Reservation struct {
	ID naming.ID
	// N counts the numbers handed out to this mail before this one: 0 for
	// a mail's first key.
	N int
}

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

// none stands for no index: it ends a chain of records, marks an entry
// without records, and marks a record whose dir is in extra.
const none = math.MaxUint32

// entry is one mail: its next number and its chain of records.
type entry struct {
	next       uint32 // the number the next reservation gets
	head, tail uint32 // first and last record, or none
}

// record is one key: 24 bytes, no pointers.
type record struct {
	at     int64  // unix nanoseconds
	n      uint32 // the key's number
	dir    uint32 // index into dirs (0 is ""), or none: see extra
	chain  uint32 // the mail's next record, or none
	format naming.Format
}

// maxDirs bounds each shard's table of project/step directories.
const maxDirs = 1 << 12

// shards spreads mails over independent locks, by their digest's first
// byte, so that concurrent requests for different mails rarely wait.
const shards = 16

// Memory is a map from mail to issued keys, in mutex-guarded shards. Its
// zero value is not usable; call NewMemory. It is safe for concurrent use.
type Memory struct {
	limits Limits
	mails  atomic.Int64 // mails in all shards
	shards [shards]shard
}

type shard struct {
	mu      sync.Mutex
	index   map[naming.ID]uint32 // mail → entry
	entries []entry
	free    []uint32 // entries to reuse
	recs    []record
	dirs    []string          // dirs[0] is ""
	dirIdx  map[string]uint32 // dir → index in dirs, for every dir but ""
	// extra holds the directories of records made once dirs was full,
	// by record index; only input beyond maxDirs distinct directories
	// lands here.
	extra map[uint32]string
}

// NewMemory returns an empty store bounded by limits.
func NewMemory(limits Limits) *Memory {
	m := &Memory{limits: limits}
	for i := range m.shards {
		m.shards[i] = shard{
			index:  make(map[naming.ID]uint32),
			dirs:   []string{""},
			dirIdx: make(map[string]uint32),
			extra:  make(map[uint32]string),
		}
	}
	return m
}

func (m *Memory) shard(id naming.ID) *shard { return &m.shards[id[0]%shards] }

// Reserve hands out the next number for the mail whose digest is id, or an
// error when a limit is reached (and then changes nothing).
func (m *Memory) Reserve(id naming.ID) (Reservation, error) {
	sh := m.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, known := sh.index[id]
	if !known {
		if n := m.mails.Add(1); m.limits.MaxMails > 0 && n > int64(m.limits.MaxMails) {
			m.mails.Add(-1)
			return Reservation{}, ErrTooManyMails
		}
		i = sh.newEntry(id)
	}
	// A new entry's next is 0, under both bounds: only a known mail is
	// refused here, and no new entry is left to drop.
	e := &sh.entries[i]
	if m.limits.MaxKeysPerMail > 0 && int(e.next) >= m.limits.MaxKeysPerMail || e.next == none-1 {
		return Reservation{}, ErrTooManyKeys
	}
	n := e.next
	e.next++
	return Reservation{ID: id, N: int(n)}, nil
}

// newEntry makes an entry without records for the mail whose digest is id
// and returns its index; dropEntry undoes it.
func (sh *shard) newEntry(id naming.ID) uint32 {
	e := entry{head: none, tail: none}
	var i uint32
	if k := len(sh.free); k > 0 {
		i = sh.free[k-1]
		sh.free = sh.free[:k-1]
		sh.entries[i] = e
	} else {
		i = uint32(len(sh.entries))
		sh.entries = append(sh.entries, e)
	}
	sh.index[id] = i
	return i
}

func (sh *shard) dropEntry(id naming.ID, i uint32) {
	delete(sh.index, id)
	sh.free = append(sh.free, i)
}

// Commit records the key of a reservation, made of format and dir, as
// issued at at.
func (m *Memory) Commit(r Reservation, format naming.Format, dir string, at time.Time) {
	sh := m.shard(r.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, known := sh.index[r.ID]
	if !known { // a Commit without Reserve; keep it rather than lose it
		m.mails.Add(1)
		i = sh.newEntry(r.ID)
		sh.entries[i].next = uint32(r.N) + 1
	}
	ri := uint32(len(sh.recs))
	rec := record{at: at.UnixNano(), n: uint32(r.N), chain: none, format: format}
	if dir != "" {
		d, ok := sh.dirIdx[dir]
		switch {
		case ok:
			rec.dir = d
		case len(sh.dirs) < maxDirs:
			rec.dir = uint32(len(sh.dirs))
			sh.dirIdx[dir] = rec.dir
			sh.dirs = append(sh.dirs, dir)
		default:
			rec.dir = none
			sh.extra[ri] = dir
		}
	}
	sh.recs = append(sh.recs, rec)
	e := &sh.entries[i]
	if e.tail == none {
		e.head = ri
	} else {
		sh.recs[e.tail].chain = ri
	}
	e.tail = ri
}

// Cancel gives back a reserved number that was not used. When it is the
// latest number handed out, the next reservation gets it again, so a failed
// request leaves the store as it found it; otherwise the number is skipped.
func (m *Memory) Cancel(r Reservation) {
	sh := m.shard(r.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, known := sh.index[r.ID]
	if !known {
		return
	}
	e := &sh.entries[i]
	if e.next == uint32(r.N)+1 {
		e.next--
	}
	if e.next == 0 && e.head == none {
		sh.dropEntry(r.ID, i)
		m.mails.Add(-1)
	}
}

// Keys returns, in a new slice, the keys issued for the mail whose digest
// is id, in the order they were committed, and whether there were any.
func (m *Memory) Keys(id naming.ID) ([]Record, bool) {
	sh := m.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, known := sh.index[id]
	if !known || sh.entries[i].head == none {
		return nil, false
	}
	var out []Record
	for ri := sh.entries[i].head; ri != none; ri = sh.recs[ri].chain {
		rec := sh.recs[ri]
		var dir string
		if rec.dir == none {
			dir = sh.extra[ri]
		} else {
			dir = sh.dirs[rec.dir]
		}
		out = append(out, Record{N: int(rec.n), Format: rec.format, Dir: dir, IssuedAt: time.Unix(0, rec.at)})
	}
	return out, true
}

// Len reports how many mails have at least one reservation or key.
func (m *Memory) Len() int { return int(m.mails.Load()) }
