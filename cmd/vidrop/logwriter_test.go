package main

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestFlushWriter(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	f := newFlushWriter(&out, time.Hour) // only Close flushes here
	f.Write([]byte("one\n"))
	f.Write([]byte("two\n"))
	if out.String() != "" {
		t.Errorf("written before a flush: %q", out.String())
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "one\ntwo\n" {
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
	out := notifyingWriter{writes: make(chan string, 1)}
	f := newFlushWriter(out, 10*time.Millisecond)
	defer f.Close()
	f.Write([]byte("line\n"))
	// Nothing but the ticker can write it out.
	select {
	case got := <-out.writes:
		if got != "line\n" {
			t.Errorf("wrote %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("buffered line never written")
	}
}
