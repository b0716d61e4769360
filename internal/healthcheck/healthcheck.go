// Package healthcheck asks a running vidrop whether it is alive. The image
// is distroless (no shell, no curl), so container health checks run the
// binary itself: `vidrop healthcheck`.
package healthcheck

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Timeout bounds one check. Health-check timeouts in the Dockerfile,
// docker-compose.yml and the ECS task definition must be longer.
const Timeout = 2 * time.Second

// URL returns the /healthz URL of a server listening on listenAddr. An
// empty or wildcard host means the server listens on every interface, so
// the check asks loopback.
func URL(listenAddr string) (string, error) {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "", fmt.Errorf("LISTEN_ADDR %q: %w", listenAddr, err)
	}
	if port == "" || port == "0" {
		return "", fmt.Errorf("LISTEN_ADDR %q names no fixed port to check", listenAddr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// Checker sends the requests.
type Checker struct {
	client *http.Client
}

// New returns a Checker that gives up after timeout. It never uses a
// proxy and never reuses connections.
func New(timeout time.Duration) *Checker {
	return &Checker{client: &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		// A redirect is not a 200 from /healthz.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Check returns nil only when url answers 200.
func (c *Checker) Check(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// The connection is not reused, so the body is left unread.
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s answered %s", url, resp.Status)
	}
	return nil
}
