package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"vidrop"}, []string{"UPLOAD_EXPIRES=200h"}, "168h"},
		{[]string{"vidrop"}, []string{"UPLOAD_ACL=everyone"}, "UPLOAD_ACL"},
		{[]string{"vidrop"}, []string{"BASIC_AUTH_USERS=alice:notahash"}, "bcrypt"},
		{[]string{"vidrop", "serve-please"}, nil, "unknown command"},
	}
	for _, tt := range tests {
		err := run(t.Context(), tt.args, tt.env, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%v, %v) = %v, want an error mentioning %q", tt.args, tt.env, err, tt.want)
		}
	}
}

// TestRunServesAndStops starts the program as main does, on a free port,
// and stops it the way SIGTERM would: by cancelling its context.
func TestRunServesAndStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"vidrop"}, []string{"LISTEN_ADDR=127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()

	// The "listening" log line says where.
	lines := bufio.NewScanner(pr)
	var addr string
	for addr == "" && lines.Scan() {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal(lines.Bytes(), &rec) == nil && rec.Msg == "listening" {
			addr = rec.Addr
		}
	}
	if addr == "" {
		t.Fatalf("no listening line; run returned %v", <-errc)
	}
	go io.Copy(io.Discard, pr)

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("run after shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}
