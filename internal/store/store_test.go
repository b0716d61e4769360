package store

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestReserveCommitOrder(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 3 {
		r := m.Reserve("a@b.com")
		if r.N != i {
			t.Fatalf("reservation %d got N=%d", i, r.N)
		}
		m.Commit(r, fmt.Sprintf("k%d", r.N), at.Add(time.Duration(i)*time.Second))
	}
	got, ok := m.Keys("a@b.com")
	if !ok || len(got) != 3 {
		t.Fatalf("Keys = %v, %v", got, ok)
	}
	for i, rec := range got {
		if rec.Key != fmt.Sprintf("k%d", i) || !rec.IssuedAt.Equal(at.Add(time.Duration(i)*time.Second)) {
			t.Errorf("record %d = %+v", i, rec)
		}
	}
	// The copy is the caller's.
	got[0].Key = "changed"
	again, _ := m.Keys("a@b.com")
	if again[0].Key != "k0" {
		t.Errorf("Keys returned shared memory")
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		steps    func(m *Memory)
		wantNext int
		wantLen  int
	}{
		{
			name: "cancel of the only reservation leaves no trace",
			steps: func(m *Memory) {
				m.Cancel(m.Reserve("a@b.com"))
			},
			wantNext: 0, wantLen: 0,
		},
		{
			name: "cancel of the latest gives the number back",
			steps: func(m *Memory) {
				m.Commit(m.Reserve("a@b.com"), "k0", time.Now())
				m.Cancel(m.Reserve("a@b.com"))
			},
			wantNext: 1, wantLen: 1,
		},
		{
			name: "cancel of an older reservation skips its number",
			steps: func(m *Memory) {
				r0 := m.Reserve("a@b.com")
				r1 := m.Reserve("a@b.com")
				m.Cancel(r0)
				m.Commit(r1, "k1", time.Now())
			},
			wantNext: 2, wantLen: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := NewMemory()
			tt.steps(m)
			if m.Len() != tt.wantLen {
				t.Errorf("Len = %d, want %d", m.Len(), tt.wantLen)
			}
			if r := m.Reserve("a@b.com"); r.N != tt.wantNext {
				t.Errorf("next N = %d, want %d", r.N, tt.wantNext)
			}
		})
	}
}

func TestKeysUnknown(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	if _, ok := m.Keys("nobody@b.com"); ok {
		t.Error("unknown mail reported as known")
	}
	m.Reserve("pending@b.com")
	if _, ok := m.Keys("pending@b.com"); ok {
		t.Error("mail with only a pending reservation reported as known")
	}
}

// TestConcurrentReservationsAreDistinct is meant for -race.
func TestConcurrentReservationsAreDistinct(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	const workers, each = 16, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r := m.Reserve("a@b.com")
				if (w+i)%7 == 0 {
					m.Cancel(r)
					continue
				}
				m.Commit(r, fmt.Sprint(r.N), time.Now())
				m.Keys("a@b.com")
			}
		})
	}
	wg.Wait()
	recs, _ := m.Keys("a@b.com")
	seen := make(map[string]bool, len(recs))
	for _, r := range recs {
		if seen[r.Key] {
			t.Fatalf("key %s issued twice", r.Key)
		}
		seen[r.Key] = true
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
