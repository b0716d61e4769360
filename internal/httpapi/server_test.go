package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vidrop/vidrop/internal/auth"
	"github.com/vidrop/vidrop/internal/naming"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/store"
	"golang.org/x/crypto/bcrypt"
)

const eduardStem = "e78b913d3d3d5eb5162a"

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testServer struct {
	http.Handler
	store *store.Memory
	logs  *syncBuffer
}

func mustPresigner(tb testing.TB) *presign.Service {
	tb.Helper()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:9"),
		UsePathStyle: true,
	})
	return presign.New(s3.NewPresignClient(client), presign.Options{
		Bucket: "videos", ACL: "public-read", MaxBytes: 1 << 20, Expires: time.Hour,
	})
}

func newTestServer(tb testing.TB, mod func(*Options)) *testServer {
	tb.Helper()
	logs := &syncBuffer{}
	o := Options{
		Store:              store.NewMemory(store.Limits{}),
		Presigner:          mustPresigner(tb),
		Verifier:           auth.SameAsUser{},
		CORSAllowedOrigins: []string{"*"},
		Static:             fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>vidrop</title>")}},
	}
	if mod != nil {
		mod(&o)
	}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &testServer{Handler: NewServer(logger, o), store: o.Store, logs: logs}
}

func (s *testServer) do(tb testing.TB, method, target string, hdr http.Header) *httptest.ResponseRecorder {
	tb.Helper()
	return s.send(httptest.NewRequest(method, target, nil), hdr)
}

// send serves req with hdr added to its headers.
func (s *testServer) send(req *http.Request, hdr http.Header) *httptest.ResponseRecorder {
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func decodeJSON(tb testing.TB, rec *httptest.ResponseRecorder, v any) {
	tb.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		tb.Fatalf("Content-Type = %q, body %s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		tb.Fatalf("body %q: %v", rec.Body, err)
	}
}

type presignBody struct {
	URL       string            `json:"url"`
	Fields    map[string]string `json:"fields"`
	Key       string            `json:"key"`
	ExpiresAt string            `json:"expires_at"`
}

func TestPresignKeys(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) { o.KeyPrefix = "v/" })
	tests := []struct {
		target, wantKey, wantType string
	}{
		{"/presignedurl?mail=eduard@orkei.com", "v/" + eduardStem + ".mp4", "video/mp4"},
		{"/presignedurl?mail=Eduard%40Orkei.COM%20", "v/" + eduardStem + "1.mp4", "video/mp4"},
		{"/presignedurl?mail=eduard@orkei.com&type=video/webm%3Bcodecs%3Dvp9,opus", "v/" + eduardStem + "2.webm", "video/webm"},
		{"/presignedurl/intro/step-1?mail=eduard@orkei.com&type=video/quicktime", "v/intro/step-1/" + eduardStem + "3.mov", "video/quicktime"},
		{"/presignedurl/intro/step-1/?mail=eduard@orkei.com&type=video/x-matroska", "v/intro/step-1/" + eduardStem + "4.mkv", "video/x-matroska"},
	}
	for _, tt := range tests {
		rec := s.do(t, http.MethodGet, tt.target, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d, body %s", tt.target, rec.Code, rec.Body)
		}
		var body presignBody
		decodeJSON(t, rec, &body)
		if body.Key != tt.wantKey || body.Fields["key"] != tt.wantKey || body.Fields["Content-Type"] != tt.wantType {
			t.Errorf("%s: key %q field key %q type %q", tt.target, body.Key, body.Fields["key"], body.Fields["Content-Type"])
		}
		if body.URL != "http://127.0.0.1:9/videos" || body.Fields["policy"] == "" || body.Fields["X-Amz-Signature"] == "" {
			t.Errorf("%s: incomplete answer %+v", tt.target, body)
		}
		exp, err := time.Parse(time.RFC3339, body.ExpiresAt)
		if err != nil || exp.Before(time.Now().Add(59*time.Minute)) || exp.After(time.Now().Add(61*time.Minute)) {
			t.Errorf("expires_at = %q", body.ExpiresAt)
		}
	}
	rec := s.do(t, http.MethodGet, "/videos?mail=eduard@orkei.com", basic("u", "u"))
	var listed map[string][]string
	decodeJSON(t, rec, &listed)
	var want []string
	for _, tt := range tests {
		want = append(want, tt.wantKey)
	}
	if strings.Join(listed["eduard@orkei.com"], " ") != strings.Join(want, " ") {
		t.Errorf("videos = %v, want %v", listed, want)
	}
}

func TestBadRequestsLeaveStoreUnchanged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		target string
		status int
		msg    string
	}{
		{"/presignedurl", 400, "mail is required"},
		{"/presignedurl?mail=", 400, "mail is required"},
		{"/presignedurl?mail=%20%20", 400, "mail is required"},
		{"/presignedurl?mail=eduard", 400, "plain e-mail"},
		{"/presignedurl?mail=eduard@orkei", 400, "plain e-mail"},
		{"/presignedurl?mail=Eduard%20%3Ceduard@orkei.com%3E", 400, "plain e-mail"},
		{"/presignedurl?mail=a@b.com&mail=c@d.com", 400, "more than once"},
		{"/presignedurl?mail=a@b.com&type=video/webm;codecs=vp9", 400, "malformed query"},
		{"/presignedurl?mail=a@b.com&type=image/png", 400, "type must be"},
		{"/presignedurl?mail=%zz", 400, "malformed query"},
		{"/presignedurl/%2E%2E/step?mail=a@b.com", 400, "project and step"},
		{"/presignedurl/ok/%2e?mail=a@b.com", 400, "project and step"},
		{"/presignedurl/a%2Fb/step?mail=a@b.com", 400, "project and step"},
		{"/presignedurl/" + strings.Repeat("p", 65) + "/s?mail=a@b.com", 400, "project and step"},
		{"/presignedurl/a/b/c?mail=a@b.com", 404, "not found"},
		{"/videos", 400, "mail is required"},
		{"/videos?mail=nobody@example.com", 404, "no videos"},
		{"/videos?mail=x@[1.2.3.4]", 400, "plain e-mail"},
		{"/nope", 404, "not found"},
		{"/s3/videos/x", 404, "not found"},
	}
	for _, tt := range tests {
		s := newTestServer(t, nil)
		rec := s.do(t, http.MethodGet, tt.target, basic("u", "u"))
		var body errorBody
		decodeJSON(t, rec, &body)
		if rec.Code != tt.status || !strings.Contains(body.Error, tt.msg) {
			t.Errorf("%s: %d %q, want %d %q", tt.target, rec.Code, body.Error, tt.status, tt.msg)
		}
		if s.store.Len() != 0 {
			t.Errorf("%s: store changed", tt.target)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	rec := s.do(t, http.MethodPost, "/presignedurl?mail=a@b.com", nil)
	var body errorBody
	decodeJSON(t, rec, &body)
	if rec.Code != http.StatusMethodNotAllowed || s.store.Len() != 0 {
		t.Errorf("POST: %d %v", rec.Code, body)
	}
}

type failingPresigner struct{}

func (failingPresigner) Presign(context.Context, string, string) (presign.Post, error) {
	return presign.Post{}, errors.New("signer exploded: secret detail")
}

func TestPresignFailureRecordsNothing(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) { o.Presigner = failingPresigner{} })
	rec := s.do(t, http.MethodGet, "/presignedurl?mail=eduard@orkei.com", nil)
	var body errorBody
	decodeJSON(t, rec, &body)
	if rec.Code != http.StatusBadGateway || strings.Contains(body.Error, "secret detail") {
		t.Errorf("status %d body %q", rec.Code, body.Error)
	}
	if s.store.Len() != 0 {
		t.Error("a failed presign was recorded")
	}
	if !strings.Contains(s.logs.String(), "secret detail") {
		t.Error("the cause was not logged")
	}
}

type panickingPresigner struct{}

func (panickingPresigner) Presign(context.Context, string, string) (presign.Post, error) {
	panic("boom")
}

func TestPanicBecomes500(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) { o.Presigner = panickingPresigner{} })
	rec := s.do(t, http.MethodGet, "/presignedurl?mail=eduard@orkei.com", nil)
	var body errorBody
	decodeJSON(t, rec, &body)
	if rec.Code != http.StatusInternalServerError || body.Error != "internal error" {
		t.Errorf("status %d body %q", rec.Code, body.Error)
	}
	if !strings.Contains(s.logs.String(), "panic in handler") {
		t.Error("panic not logged")
	}
	// The server still answers.
	if rec := s.do(t, http.MethodGet, "/healthz", nil); rec.Code != http.StatusOK {
		t.Errorf("healthz after panic: %d", rec.Code)
	}
}

func basic(user, pass string) http.Header {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, pass)
	return http.Header{"Authorization": r.Header["Authorization"]}
}

func TestVideosAuth(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	users, err := auth.ParseUsers("alice:" + string(hash))
	if err != nil {
		t.Fatal(err)
	}
	bcryptUsers := auth.NewUsers(users, time.Minute, 10)
	tests := []struct {
		name     string
		verifier auth.Verifier
		hdr      http.Header
		status   int
	}{
		{"no header", auth.SameAsUser{}, nil, 401},
		{"wrong scheme", auth.SameAsUser{}, http.Header{"Authorization": {"Bearer abc"}}, 401},
		{"garbage basic", auth.SameAsUser{}, http.Header{"Authorization": {"Basic !!!"}}, 401},
		{"seed rule ok", auth.SameAsUser{}, basic("test", "test"), 200},
		{"seed rule wrong password", auth.SameAsUser{}, basic("test", "nope"), 401},
		{"seed rule empty user", auth.SameAsUser{}, basic("", ""), 401},
		{"bcrypt ok", bcryptUsers, basic("alice", "s3cret"), 200},
		{"bcrypt wrong password", bcryptUsers, basic("alice", "wrong"), 401},
		{"bcrypt unknown user", bcryptUsers, basic("bob", "s3cret"), 401},
		{"bcrypt seed rule refused", bcryptUsers, basic("alice", "alice"), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, func(o *Options) { o.Verifier = tt.verifier })
			st := s.store
			res, _ := st.Reserve(naming.Digest("eduard@orkei.com"))
			st.Commit(res, naming.MP4, "", time.Now())
			rec := s.do(t, http.MethodGet, "/videos?mail=eduard@orkei.com", tt.hdr)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 401 {
				if got := rec.Header().Get("WWW-Authenticate"); got != `Basic realm="vidrop", charset="UTF-8"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				var body errorBody
				decodeJSON(t, rec, &body)
				return
			}
			var listed map[string][]string
			decodeJSON(t, rec, &listed)
			if len(listed["eduard@orkei.com"]) != 1 {
				t.Errorf("listed = %v", listed)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, origin string
		allowed      []string
		wantAllow    string
	}{
		{"any origin", "https://page.example", []string{"*"}, "*"},
		{"listed origin", "https://page.example", []string{"https://page.example"}, "https://page.example"},
		{"other origin", "https://evil.example", []string{"https://page.example"}, ""},
	}
	for _, tt := range tests {
		for _, path := range []string{"/presignedurl", "/presignedurl/p/s", "/presignedurl/p/s/"} {
			s := newTestServer(t, func(o *Options) { o.CORSAllowedOrigins = tt.allowed })
			pre := s.do(t, http.MethodOptions, path+"?mail=a@b.com", http.Header{
				"Origin":                        {tt.origin},
				"Access-Control-Request-Method": {"GET"},
			})
			if pre.Code >= 300 {
				t.Errorf("%s %s preflight status %d", tt.name, path, pre.Code)
			}
			if got := pre.Header().Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Errorf("%s %s preflight allow-origin %q, want %q", tt.name, path, got, tt.wantAllow)
			}
			if tt.wantAllow != "" && pre.Header().Get("Access-Control-Allow-Methods") != "GET" {
				t.Errorf("%s %s preflight allow-methods %q", tt.name, path, pre.Header().Get("Access-Control-Allow-Methods"))
			}
			if pre.Header().Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("%s: credentials allowed cross-origin", tt.name)
			}
			if s.store.Len() != 0 {
				t.Errorf("%s: preflight touched the store", tt.name)
			}
			get := s.do(t, http.MethodGet, path+"?mail=a@b.com", http.Header{"Origin": {tt.origin}})
			if got := get.Header().Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Errorf("%s %s GET allow-origin %q, want %q", tt.name, path, got, tt.wantAllow)
			}
		}
	}
	// /videos is not a cross-origin API.
	s := newTestServer(t, nil)
	rec := s.do(t, http.MethodGet, "/videos?mail=a@b.com", http.Header{"Origin": {"https://page.example"}})
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("/videos sent CORS headers")
	}
}

func TestConcurrentPresignsForOneMail(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	const n = 200
	keys := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			rec := s.do(t, http.MethodGet, "/presignedurl?mail=eduard@orkei.com", nil)
			var body presignBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 200 {
				t.Errorf("status %d: %v", rec.Code, err)
				return
			}
			keys <- body.Key
		})
	}
	wg.Wait()
	close(keys)
	issued := map[string]bool{}
	for k := range keys {
		if issued[k] {
			t.Fatalf("key %s issued twice", k)
		}
		issued[k] = true
	}
	rec := s.do(t, http.MethodGet, "/videos?mail=eduard@orkei.com", basic("u", "u"))
	var listed map[string][]string
	decodeJSON(t, rec, &listed)
	got := listed["eduard@orkei.com"]
	if len(issued) != n || len(got) != n {
		t.Fatalf("issued %d, listed %d, want %d", len(issued), len(got), n)
	}
	for _, k := range got {
		if !issued[k] {
			t.Errorf("listed key %s was never issued", k)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) {
		o.Ready = func(context.Context) error { return errors.New("S3 is unreachable") }
	})
	rec := s.do(t, http.MethodGet, "/healthz", nil)
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", rec.Code, rec.Body)
	}
	rec = s.do(t, http.MethodGet, "/readyz", nil)
	var body map[string]string
	decodeJSON(t, rec, &body)
	if rec.Code != 503 || body["error"] != "S3 is unreachable" {
		t.Errorf("readyz: %d %v", rec.Code, body)
	}
}

func TestStaticPage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	rec := s.do(t, http.MethodGet, "/", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<title>vidrop</title>") ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("GET /: %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

func TestLogsHoldNoMailOrCredentials(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	s.do(t, http.MethodGet, "/presignedurl?mail=private.person@orkei.com", nil)
	s.do(t, http.MethodGet, "/videos?mail=private.person@orkei.com", basic("admin", "hunter2hunter2"))
	s.do(t, http.MethodGet, "/videos?mail=private.person@orkei.com", basic("admin", "admin"))
	logs := s.logs.String()
	for _, secret := range []string{"private.person", "orkei.com", "hunter2", "Basic ", "admin"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, `"route":"/presignedurl"`) || !strings.Contains(logs, `"mail_hash":"`) || !strings.Contains(logs, `"request_id":"`) {
		t.Errorf("request log lacks route, mail hash or request id:\n%s", logs)
	}
}

// TestRequestLogLine: every request writes one JSON line holding what an
// operator needs to follow it, at ERROR when the answer is a 5xx.
func TestRequestLogLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		presigner Presigner
		target    string
		status    int
		route     string
		level     string
		mailHash  bool
	}{
		{"issued", nil, "/presignedurl?mail=a@b.com", 200, "/presignedurl", "INFO", true},
		{"bad input", nil, "/presignedurl?mail=nope", 400, "/presignedurl", "INFO", false},
		{"no such file", nil, "/nope", 404, "/*", "INFO", false},
		{"signing failed", failingPresigner{}, "/presignedurl?mail=a@b.com", 502, "/presignedurl", "ERROR", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, func(o *Options) {
				if tt.presigner != nil {
					o.Presigner = tt.presigner
				}
			})
			start := time.Now()
			rec := s.do(t, http.MethodGet, tt.target, nil)
			took := time.Since(start)
			var line struct {
				Time       time.Time `json:"time"`
				Level      string    `json:"level"`
				Msg        string    `json:"msg"`
				Method     string    `json:"method"`
				Route      string    `json:"route"`
				Status     int       `json:"status"`
				Bytes      int       `json:"bytes"`
				DurationUS *int64    `json:"duration_us"`
				RequestID  string    `json:"request_id"`
				MailHash   string    `json:"mail_hash"`
			}
			var found int
			for l := range strings.Lines(s.logs.String()) {
				if strings.Contains(l, `"msg":"request"`) {
					found++
					if err := json.Unmarshal([]byte(l), &line); err != nil {
						t.Fatalf("log line %q: %v", l, err)
					}
				}
			}
			if found != 1 {
				t.Fatalf("%d request lines, want 1:\n%s", found, s.logs)
			}
			if rec.Code != tt.status || line.Status != tt.status || line.Route != tt.route || line.Level != tt.level ||
				line.Method != http.MethodGet || line.Bytes != rec.Body.Len() ||
				line.DurationUS == nil || *line.DurationUS < 0 || *line.DurationUS > took.Microseconds() ||
				line.RequestID == "" || line.RequestID != rec.Header().Get("X-Request-Id") ||
				line.Time.Before(start.Add(-time.Millisecond)) || (line.MailHash != "") != tt.mailHash {
				t.Errorf("answer %d (%d bytes, id %q), log line %+v", rec.Code, rec.Body.Len(), rec.Header().Get("X-Request-Id"), line)
			}
		})
	}
}

func TestResponsesAreJSON(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	for _, target := range []string{"/healthz", "/readyz", "/presignedurl?mail=a@b.com", "/presignedurl", "/nope", "/videos?mail=a@b.com"} {
		rec := s.do(t, http.MethodGet, target, nil)
		b, _ := io.ReadAll(rec.Body)
		if rec.Header().Get("Content-Type") != "application/json" || !json.Valid(b) {
			t.Errorf("%s: %q %s", target, rec.Header().Get("Content-Type"), b)
		}
	}
}

func TestStaticHeadersAndETag(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) {
		o.Static = fstest.MapFS{
			"index.html":  {Data: []byte("<!doctype html><title>vidrop</title>")},
			"app.js":      {Data: []byte("export {};\n")},
			"favicon.svg": {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		}
		o.PageOrigins = []string{"http://127.0.0.1:8333", "https://api.example.com"}
	})
	tests := []struct{ target, wantType string }{
		{"/", "text/html"},
		{"/app.js", "text/javascript"},
		{"/favicon.ico", "image/svg+xml"},
		{"/favicon.svg", "image/svg+xml"},
	}
	for _, tt := range tests {
		rec := s.do(t, http.MethodGet, tt.target, nil)
		h := rec.Header()
		if rec.Code != 200 || !strings.HasPrefix(h.Get("Content-Type"), tt.wantType) {
			t.Errorf("%s: %d %q", tt.target, rec.Code, h.Get("Content-Type"))
		}
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{
			"default-src 'none'", "script-src 'self';",
			"connect-src 'self' http://127.0.0.1:8333 https://api.example.com;",
			"media-src 'self' blob: http://127.0.0.1:8333 https://api.example.com;",
		} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", tt.target, csp, want)
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: headers %v", tt.target, h)
		}
		etag := h.Get("ETag")
		if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
			t.Fatalf("%s: ETag %q", tt.target, etag)
		}
		again := s.do(t, http.MethodGet, tt.target, http.Header{"If-None-Match": {etag}})
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
			t.Errorf("%s with If-None-Match: %d, %d bytes", tt.target, again.Code, again.Body.Len())
		}
	}
	if a, b := s.do(t, http.MethodGet, "/", nil).Header().Get("ETag"), s.do(t, http.MethodGet, "/app.js", nil).Header().Get("ETag"); a == b {
		t.Errorf("two files share the ETag %s", a)
	}
	if rec := s.do(t, http.MethodHead, "/app.js", nil); rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("ETag") == "" {
		t.Errorf("HEAD /app.js: %d, %d bytes, ETag %q", rec.Code, rec.Body.Len(), rec.Header().Get("ETag"))
	}
	if rec := s.do(t, http.MethodGet, "/missing.js", nil); rec.Code != 404 || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("missing file: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}
