// Package apptest runs vidrop in-process on a loopback port for tests, the
// way main does, and stops it when the test ends.
package apptest

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/vidrop/vidrop/internal/app"
	"github.com/vidrop/vidrop/internal/config"
	"github.com/vidrop/vidrop/internal/seaweedtest"
)

// Logs collects the server's log lines, written by concurrent requests.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Server is a running vidrop.
type Server struct {
	// URL is its base URL, http://127.0.0.1:PORT.
	URL  string
	Logs *Logs
}

// Listen opens a loopback listener, for tests that need the address before
// the server starts.
func Listen(tb testing.TB) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return ln
}

// Start runs vidrop configured by env on a new loopback listener.
func Start(tb testing.TB, env []string, opts ...app.Option) *Server {
	tb.Helper()
	return Serve(tb, Listen(tb), env, opts...)
}

// Serve runs vidrop configured by env on ln until the test ends, then shuts
// it down and fails the test if that did not go cleanly.
func Serve(tb testing.TB, ln net.Listener, env []string, opts ...app.Option) *Server {
	tb.Helper()
	cfg, err := config.Load(env)
	if err != nil {
		tb.Fatal(err)
	}
	logs := &Logs{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(tb.Context(), cfg, logger, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Serve(ctx, ln) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	return &Server{URL: "http://" + ln.Addr().String(), Logs: logs}
}

// SeaweedEnv configures vidrop for the SeaweedFS server sw, plus extra.
func SeaweedEnv(sw *seaweedtest.Server, extra ...string) []string {
	return append([]string{"S3_BUCKET=" + sw.Bucket, "S3_ENDPOINT=" + sw.Endpoint, "S3_PATH_STYLE=true"}, extra...)
}

// SeaweedKeys makes vidrop sign with the SeaweedFS test identity's keys.
func SeaweedKeys() app.Option {
	return app.WithCredentials(credentials.NewStaticCredentialsProvider(seaweedtest.AccessKey, seaweedtest.SecretKey, ""))
}
