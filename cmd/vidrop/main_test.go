package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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
		{[]string{"vidrop"}, []string{"UPLOAD_EXPIRES=168h0m1s"}, "168h"},
		{[]string{"vidrop"}, []string{"UPLOAD_ACL=everyone"}, "UPLOAD_ACL"},
		{[]string{"vidrop"}, []string{"BASIC_AUTH_USERS=alice:notahash"}, "bcrypt"},
		{[]string{"vidrop", "serve-please"}, nil, "unknown command"},
		{[]string{"vidrop", "version", "--long"}, nil, "unexpected arguments"},
		{[]string{"vidrop", "healthcheck"}, []string{"UPLOAD_EXPIRES=200h"}, "168h"},
	}
	for _, tt := range tests {
		err := run(t.Context(), tt.args, tt.env, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%v, %v) = %v, want an error mentioning %q", tt.args, tt.env, err, tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"vidrop", "version"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != version+"\n" {
		t.Errorf("version printed %q, want %q", out.String(), version+"\n")
	}
}

// startRun runs the program as main does, on a free loopback port, and
// returns its address and a function that stops it the way SIGTERM would
// (by cancelling its context) and returns run's result.
func startRun(t *testing.T, env ...string) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"vidrop"}, append([]string{"LISTEN_ADDR=127.0.0.1:0"}, env...), pw)
		pw.Close()
	}()

	// The "listening" log line says where.
	lines := bufio.NewScanner(pr)
	for addr == "" && lines.Scan() {
		var rec struct{ Msg, Addr, Version string }
		if json.Unmarshal(lines.Bytes(), &rec) == nil && rec.Msg == "listening" {
			if rec.Version != version {
				t.Errorf("listening line has version %q, want %q", rec.Version, version)
			}
			addr = rec.Addr
		}
	}
	if addr == "" {
		t.Fatalf("no listening line; run returned %v", <-errc)
	}
	go io.Copy(io.Discard, pr)
	return addr, func() error {
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after its context was cancelled")
			return nil
		}
	}
}

// TestRunServesAndStops starts the program and stops it the way SIGTERM
// would.
func TestRunServesAndStops(t *testing.T) {
	t.Parallel()
	addr, stop := startRun(t)
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Errorf("run after shutdown: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

// TestHealthcheck runs `vidrop healthcheck` against a running vidrop, a
// stopped one and a server that answers an error.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	check := func(listenAddr string) error {
		return run(t.Context(), []string{"vidrop", "healthcheck"}, []string{"LISTEN_ADDR=" + listenAddr}, io.Discard)
	}

	addr, stop := startRun(t)
	_, port, _ := net.SplitHostPort(addr)
	if err := check(addr); err != nil {
		t.Errorf("healthy server at %s: healthcheck = %v, want nil", addr, err)
	}
	// A wildcard or empty host means loopback.
	for _, a := range []string{":" + port, "0.0.0.0:" + port} {
		if err := check(a); err != nil {
			t.Errorf("healthy server, LISTEN_ADDR=%s: healthcheck = %v, want nil", a, err)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Usually "connection refused"; the freed port may also be reused
	// (even by the check's own ephemeral port), so any error will do.
	if err := check(addr); err == nil {
		t.Error("stopped server: healthcheck succeeded")
	}

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "draining", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	if err := check(failing.Listener.Addr().String()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("server answering 503: healthcheck = %v, want an error naming 503", err)
	}
	if err := check("127.0.0.1:0"); err == nil {
		t.Error("LISTEN_ADDR with port 0: healthcheck succeeded")
	}
}
