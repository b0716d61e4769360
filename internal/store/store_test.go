package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vidrop/vidrop/internal/naming"
)

func TestReserveCommitOrder(t *testing.T) {
	t.Parallel()
	m := NewMemory(Limits{})
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 3 {
		r := mustReserve(t, m, "a@b.com")
		if r.N != i {
			t.Fatalf("reservation %d got N=%d", i, r.N)
		}
		m.Commit(r, naming.WebM, fmt.Sprintf("p/s%d/", r.N), at.Add(time.Duration(i)*time.Second))
	}
	got, ok := m.Keys(naming.Digest("a@b.com"))
	if !ok || len(got) != 3 {
		t.Fatalf("Keys = %v, %v", got, ok)
	}
	for i, rec := range got {
		want := Record{N: i, Format: naming.WebM, Dir: fmt.Sprintf("p/s%d/", i), IssuedAt: at.Add(time.Duration(i) * time.Second)}
		if rec.N != want.N || rec.Format != want.Format || rec.Dir != want.Dir || !rec.IssuedAt.Equal(want.IssuedAt) {
			t.Errorf("record %d = %+v, want %+v", i, rec, want)
		}
	}
	// The copy is the caller's.
	got[0].Dir = "changed"
	again, _ := m.Keys(naming.Digest("a@b.com"))
	if again[0].Dir != "p/s0/" {
		t.Errorf("Keys returned shared memory")
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		steps    func(t *testing.T, m *Memory)
		wantNext int
		wantLen  int
	}{
		{
			name: "cancel of the only reservation leaves no trace",
			steps: func(t *testing.T, m *Memory) {
				m.Cancel(mustReserve(t, m, "a@b.com"))
			},
			wantNext: 0, wantLen: 0,
		},
		{
			name: "cancel of the latest gives the number back",
			steps: func(t *testing.T, m *Memory) {
				m.Commit(mustReserve(t, m, "a@b.com"), naming.MP4, "", time.Now())
				m.Cancel(mustReserve(t, m, "a@b.com"))
			},
			wantNext: 1, wantLen: 1,
		},
		{
			name: "cancel of an older reservation skips its number",
			steps: func(t *testing.T, m *Memory) {
				r0 := mustReserve(t, m, "a@b.com")
				r1 := mustReserve(t, m, "a@b.com")
				m.Cancel(r0)
				m.Commit(r1, naming.MP4, "", time.Now())
			},
			wantNext: 2, wantLen: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := NewMemory(Limits{})
			tt.steps(t, m)
			if m.Len() != tt.wantLen {
				t.Errorf("Len = %d, want %d", m.Len(), tt.wantLen)
			}
			if r := mustReserve(t, m, "a@b.com"); r.N != tt.wantNext {
				t.Errorf("next N = %d, want %d", r.N, tt.wantNext)
			}
		})
	}
}

func TestKeysUnknown(t *testing.T) {
	t.Parallel()
	m := NewMemory(Limits{})
	if _, ok := m.Keys(naming.Digest("nobody@b.com")); ok {
		t.Error("unknown mail reported as known")
	}
	mustReserve(t, m, "pending@b.com")
	if _, ok := m.Keys(naming.Digest("pending@b.com")); ok {
		t.Error("mail with only a pending reservation reported as known")
	}
}

// TestConcurrentReservationsAreDistinct is meant for -race.
func TestConcurrentReservationsAreDistinct(t *testing.T) {
	t.Parallel()
	m := NewMemory(Limits{})
	const workers, each = 16, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				// Not mustReserve: FailNow belongs to the test's goroutine.
				r, err := m.Reserve(naming.Digest("a@b.com"))
				if err != nil {
					t.Errorf("Reserve: %v", err)
					return
				}
				if (w+i)%7 == 0 {
					m.Cancel(r)
					continue
				}
				m.Commit(r, naming.MP4, "", time.Now())
				m.Keys(naming.Digest("a@b.com"))
			}
		})
	}
	wg.Wait()
	recs, _ := m.Keys(naming.Digest("a@b.com"))
	seen := make(map[int]bool, len(recs))
	for _, r := range recs {
		if seen[r.N] {
			t.Fatalf("number %d issued twice", r.N)
		}
		seen[r.N] = true
	}
	var cancelled int
	for w := range workers {
		for i := range each {
			if (w+i)%7 == 0 {
				cancelled++
			}
		}
	}
	if want := workers*each - cancelled; len(recs) != want {
		t.Errorf("recorded %d keys, want %d", len(recs), want)
	}
}

func mustReserve(tb testing.TB, m *Memory, mail string) Reservation {
	tb.Helper()
	r, err := m.Reserve(naming.Digest(mail))
	if err != nil {
		tb.Fatalf("Reserve(%s): %v", mail, err)
	}
	return r
}

func TestLimits(t *testing.T) {
	t.Parallel()
	m := NewMemory(Limits{MaxMails: 2, MaxKeysPerMail: 3})
	for i := range 3 {
		m.Commit(mustReserve(t, m, "a@b.com"), naming.MP4, fmt.Sprint(i), time.Now())
	}
	if _, err := m.Reserve(naming.Digest("a@b.com")); !errors.Is(err, ErrTooManyKeys) {
		t.Errorf("4th key: %v", err)
	}
	mustReserve(t, m, "c@d.com")
	if _, err := m.Reserve(naming.Digest("e@f.com")); !errors.Is(err, ErrTooManyMails) {
		t.Errorf("3rd mail: %v", err)
	}
	if m.Len() != 2 {
		t.Errorf("Len = %d after refusals", m.Len())
	}
	if recs, _ := m.Keys(naming.Digest("a@b.com")); len(recs) != 3 {
		t.Errorf("keys = %v", recs)
	}
}

func TestManyDirectoriesKeepTheirNames(t *testing.T) {
	t.Parallel()
	m := NewMemory(Limits{})
	const n = maxDirs + 100 // past the shared table
	for i := range n {
		m.Commit(mustReserve(t, m, "a@b.com"), naming.WebM, fmt.Sprintf("p%d/s/", i), time.Unix(int64(i), 0))
	}
	m.Commit(mustReserve(t, m, "c@d.com"), naming.MP4, "", time.Unix(0, 0))
	recs, ok := m.Keys(naming.Digest("a@b.com"))
	if !ok || len(recs) != n {
		t.Fatalf("%d records", len(recs))
	}
	for _, i := range []int{0, 1, maxDirs - 2, maxDirs - 1, maxDirs, n - 1} {
		if want := fmt.Sprintf("p%d/s/", i); recs[i].Dir != want || recs[i].N != i || recs[i].IssuedAt.Unix() != int64(i) {
			t.Errorf("record %d = %+v, want dir %s", i, recs[i], want)
		}
	}
	if recs, _ := m.Keys(naming.Digest("c@d.com")); len(recs) != 1 || recs[0].Dir != "" || recs[0].Format != naming.MP4 {
		t.Errorf("other mail = %+v", recs)
	}
}
