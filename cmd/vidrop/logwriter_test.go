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

func TestFlushWriterFlushesOnItsOwn(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	f := newFlushWriter(&out, 10*time.Millisecond)
	defer f.Close()
	f.Write([]byte("line\n"))
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != "line\n" {
		if time.Now().After(deadline) {
			t.Fatal("buffered line never written")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
