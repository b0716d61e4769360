package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/vidrop/vidrop/internal/app"
	"github.com/vidrop/vidrop/internal/app/apptest"
	"github.com/vidrop/vidrop/internal/naming"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/seaweedtest"
)

type presigned struct {
	URL    string         `json:"url"`
	Fields presign.Fields `json:"fields"` // in the order the answer lists them
	Key    string         `json:"key"`
}

func getJSON(t *testing.T, url string, user string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, user)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %d %q: %v", url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// upload posts fields (in the given order), then the file last, as a
// browser form does.
func upload(t *testing.T, url string, fields presign.Fields, content []byte) (int, string) {
	t.Helper()
	body, contentType := form(t, fields, content)
	resp, err := http.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// form encodes fields (in the given order), then the file last, as
// multipart/form-data, and returns the body and its content type.
func form(t *testing.T, fields presign.Fields, content []byte) ([]byte, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range fields {
		if err := w.WriteField(f.Name, f.Value); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "video.bin")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	return body.Bytes(), w.FormDataContentType()
}

// getPresigned fetches a presign; its Fields keep the order the JSON
// object lists them in.
func getPresigned(t *testing.T, base, query string) presigned {
	t.Helper()
	var p presigned
	if code := getJSON(t, base+"/presignedurl?"+query, "", &p); code != http.StatusOK {
		t.Fatalf("presign: status %d", code)
	}
	return p
}

func set(fields presign.Fields, name, value string) presign.Fields {
	out := make(presign.Fields, len(fields))
	copy(out, fields)
	for i := range out {
		if out[i].Name == name {
			out[i].Value = value
		}
	}
	return out
}

func videoBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// TestAgainstSeaweedFS proves the upload flow, and every restriction of the
// policy, against a real S3 server that enforces POST policies.
func TestAgainstSeaweedFS(t *testing.T) {
	sw := seaweedtest.Start(t, "videos")
	ctx := t.Context()
	vd := apptest.Start(t, apptest.SeaweedEnv(sw), apptest.SeaweedKeys())

	t.Run("ready", func(t *testing.T) {
		var body map[string]string
		if code := getJSON(t, vd.URL+"/readyz", "", &body); code != 200 {
			t.Fatalf("readyz %d %v", code, body)
		}
	})

	t.Run("upload reads back byte for byte", func(t *testing.T) {
		p := getPresigned(t, vd.URL, "mail=eduard@orkei.com")
		if p.Key != "e78b913d3d3d5eb5162a.mp4" || p.URL != sw.Endpoint+"/videos" {
			t.Fatalf("key %s url %s", p.Key, p.URL)
		}
		content := videoBytes(300_000)
		code, body := upload(t, p.URL, p.Fields, content)
		if code != http.StatusNoContent {
			t.Fatalf("upload: %d %s", code, body)
		}
		got, ct, err := sw.Object(ctx, p.Key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, content) || ct != "video/mp4" {
			t.Errorf("read back %d bytes of %s, want %d of video/mp4", len(got), ct, len(content))
		}
		// Public playback through the anonymous identity.
		resp, err := http.Get(p.URL + "/" + p.Key)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("anonymous read: %d", resp.StatusCode)
		}
		var listed map[string][]string
		if code := getJSON(t, vd.URL+"/videos?mail=eduard@orkei.com", "u", &listed); code != 200 || len(listed["eduard@orkei.com"]) != 1 || listed["eduard@orkei.com"][0] != p.Key {
			t.Errorf("videos: %d %v", code, listed)
		}
	})

	t.Run("webm in a project step", func(t *testing.T) {
		p := getPresigned(t, vd.URL, "mail=webm@orkei.com&type=video/webm%3Bcodecs%3Dvp9")
		var q presigned
		getJSON(t, vd.URL+"/presignedurl/intro/step-2/?mail=webm@orkei.com&type=video/webm", "", &q)
		if !strings.HasPrefix(q.Key, "intro/step-2/") || !strings.HasSuffix(q.Key, "1.webm") {
			t.Fatalf("key %s", q.Key)
		}
		code, body := upload(t, p.URL, p.Fields, videoBytes(1000))
		if code != http.StatusNoContent {
			t.Fatalf("upload: %d %s", code, body)
		}
		if _, ct, err := sw.Object(ctx, p.Key); err != nil || ct != "video/webm" {
			t.Errorf("object %s: %s %v", p.Key, ct, err)
		}
	})

	rejected := []struct {
		name   string
		tamper func(p presigned, fields presign.Fields) presign.Fields
	}{
		{"wrong acl", func(_ presigned, f presign.Fields) presign.Fields { return set(f, "acl", "public-read-write") }},
		{"missing acl", func(_ presigned, f presign.Fields) presign.Fields {
			var out presign.Fields
			for _, x := range f {
				if x.Name != "acl" {
					out = append(out, x)
				}
			}
			return out
		}},
		{"different key", func(_ presigned, f presign.Fields) presign.Fields { return set(f, "key", "someone-else.mp4") }},
		{"different content type", func(_ presigned, f presign.Fields) presign.Fields { return set(f, "Content-Type", "text/html") }},
		{"tampered policy", func(p presigned, f presign.Fields) presign.Fields {
			policy, _ := p.Fields.Get("policy")
			raw, _ := base64.StdEncoding.DecodeString(policy)
			raw = bytes.Replace(raw, []byte(`"content-length-range",1,1073741824`), []byte(`"content-length-range",1,9999999999`), 1)
			return set(f, "policy", base64.StdEncoding.EncodeToString(raw))
		}},
		{"wrong signature", func(_ presigned, f presign.Fields) presign.Fields {
			return set(f, "X-Amz-Signature", strings.Repeat("0", 64))
		}},
	}
	for i, tt := range rejected {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			mail := "reject" + string(rune('a'+i)) + "@orkei.com"
			p := getPresigned(t, vd.URL, "mail="+mail)
			code, body := upload(t, p.URL, tt.tamper(p, p.Fields), videoBytes(1000))
			if code < 400 || code >= 500 {
				t.Fatalf("status %d, want a 4xx refusal (%s)", code, body)
			}
			for _, key := range []string{p.Key, "someone-else.mp4"} {
				if ok, err := sw.Exists(ctx, key); err != nil || ok {
					t.Errorf("object %s exists=%v err=%v after a refused upload", key, ok, err)
				}
			}
		})
	}

	t.Run("rejects an oversize file", func(t *testing.T) {
		small := apptest.Start(t, apptest.SeaweedEnv(sw, "UPLOAD_MAX_BYTES=1000"), apptest.SeaweedKeys())
		p := getPresigned(t, small.URL, "mail=big@orkei.com")
		code, body := upload(t, p.URL, p.Fields, videoBytes(1001))
		if code < 400 || code >= 500 {
			t.Fatalf("status %d (%s)", code, body)
		}
		if ok, _ := sw.Exists(ctx, p.Key); ok {
			t.Error("oversize object stored")
		}
		// The same server takes a file at the limit.
		p = getPresigned(t, small.URL, "mail=big@orkei.com")
		if code, body := upload(t, p.URL, p.Fields, videoBytes(1000)); code != http.StatusNoContent {
			t.Errorf("file at the limit: %d %s", code, body)
		}
	})

	t.Run("rejects an expired policy", func(t *testing.T) {
		past := func() time.Time { return time.Now().Add(-2 * time.Hour) }
		old := apptest.Start(t, apptest.SeaweedEnv(sw, "UPLOAD_EXPIRES=1h"), apptest.SeaweedKeys(), app.WithClock(past))
		p := getPresigned(t, old.URL, "mail=late@orkei.com")
		code, body := upload(t, p.URL, p.Fields, videoBytes(1000))
		if code < 400 || code >= 500 {
			t.Fatalf("status %d (%s)", code, body)
		}
		if ok, _ := sw.Exists(ctx, p.Key); ok {
			t.Error("object stored with an expired policy")
		}
	})

	t.Run("the SDK signer uploads too", func(t *testing.T) {
		sdk := apptest.Start(t, apptest.SeaweedEnv(sw, "PRESIGN_SIGNER=sdk", "KEY_PREFIX=sdk/"), apptest.SeaweedKeys())
		p := getPresigned(t, sdk.URL, "mail=sdk@orkei.com&type=video/webm")
		if code, body := upload(t, p.URL, p.Fields, videoBytes(700)); code != http.StatusNoContent {
			t.Fatalf("upload: %d %s", code, body)
		}
		if _, ct, err := sw.Object(ctx, p.Key); err != nil || ct != "video/webm" || !strings.HasPrefix(p.Key, "sdk/") {
			t.Errorf("object %s: %s %v", p.Key, ct, err)
		}
	})

	t.Run("no acl configured", func(t *testing.T) {
		noACL := apptest.Start(t, apptest.SeaweedEnv(sw, "UPLOAD_ACL=", "KEY_PREFIX=noacl/"), apptest.SeaweedKeys())
		p := getPresigned(t, noACL.URL, "mail=noacl@orkei.com")
		if _, ok := p.Fields.Get("acl"); ok {
			t.Fatal("acl field sent with UPLOAD_ACL empty")
		}
		if code, body := upload(t, p.URL, p.Fields, videoBytes(500)); code != http.StatusNoContent {
			t.Fatalf("upload: %d %s", code, body)
		}
		if ok, err := sw.Exists(ctx, p.Key); !ok || err != nil || !strings.HasPrefix(p.Key, "noacl/") {
			t.Errorf("object %s: %v %v", p.Key, ok, err)
		}
	})

	t.Run("readyz reports a missing bucket", func(t *testing.T) {
		env := []string{"S3_BUCKET=no-such-bucket", "S3_ENDPOINT=" + sw.Endpoint, "S3_PATH_STYLE=true"}
		other := apptest.Start(t, env, apptest.SeaweedKeys())
		var body map[string]string
		if code := getJSON(t, other.URL+"/readyz", "", &body); code != 503 || body["error"] == "" {
			t.Errorf("readyz: %d %v", code, body)
		}
	})
	assertNoSecrets(t, vd.Logs.String(), "eduard@orkei.com", "webm@orkei.com", seaweedtest.SecretKey)
}

// flakyCreds fails until ok is set, then returns the SeaweedFS test keys.
type flakyCreds struct{ ok *atomic.Bool }

func (f flakyCreds) Retrieve(context.Context) (aws.Credentials, error) {
	if !f.ok.Load() {
		return aws.Credentials{}, errors.New("credential endpoint refused the connection")
	}
	return aws.Credentials{AccessKeyID: seaweedtest.AccessKey, SecretAccessKey: seaweedtest.SecretKey, Source: "test"}, nil
}

// waitStatus polls url until it answers want, or fails after limit.
func waitStatus(t *testing.T, url string, want int, limit time.Duration) map[string]string {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var body map[string]string
		code := getJSON(t, url, "", &body)
		if code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still answers %d %v after %s, want %d", url, code, body, limit, want)
		}
		<-tick.C
	}
}

// TestFaults stops and restarts S3 and takes credentials away and back,
// and checks vidrop reports each fault and recovers without a restart.
func TestFaults(t *testing.T) {
	sw := seaweedtest.Start(t, "videos")
	var credsOK atomic.Bool
	vd := apptest.Start(t, apptest.SeaweedEnv(sw), app.WithCredentials(flakyCreds{&credsOK}))

	t.Run("credentials fail, then return", func(t *testing.T) {
		for range 5 {
			var body map[string]string
			if code := getJSON(t, vd.URL+"/presignedurl?mail=creds@orkei.com", "", &body); code != http.StatusServiceUnavailable || strings.Contains(body["error"], "refused") {
				t.Fatalf("presign without credentials: %d %v", code, body)
			}
		}
		if n := strings.Count(vd.Logs.String(), `"msg":"presign failed: credentials unavailable"`); n != 1 {
			t.Errorf("credential failure logged %d times in one burst, want 1", n)
		}
		credsOK.Store(true)
		p := getPresigned(t, vd.URL, "mail=creds@orkei.com")
		if p.Key != naming.Stem("creds@orkei.com")+".mp4" {
			t.Errorf("first key after failures = %s", p.Key)
		}
		if code, body := upload(t, p.URL, p.Fields, videoBytes(100)); code != http.StatusNoContent {
			t.Fatalf("upload after recovery: %d %s", code, body)
		}
	})

	t.Run("S3 down, then back", func(t *testing.T) {
		waitStatus(t, vd.URL+"/readyz", 200, 10*time.Second)
		sw.Stop()
		body := waitStatus(t, vd.URL+"/readyz", 503, 15*time.Second)
		if body["error"] == "" {
			t.Errorf("503 without a reason: %v", body)
		}
		// Presigning is local signing: it still answers.
		if p := getPresigned(t, vd.URL, "mail=down@orkei.com"); p.Key == "" {
			t.Error("no presign while S3 is down")
		}
		sw.Restart()
		waitStatus(t, vd.URL+"/readyz", 200, 15*time.Second)
	})
	assertNoSecrets(t, vd.Logs.String(), "creds@orkei.com", "down@orkei.com", seaweedtest.SecretKey)
}

// assertNoSecrets fails when logs hold any of secrets, or an
// Authorization header.
func assertNoSecrets(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, "Authorization", "Basic ") {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
	}
}

func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	vd := apptest.Start(t, []string{"MAX_HEADER_BYTES=2048"})
	try := func(n int) int {
		req, _ := http.NewRequest(http.MethodGet, vd.URL+"/healthz", nil)
		req.Header.Set("X-Pad", strings.Repeat("a", n))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := try(1500); code != 200 {
		t.Errorf("1500-byte header: %d", code)
	}
	// net/http reads up to 4 KiB past the limit before refusing.
	if code := try(2048 + 4096 + 512); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversize header: %d, want 431", code)
	}
}

// TestEmbeddedStore runs the same flow against the default, embedded store.
func TestEmbeddedStore(t *testing.T) {
	t.Parallel()
	vd := apptest.Start(t, nil)
	p := getPresigned(t, vd.URL, "mail=eduard@orkei.com")
	if p.URL != vd.URL+"/s3/videos" {
		t.Fatalf("url %s, want this server's /s3/videos", p.URL)
	}
	content := videoBytes(200_000)
	code, body := upload(t, p.URL, p.Fields, content)
	if code/100 != 2 {
		t.Fatalf("upload: %d %s", code, body)
	}
	resp, err := http.Get(p.URL + "/" + p.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, content) || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Errorf("read back: %d, %d bytes, %s", resp.StatusCode, len(got), resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("X-Amz-Signature") != "" {
		t.Error("the embedded store serves the upload's signature back")
	}
	var listed map[string][]string
	if code := getJSON(t, vd.URL+"/videos?mail=eduard@orkei.com", "test", &listed); code != 200 || listed["eduard@orkei.com"][0] != p.Key {
		t.Errorf("videos: %d %v", code, listed)
	}
	assertNoSecrets(t, vd.Logs.String(), "eduard@orkei.com")
	if !strings.Contains(vd.Logs.String(), "development mode") {
		t.Error("no development-mode warning")
	}
	// Only uploads and reads are allowed.
	req, _ := http.NewRequest(http.MethodDelete, p.URL+"/"+p.Key, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("DELETE on the embedded store: %d", resp.StatusCode)
	}
}

// TestSlowClientsDoNotPinAConnection: a request whose body does not come
// has its connection closed once the request timeout is up (at once, after
// the answer, when the body is too big to wait for), while an upload to
// the embedded store may take longer than that.
func TestSlowClientsDoNotPinAConnection(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	vd := apptest.Start(t, nil, app.WithRequestTimeout(timeout))
	tests := []struct {
		length   int
		answered bool // else the answer, due at the same deadline, may be lost
	}{
		{1000, false},
		{1_000_000, true},
	}
	for _, tt := range tests {
		conn, err := net.Dial("tcp", strings.TrimPrefix(vd.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// Headers promise a body that never arrives; the handler does not
		// read it, and the server must then give up on the rest instead
		// of waiting to read past it for the next request.
		fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", tt.length)
		conn.SetReadDeadline(time.Now().Add(20 * timeout))
		all, err := io.ReadAll(conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("Content-Length %d: the server kept the connection open", tt.length)
		}
		if tt.answered && !strings.HasPrefix(string(all), "HTTP/1.1 200") {
			t.Errorf("Content-Length %d: answer %q, err %v", tt.length, all, err)
		}
	}

	// An upload sent slower than the request timeout allows.
	p := getPresigned(t, vd.URL, "mail=slow@orkei.com")
	content := videoBytes(60_000)
	body, contentType := form(t, p.Fields, content)
	resp, err := http.Post(p.URL, contentType, &slowReader{b: body, chunk: len(body)/6 + 1, pause: timeout / 2})
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("upload taking %s in all: %d %s", 3*timeout, resp.StatusCode, msg)
	}
	resp, err = http.Get(p.URL + "/" + p.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, content) {
		t.Errorf("read back %d bytes of %d", len(got), len(content))
	}
}

// slowReader hands out b chunk bytes at a time, pausing before each chunk
// but the first: a client on a slow link.
type slowReader struct {
	b      []byte
	chunk  int
	pause  time.Duration
	served bool
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if r.served {
		time.Sleep(r.pause)
	}
	r.served = true
	n := copy(p[:min(len(p), r.chunk)], r.b)
	r.b = r.b[n:]
	return n, nil
}

// expiringCreds hands out credentials that expire after ttl and counts how
// often they were fetched.
type expiringCreds struct {
	ttl     time.Duration
	fetches *atomic.Int32
}

func (e expiringCreds) Retrieve(context.Context) (aws.Credentials, error) {
	e.fetches.Add(1)
	return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", Source: "test",
		CanExpire: true, Expires: time.Now().Add(e.ttl)}, nil
}

// TestCredentialsRefreshedBeforeExpiry: a POST must not be signed with
// credentials about to expire (S3 refuses it once they have), so
// credentials within five minutes of their expiry are fetched anew.
func TestCredentialsRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ttl  time.Duration
		want int32
	}{
		{time.Hour, 1},       // fetched once, then cached
		{3 * time.Minute, 3}, // too close to expiry: fetched for every POST
	}
	for _, tt := range tests {
		var fetches atomic.Int32
		vd := apptest.Start(t, nil, app.WithCredentials(expiringCreds{ttl: tt.ttl, fetches: &fetches}))
		for range 3 {
			var p presigned
			if code := getJSON(t, vd.URL+"/presignedurl?mail=refresh@orkei.com", "", &p); code != http.StatusOK {
				t.Fatalf("presign: %d", code)
			}
		}
		if got := fetches.Load(); got != tt.want {
			t.Errorf("credentials expiring in %s fetched %d times for 3 POSTs, want %d", tt.ttl, got, tt.want)
		}
	}
}
