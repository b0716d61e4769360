package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/httprate"
	"github.com/vidrop/vidrop/internal/config"
	"github.com/vidrop/vidrop/internal/naming"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/store"
)

func rate(n int) config.Rate { return config.Rate{N: n, Per: time.Minute} }

// doFrom sends a request from peer (host:port) with extra headers.
func (s *testServer) doFrom(tb testing.TB, peer, target string, hdr http.Header) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = peer
	return s.send(req, hdr)
}

func assert429(tb testing.TB, rec *httptest.ResponseRecorder) {
	tb.Helper()
	var body errorBody
	decodeJSON(tb, rec, &body)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || body.Error == "" {
		tb.Fatalf("want a JSON 429 with Retry-After, got %d %q %v", rec.Code, rec.Header().Get("Retry-After"), body)
	}
}

func TestPresignRatePerIPCountsEveryRequest(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) { o.PresignRatePerIP = rate(3) })
	peer := "198.51.100.7:5000"
	// Valid or not, each request counts.
	for _, target := range []string{"/presignedurl?mail=bad", "/presignedurl?mail=a@b.com", "/presignedurl/x/y?mail=c@d.com"} {
		rec := s.doFrom(t, peer, target, nil)
		if rec.Code == http.StatusTooManyRequests || rec.Header().Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("%s: %d, limit header %q", target, rec.Code, rec.Header().Get("X-RateLimit-Limit"))
		}
	}
	before := s.store.Len()
	assert429(t, s.doFrom(t, peer, "/presignedurl?mail=new@b.com", nil))
	if s.store.Len() != before {
		t.Error("a limited request changed the store")
	}
	// Another client is not affected.
	if rec := s.doFrom(t, "198.51.100.8:5000", "/presignedurl?mail=new@b.com", nil); rec.Code != 200 {
		t.Errorf("other client: %d", rec.Code)
	}
}

func TestSpoofedForwardedForDoesNotDodgeTheLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     func(i int) string
		limited bool
	}{
		{"untrusted peer, spoofed header", nil, "203.0.113.5:1", func(i int) string { return fmt.Sprintf("10.9.8.%d", i) }, true},
		{"untrusted peer with trusted list", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "203.0.113.5:1", func(i int) string { return fmt.Sprintf("198.51.100.%d", i) }, true},
		{"trusted proxy, client spoofs leftmost", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "10.0.0.2:1", func(i int) string { return fmt.Sprintf("1.2.3.%d, 203.0.113.9", i) }, true},
		{"trusted proxy, distinct clients", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "10.0.0.2:1", func(i int) string { return fmt.Sprintf("203.0.113.%d", i+10) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, func(o *Options) {
				o.PresignRatePerIP = rate(2)
				o.TrustedProxies = tt.trusted
			})
			var last *httptest.ResponseRecorder
			for i := range 3 {
				last = s.doFrom(t, tt.peer, "/presignedurl?mail=a@b.com", http.Header{"X-Forwarded-For": {tt.xff(i)}})
			}
			if limited := last.Code == http.StatusTooManyRequests; limited != tt.limited {
				t.Errorf("third request: %d, want limited=%v", last.Code, tt.limited)
			}
		})
	}
}

// TestClientKey: two requests share a rate-limit key exactly when they
// come from one address, or for IPv6 one /64, read from the peer or from a
// trusted proxy's X-Forwarded-For.
func TestClientKey(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	key := func(trusted []netip.Prefix, peer, xff string) string {
		var got string
		h := clientIP(trusted)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = clientKey(r) }))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = peer
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		return got
	}
	type from struct{ peer, xff string }
	tests := []struct {
		name string
		a, b from
		same bool
	}{
		{"one IPv4 address, two ports", from{"198.51.100.1:1", ""}, from{"198.51.100.1:2", ""}, true},
		{"two IPv4 addresses", from{"198.51.100.1:1", ""}, from{"198.51.100.2:1", ""}, false},
		{"one IPv6 /64", from{"[2001:db8:1:2::a]:1", ""}, from{"[2001:db8:1:2:ffff::b]:1", ""}, true},
		{"two IPv6 /64s", from{"[2001:db8:1:2::a]:1", ""}, from{"[2001:db8:1:3::a]:1", ""}, false},
		{"IPv4-mapped IPv6", from{"[::ffff:198.51.100.1]:1", ""}, from{"198.51.100.1:1", ""}, true},
		{"proxied and direct", from{"10.0.0.2:1", "198.51.100.1"}, from{"198.51.100.1:1", ""}, true},
		{"proxied IPv6 /64 and direct", from{"10.0.0.2:1", "2001:db8:1:2::a"}, from{"[2001:db8:1:2::b]:1", ""}, true},
		{"two proxied clients", from{"10.0.0.2:1", "198.51.100.1"}, from{"10.0.0.2:1", "198.51.100.2"}, false},
	}
	for _, tt := range tests {
		modes := [][]netip.Prefix{nil, trusted}
		if tt.a.xff != "" {
			modes = modes[1:]
		}
		for _, tr := range modes {
			ka, kb := key(tr, tt.a.peer, tt.a.xff), key(tr, tt.b.peer, tt.b.xff)
			if ka == "" || (ka == kb) != tt.same {
				t.Errorf("%s (trusted %v): keys %q and %q, want same=%v", tt.name, tr, ka, kb, tt.same)
			}
		}
	}
}

func TestPresignRatePerMail(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) { o.PresignRatePerMail = rate(2) })
	// Invalid mails never count.
	for range 5 {
		if rec := s.do(t, http.MethodGet, "/presignedurl?mail=eduard", nil); rec.Code != 400 {
			t.Fatalf("invalid mail: %d", rec.Code)
		}
	}
	// One counter per normalised mail.
	for _, m := range []string{"eduard@orkei.com", "Eduard@Orkei.COM"} {
		if rec := s.do(t, http.MethodGet, "/presignedurl?mail="+m, nil); rec.Code != 200 {
			t.Fatalf("%s: %d", m, rec.Code)
		}
	}
	assert429(t, s.do(t, http.MethodGet, "/presignedurl?mail=EDUARD@orkei.com", nil))
	if recs, _ := s.store.Keys(naming.Digest("eduard@orkei.com")); len(recs) != 2 {
		t.Errorf("keys after a limited request: %d", len(recs))
	}
	if rec := s.do(t, http.MethodGet, "/presignedurl?mail=other@orkei.com", nil); rec.Code != 200 {
		t.Errorf("another mail: %d", rec.Code)
	}
}

func TestAuthFailureLimit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) { o.AuthFailRatePerIP = rate(3) })
	res, _ := s.store.Reserve(naming.Digest("eduard@orkei.com"))
	s.store.Commit(res, naming.MP4, "", time.Now())
	const target = "/videos?mail=eduard@orkei.com"
	peer := "198.51.100.20:1"
	// Browser challenges are not failures.
	for range 10 {
		if rec := s.doFrom(t, peer, target, nil); rec.Code != 401 {
			t.Fatalf("no header: %d", rec.Code)
		}
	}
	for range 3 {
		if rec := s.doFrom(t, peer, target, basic("test", "wrong")); rec.Code != 401 {
			t.Fatalf("wrong password: %d", rec.Code)
		}
	}
	// Past the limit, even the right password is refused.
	assert429(t, s.doFrom(t, peer, target, basic("test", "test")))
	if rec := s.doFrom(t, "198.51.100.21:1", target, basic("test", "test")); rec.Code != 200 {
		t.Errorf("another client with the right password: %d", rec.Code)
	}
}

// nearLimit is a LimitCounter holding, for any key, n-1 failures in the
// current window and enough in the previous one to put the rate in
// [n-0.5, n): what a client sees early in the window after one with n
// failures. Get works out the previous window's weight from its own
// clock; httprate read the clock just before calling it, when the weight
// was no smaller, so the rate is never under n-0.5.
type nearLimit struct {
	n       int
	window  time.Duration
	counted atomic.Int64
}

func (c *nearLimit) Config(int, time.Duration) {}

func (c *nearLimit) Increment(key string, w time.Time) error { return c.IncrementBy(key, w, 1) }

func (c *nearLimit) IncrementBy(_ string, _ time.Time, n int) error {
	c.counted.Add(int64(n))
	return nil
}

func (c *nearLimit) Get(_ string, current, _ time.Time) (int, int, error) {
	left := max(float64(c.window-time.Since(current))/float64(c.window), 1e-9)
	// prev*left is in [0.5, 1): a half or more, short of a whole failure.
	prev := int(math.Ceil(0.5 / left))
	return c.n - 1, prev, nil
}

// TestAuthFailuresBlockedOrCounted checks that a failed login just under
// the limit is refused or counted: blocked and httprate's OnLimit round
// the rate alike.
func TestAuthFailuresBlockedOrCounted(t *testing.T) {
	t.Parallel()
	c := &nearLimit{n: 3, window: time.Hour}
	a := &authFailures{
		l:    httprate.NewRateLimiter(c.n, c.window, httprate.WithLimitCounter(c)),
		rate: config.Rate{N: c.n, Per: c.window},
	}
	const key = "198.51.100.30"
	if a.blocked(key) {
		return
	}
	a.failed(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/videos", nil), key)
	if c.counted.Load() == 0 {
		t.Error("a failed login was neither blocked nor counted")
	}
}

func TestStoreBounds(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) { o.Store = store.NewMemory(store.Limits{MaxMails: 2, MaxKeysPerMail: 2}) })
	for range 2 {
		if rec := s.do(t, http.MethodGet, "/presignedurl?mail=a@b.com", nil); rec.Code != 200 {
			t.Fatalf("%d", rec.Code)
		}
	}
	refused := func(target string) {
		t.Helper()
		rec := s.do(t, http.MethodGet, target, nil)
		var body errorBody
		decodeJSON(t, rec, &body)
		if rec.Code != http.StatusInsufficientStorage || body.Error == "" || rec.Header().Get("Retry-After") != "" {
			t.Errorf("%s: %d %q Retry-After=%q", target, rec.Code, body.Error, rec.Header().Get("Retry-After"))
		}
	}
	// A third key for the first mail does not fit.
	refused("/presignedurl?mail=a@b.com")
	// The second mail fits; a third does not.
	if rec := s.do(t, http.MethodGet, "/presignedurl?mail=c@d.com", nil); rec.Code != 200 {
		t.Fatalf("second mail: %d", rec.Code)
	}
	refused("/presignedurl?mail=e@f.com")
	if s.store.Len() != 2 {
		t.Errorf("store holds %d mails", s.store.Len())
	}
	if recs, _ := s.store.Keys(naming.Digest("a@b.com")); len(recs) != 2 {
		t.Errorf("a@b.com has %d keys", len(recs))
	}
}

func TestQueryLimitComesFirst(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, func(o *Options) {
		o.MaxQueryBytes = 300
		o.PresignRatePerIP = rate(1)
	})
	long := "/presignedurl?mail=a@b.com&pad=" + strings.Repeat("x", 300)
	for range 3 {
		rec := s.do(t, http.MethodGet, long, nil)
		var body errorBody
		decodeJSON(t, rec, &body)
		if rec.Code != http.StatusRequestURITooLong || !strings.Contains(body.Error, "too long") {
			t.Fatalf("long query: %d %v", rec.Code, body)
		}
	}
	// Refused before the rate limiter counted it, and before the store.
	if rec := s.do(t, http.MethodGet, "/presignedurl?mail=a@b.com", nil); rec.Code != 200 {
		t.Errorf("first normal request: %d", rec.Code)
	}
}

type credsFailing struct{ ok bool }

func (c *credsFailing) Presign(ctx context.Context, key, ct string) (presign.Post, error) {
	if !c.ok {
		return presign.Post{}, fmt.Errorf("presign %s: %w: token expired at 12:00", key, presign.ErrCredentials)
	}
	return presign.Post{URL: "http://s3/b", Key: key, Fields: presign.Fields{{Name: "key", Value: key}}, ExpiresAt: time.Now()}, nil
}

func TestCredentialFailureIs503AndLoggedOncePerBurst(t *testing.T) {
	t.Parallel()
	p := &credsFailing{}
	s := newTestServer(t, func(o *Options) { o.Presigner = p })
	for range 20 {
		rec := s.do(t, http.MethodGet, "/presignedurl?mail=a@b.com", nil)
		var body errorBody
		decodeJSON(t, rec, &body)
		if rec.Code != http.StatusServiceUnavailable || strings.Contains(body.Error, "token") {
			t.Fatalf("%d %q", rec.Code, body.Error)
		}
	}
	if n := strings.Count(s.logs.String(), `"msg":"presign failed: credentials unavailable"`); n != 1 {
		t.Errorf("cause logged %d times for one burst, want 1", n)
	}
	if s.store.Len() != 0 {
		t.Error("failed presigns were recorded")
	}
	p.ok = true
	if rec := s.do(t, http.MethodGet, "/presignedurl?mail=a@b.com", nil); rec.Code != 200 {
		t.Errorf("after recovery: %d", rec.Code)
	}
	// The failures gave their numbers back: the first key has none.
	if recs, _ := s.store.Keys(naming.Digest("a@b.com")); len(recs) != 1 || recs[0].N != 0 {
		t.Errorf("keys = %v", recs)
	}
}

func TestBurstLog(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newBurstLog(10 * time.Second)
	b.now = func() time.Time { return now }
	steps := []struct {
		advance time.Duration
		cause   string
		want    bool
	}{
		{0, "a", true}, {time.Second, "a", false}, {0, "b", true},
		{9 * time.Second, "a", true}, {time.Second, "b", true}, {time.Second, "a", false},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if got := b.allow(st.cause); got != st.want {
			t.Errorf("step %d (%s): allow = %v", i, st.cause, got)
		}
	}
}
