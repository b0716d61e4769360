package main

import (
	"bytes"
	"testing"
	"time"
)

func TestFlushWriter(t *testing.T) {
	t.Parallel()
	// Only Close flushes here (the ticker never fires), so every write to
	// out happens on this goroutine.
	var out bytes.Buffer
	f := newFlushWriter(&out, time.Hour)
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
