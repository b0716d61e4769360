package main

import (
	"debug/elf"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/vidrop/vidrop/internal/buildtest"
	"github.com/vidrop/vidrop/internal/healthcheck"
)

// testStamp is the version the tests build vidrop with.
const testStamp = "v9.8.7-test"

// TestBinary builds vidrop once with the Dockerfile's build line (go build
// links anew on every call, build cache or not) and runs it as the image,
// its health checks and its orchestrator do. It does not run in parallel:
// the shutdown subtests time the process under load.
func TestBinary(t *testing.T) {
	bin := buildtest.Build(t, "../..", testStamp)

	t.Run("static", func(t *testing.T) {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("binary is dynamically linked: it will not start on distroless/static")
			}
		}
	})

	t.Run("version", func(t *testing.T) {
		out, err := exec.Command(bin, "version").Output()
		if err != nil || string(out) != testStamp+"\n" {
			t.Errorf("vidrop version = %q, %v; want %q", out, err, testStamp+"\n")
		}
	})

	t.Run("healthcheck", func(t *testing.T) {
		srv := buildtest.Serve(t, bin)
		_, port, _ := net.SplitHostPort(srv.Addr)
		for _, addr := range []string{srv.Addr, ":" + port, "[::]:" + port} {
			if code := buildtest.Healthcheck(t, bin, addr, "healthcheck"); code != 0 {
				t.Errorf("healthy server, LISTEN_ADDR=%s: exit %d, want 0", addr, code)
			}
		}
		if err := srv.Stop(); err != nil {
			t.Errorf("vidrop after SIGTERM: %v, want a clean exit", err)
		}
		if code := buildtest.Healthcheck(t, bin, srv.Addr, "healthcheck"); code != 1 {
			t.Errorf("stopped server (refused): exit %d, want 1", code)
		}

		failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		}))
		defer failing.Close()
		if code := buildtest.Healthcheck(t, bin, failing.Listener.Addr().String(), "healthcheck"); code != 1 {
			t.Errorf("server answering 500: exit %d, want 1", code)
		}

		silent, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
		start := time.Now()
		code := buildtest.Healthcheck(t, bin, silent.Addr().String(), "healthcheck")
		took := time.Since(start)
		if code != 1 {
			t.Errorf("silent server: exit %d, want 1", code)
		}
		if took < healthcheck.Timeout || took > healthcheck.Timeout+3*time.Second {
			t.Errorf("silent server: gave up after %s, want about %s", took, healthcheck.Timeout)
		}
	})

	t.Run("SIGTERM during load", func(t *testing.T) { testSIGTERMDuringLoad(t, bin) })
	t.Run("shutdown cut short", func(t *testing.T) { testShutdownCutShort(t, bin) })
}
