package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/vidrop/vidrop/internal/app/apptest"
	"github.com/vidrop/vidrop/internal/naming"
	"github.com/vidrop/vidrop/internal/seaweedtest"
)

func TestServeBaseline(t *testing.T) {
	sw := seaweedtest.Start(t, "videos")
	t.Setenv("AWS_ACCESS_KEY_ID", seaweedtest.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", seaweedtest.SecretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	stem := naming.Stem("ann@example.com")
	for _, c := range []struct{ signer, key string }{
		{"sdk", stem + ".mp4"},
		{"direct", stem + ".mp4"},
		{"fixed", "fixed.mp4"}, // the same answer for every request
	} {
		t.Run(c.signer, func(t *testing.T) { testServeBaseline(t, sw, c.signer, c.key) })
	}
}

func testServeBaseline(t *testing.T, sw *seaweedtest.Server, signer, key string) {
	ln, err := listenLoopback("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serveBaseline(ctx, ln, signer, apptest.SeaweedEnv(sw)) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/presignedurl?mail=ann%40example.com")
	if err != nil {
		t.Fatal(err)
	}
	var ans struct {
		URL    string            `json:"url"`
		Fields map[string]string `json:"fields"`
	}
	err = json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("presign: %d %v", resp.StatusCode, err)
	}
	if ans.Fields["key"] != key || ans.Fields["policy"] == "" || !strings.HasPrefix(ans.URL, sw.Endpoint) {
		t.Errorf("answer %+v: want a policy for key %s at %s", ans, key, sw.Endpoint)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

func TestBaselineRefusals(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "example.com:80", "nonsense"} {
		if ln, err := listenLoopback(addr); err == nil {
			ln.Close()
			t.Errorf("%s: accepted", addr)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := serveBaseline(t.Context(), ln, "sdk", nil); err == nil || !strings.Contains(err.Error(), "S3_BUCKET") {
		t.Errorf("no bucket: %v", err)
	}
	if err := serveBaseline(t.Context(), ln, "fast", nil); err == nil || !strings.Contains(err.Error(), "sdk, direct or fixed") {
		t.Errorf("unknown signer: %v", err)
	}
}
