package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vidrop/vidrop/internal/buildtest"
)

// stopWith sends sig to srv and returns its exit code and how long it took
// to exit, all output read.
func stopWith(t *testing.T, srv *buildtest.Server, sig os.Signal) (int, time.Duration) {
	t.Helper()
	sent := time.Now()
	if err := srv.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := srv.Wait()
	took := time.Since(sent)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, took
	case errors.As(err, &exit):
		return exit.ExitCode(), took
	default:
		t.Fatal(err)
		return -1, took
	}
}

// testSIGTERMDuringLoad sends SIGTERM to bin serving under load: every
// request it accepted is answered in full, new connections are refused
// afterwards, and it exits 0 within SHUTDOWN_TIMEOUT.
func testSIGTERMDuringLoad(t *testing.T, bin string) {
	p := buildtest.Serve(t, bin, "SHUTDOWN_TIMEOUT=10s", "PRESIGN_RATE_PER_IP=0", "PRESIGN_RATE_PER_MAIL=0",
		"STORE_MAX_KEYS_PER_MAIL=1000000")
	base := "http://" + p.Addr

	var ok, refused atomic.Int64
	var bad atomic.Value
	stop := make(chan struct{})
	warm := make(chan struct{}) // closed once the load is well under way
	var warmOnce sync.Once
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{}, Timeout: 15 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(fmt.Sprintf("%s/presignedurl?mail=w%d-%d@example.com", base, w, i%50))
				if err != nil {
					// Not accepted: the connection was refused or closed
					// before the server read the request.
					refused.Add(1)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				var ans struct{ Key string }
				if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(body, &ans) != nil || ans.Key == "" {
					bad.Store(fmt.Sprintf("status %d, body %q, err %v", resp.StatusCode, body, err))
					continue
				}
				if ok.Add(1) == 500 {
					warmOnce.Do(func() { close(warm) })
				}
			}
		})
	}
	// Let the load reach the server, then stop it in the middle.
	select {
	case <-warm:
	case <-time.After(30 * time.Second):
		t.Fatalf("load did not get going: %d answered, %d refused, %v", ok.Load(), refused.Load(), bad.Load())
	}
	code, took := stopWith(t, p, syscall.SIGTERM)
	for range 20 {
		if _, err := net.DialTimeout("tcp", p.Addr, time.Second); err == nil {
			t.Fatal("a new connection was accepted after shutdown")
		}
	}
	close(stop)
	wg.Wait()

	if code != 0 || took > 10*time.Second {
		t.Errorf("exit code %d after %s, want 0 within SHUTDOWN_TIMEOUT", code, took)
	}
	if v := bad.Load(); v != nil {
		t.Errorf("an accepted request was not answered in full: %v", v)
	}
	var served int64
	for _, line := range p.Lines() {
		if strings.Contains(line, `"route":"/presignedurl"`) && strings.Contains(line, `"status":200`) {
			served++
		}
	}
	if served != ok.Load() {
		t.Errorf("server answered %d presigns, clients received %d in full", served, ok.Load())
	}
	t.Logf("%d answered, %d refused; exit %d after %s", ok.Load(), refused.Load(), code, took)
}

// testShutdownCutShort holds an upload to bin open past SHUTDOWN_TIMEOUT:
// the process gives up, says so in its log and exits non-zero.
func testShutdownCutShort(t *testing.T, bin string) {
	p := buildtest.Serve(t, bin, "SHUTDOWN_TIMEOUT=1s")
	conn, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// An upload to the embedded store whose body never finishes.
	fmt.Fprintf(conn, "POST /s3/videos HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n", p.Addr)
	// Make sure the server has accepted it: connections are accepted in
	// order, so once a later connection is answered, the upload's is
	// open too (and counts as active for the drain).
	if resp, err := http.Get("http://" + p.Addr + "/healthz"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	code, took := stopWith(t, p, syscall.SIGTERM)
	if code == 0 {
		t.Errorf("exit code 0 although the drain was cut short")
	}
	if took < time.Second || took > 5*time.Second {
		t.Errorf("exited after %s, want about SHUTDOWN_TIMEOUT (1s)", took)
	}
	if !strings.Contains(strings.Join(p.Lines(), "\n"), "shutdown cut short") {
		t.Errorf("no log line about the cut:\n%s", strings.Join(p.Lines(), "\n"))
	}
}
