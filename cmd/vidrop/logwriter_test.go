package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFlushWriter(t *testing.T) {
	t.Parallel()
	// Only Close flushes here (the ticker never fires and no batch fills),
	// so every write to out happens on this goroutine.
	var out bytes.Buffer
	f := newFlushWriter(&out, time.Hour, 1<<20, 1<<20)
	f.Write([]byte("one\n"))
	f.Write([]byte("two\n"))
	if out.String() != "" {
		t.Errorf("written before a flush: %q", out.String())
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("three\n"))
	if out.String() != "one\ntwo\nthree\n" {
		t.Errorf("after Close: %q", out.String())
	}
}

// notifyingWriter reports each write on a channel.
type notifyingWriter struct{ writes chan string }

func (w notifyingWriter) Write(p []byte) (int, error) {
	w.writes <- string(p)
	return len(p), nil
}

func TestFlushWriterFlushesOnItsOwn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		interval time.Duration
		batch    int
	}{
		{"every interval", 10 * time.Millisecond, 1 << 20},
		{"once a batch is waiting", time.Hour, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := notifyingWriter{writes: make(chan string, 1)}
			f := newFlushWriter(out, tt.interval, tt.batch, 1<<20)
			defer f.Close()
			f.Write([]byte("line\n"))
			// Only the flusher can write it out.
			select {
			case got := <-out.writes:
				if got != "line\n" {
					t.Errorf("wrote %q", got)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("buffered line never written")
			}
		})
	}
}

// gatedWriter is a log sink that stalls: every write waits until gate is
// closed. entered is closed at the first write.
type gatedWriter struct {
	gate, entered chan struct{}
	once          sync.Once
	mu            sync.Mutex
	out           bytes.Buffer
}

func newGatedWriter() *gatedWriter {
	return &gatedWriter{gate: make(chan struct{}), entered: make(chan struct{})}
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	<-w.gate
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}

func TestStalledSinkHoldsUpNoWriter(t *testing.T) {
	t.Parallel()
	sink := newGatedWriter()
	f := newFlushWriter(sink, time.Hour, 1, 1<<20)
	first := "first\n"
	f.Write([]byte(first))
	<-sink.entered // the flusher is now stuck writing the first line
	// 256 KiB more, four times what a 64 KiB buffer flushed in line would
	// take before a writer had to wait for the sink.
	line := strings.Repeat("x", 1023) + "\n"
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 256 {
			f.Write([]byte(line))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		close(sink.gate)
		t.Fatal("writes waited for a stalled log sink")
	}
	close(sink.gate)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if want := first + strings.Repeat(line, 256); sink.out.String() != want {
		t.Errorf("sink got %d bytes, want %d in order", sink.out.Len(), len(want))
	}
}

func TestFullBufferLosesNothing(t *testing.T) {
	t.Parallel()
	// With room for a few lines only and the sink stalled at first,
	// writers must wait for it; every line still arrives once, each
	// writer's in its order.
	sink := newGatedWriter()
	f := newFlushWriter(sink, time.Hour, 8, 32)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				fmt.Fprintf(f, "%d %d\n", g, i)
			}
		})
	}
	<-sink.entered
	close(sink.gate)
	wg.Wait()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, 4)
	lines := strings.Split(strings.TrimSuffix(sink.out.String(), "\n"), "\n")
	for _, l := range lines {
		var g, i int
		if _, err := fmt.Sscanf(l, "%d %d", &g, &i); err != nil || g < 0 || g >= 4 || i != next[g] {
			t.Fatalf("line %q out of order or unknown (next expected: %v)", l, next)
		}
		next[g]++
	}
	if len(lines) != 400 {
		t.Errorf("%d lines, want 400", len(lines))
	}
}
