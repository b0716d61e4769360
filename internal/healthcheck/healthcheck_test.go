package healthcheck

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr, want, err string
	}{
		{":8080", "http://127.0.0.1:8080/healthz", ""},
		{"0.0.0.0:8080", "http://127.0.0.1:8080/healthz", ""},
		{"[::]:9000", "http://127.0.0.1:9000/healthz", ""},
		{"127.0.0.1:8081", "http://127.0.0.1:8081/healthz", ""},
		{"10.1.2.3:80", "http://10.1.2.3:80/healthz", ""},
		{"[::1]:8080", "http://[::1]:8080/healthz", ""},
		{"localhost:8080", "http://localhost:8080/healthz", ""},
		{"8080", "", "LISTEN_ADDR"},
		{":0", "", "no fixed port"},
		{"", "", "LISTEN_ADDR"},
	}
	for _, tt := range tests {
		got, err := URL(tt.addr)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("URL(%q) = %q, %v; want an error mentioning %q", tt.addr, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("URL(%q) = %q, %v; want %q", tt.addr, got, err, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	status := func(code int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(code)
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/healthz"
	}
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr + "/healthz"
	}
	// silent accepts connections (the kernel does, from the backlog) but
	// never answers.
	silent := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		return "http://" + ln.Addr().String() + "/healthz"
	}
	tests := []struct {
		name string
		url  string
		want string // "" for healthy
	}{
		{"ok", status(http.StatusOK), ""},
		{"unavailable", status(http.StatusServiceUnavailable), "503"},
		{"no content", status(http.StatusNoContent), "204"},
		{"redirect", status(http.StatusFound), "302"},
		// Usually "connection refused", but the freed port may be reused.
		{"refused", refused(), "healthcheck:"},
		{"silent", silent(), "Timeout"},
	}
	c := New(200 * time.Millisecond)
	for _, tt := range tests {
		err := c.Check(t.Context(), tt.url)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Check = %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: Check = %v, want an error mentioning %q", tt.name, err, tt.want)
		}
	}
}
