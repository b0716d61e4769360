package store

import (
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vidrop/vidrop/internal/naming"
)

// BenchmarkMemoryPerKey records 1 million keys over 250,000 mails and
// reports the heap it takes per key, everything included: the figure to
// size STORE_MAX_MAILS and STORE_MAX_KEYS_PER_MAIL with.
func BenchmarkMemoryPerKey(b *testing.B) {
	const mails, keys = 250_000, 1_000_000
	addrs := make([]string, mails)
	for i := range addrs {
		addrs[i] = "someone." + strconv.Itoa(i) + "@example.com"
	}
	at := time.Now()
	var perKey float64
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()

		m := NewMemory(Limits{})
		for i := range keys {
			r, err := m.Reserve(naming.Digest(addrs[i%mails]))
			if err != nil {
				b.Fatal(err)
			}
			m.Commit(r, naming.MP4, "", at)
		}

		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		perKey = float64(after.HeapAlloc-before.HeapAlloc) / keys
		runtime.KeepAlive(m)
		b.StartTimer()
	}
	b.ReportMetric(perKey, "B/key")
}

// BenchmarkReserveCommitParallel measures Reserve and Commit contending
// for the store's shard locks with at least 32 writers, as many as the
// load test's connections, whatever GOMAXPROCS is.
func BenchmarkReserveCommitParallel(b *testing.B) {
	m := NewMemory(Limits{})
	mails := make([]naming.ID, 10_000)
	for i := range mails {
		mails[i] = naming.Digest("p" + strconv.Itoa(i) + "@example.com")
	}
	var mu sync.Mutex
	next := 0
	at := time.Now()
	const writers = 32
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((writers + procs - 1) / procs)
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		i := next
		next += 7919
		mu.Unlock()
		for pb.Next() {
			i++
			r, err := m.Reserve(mails[i%len(mails)])
			if err != nil {
				b.Error(err) // not Fatal: this is not the benchmark's goroutine
				return
			}
			m.Commit(r, naming.MP4, "", at)
		}
	})
}
