package httpapi

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
	"github.com/vidrop/vidrop/internal/config"
)

// clientIP records the client's address for the rate limits when the
// peer is a trusted proxy: the first untrusted address in X-Forwarded-For
// walking from the right. Without trusted proxies there is nothing to
// record: clientKey reads the connection's peer itself.
func clientIP(trusted []netip.Prefix) func(http.Handler) http.Handler {
	if len(trusted) == 0 {
		return passThrough
	}
	cidrs := make([]string, len(trusted))
	for i, p := range trusted {
		cidrs[i] = p.String()
	}
	return middleware.ClientIPFromXFF(cidrs...)
}

// clientKey is the rate-limit key of a request's client: the address
// clientIP recorded or, without one (no proxies trusted, or no
// trustworthy address in the header), the peer, which lumps clients
// together behind their proxy. httprate's canonical form keys IPv6
// clients by their /64, which one subscriber usually holds whole.
func clientKey(r *http.Request) string {
	if addr := middleware.GetClientIPAddr(r.Context()); addr.IsValid() {
		return httprate.CanonicalizeIP(addr.String())
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host)
}

// newLimiter returns a rate limiter for rate, or nil when it is off. Only
// one limiter per route should send X-RateLimit-* headers (quiet false):
// two would overwrite each other's.
func newLimiter(rate config.Rate, quiet bool) *httprate.RateLimiter {
	if rate.Off() {
		return nil
	}
	opts := []httprate.Option{
		httprate.WithLimitHandler(func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusTooManyRequests, "too many requests, retry later")
		}),
		httprate.WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, _ error) {
			writeError(w, http.StatusInternalServerError, "internal error")
		}),
	}
	if quiet {
		opts = append(opts, httprate.WithResponseHeaders(httprate.ResponseHeaders{RetryAfter: "Retry-After"}))
	} else {
		// httprate's own names, as net/http writes them: given
		// non-canonical ("X-RateLimit-Limit"), every Set would
		// canonicalize them again, an allocation each.
		opts = append(opts, httprate.WithResponseHeaders(httprate.ResponseHeaders{
			Limit:      "X-Ratelimit-Limit",
			Remaining:  "X-Ratelimit-Remaining",
			Increment:  "X-Ratelimit-Increment",
			Reset:      "X-Ratelimit-Reset",
			RetryAfter: "Retry-After",
		}))
	}
	return httprate.NewRateLimiter(rate.N, rate.Per, opts...)
}

// limitPerClient counts every request against its client's key under l
// and answers those over the limit, or does nothing when l is nil. It does
// what l.Handler would with clientKey as the key function, without the
// strings.Builder a key function costs per request: httprate.WithKeyFuncs
// wraps even one in JoinKeys.
func limitPerClient(l *httprate.RateLimiter) func(http.Handler) http.Handler {
	if l == nil {
		return passThrough
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if l.RespondOnLimit(w, r, clientKey(r)) {
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func passThrough(next http.Handler) http.Handler { return next }

// authFailures counts failed logins per client. An address past its limit
// is refused before its password is even checked, so guessing gets no
// further with the right password than with a wrong one.
type authFailures struct {
	l    *httprate.RateLimiter // nil: no limit
	rate config.Rate
}

func newAuthFailures(rate config.Rate) *authFailures {
	return &authFailures{l: newLimiter(rate, true), rate: rate}
}

// blocked reports whether the client behind key has used up its failures.
// httprate's Status limits only past the count, so the comparison is made
// here, and made as OnLimit makes it: OnLimit rounds the sliding-window
// rate and stops counting once the rounded rate is at the limit. Compared
// unrounded, a rate in [N-0.5, N) (early in the window after one with N
// failures) would be neither blocked nor counted: unlimited guesses.
func (a *authFailures) blocked(key string) bool {
	if a.l == nil {
		return false
	}
	_, rate, err := a.l.Status(key)
	return err != nil || math.Round(rate) >= float64(a.rate.N)
}

func (a *authFailures) failed(w http.ResponseWriter, r *http.Request, key string) {
	if a.l != nil {
		a.l.OnLimit(w, r, key)
	}
}

func (a *authFailures) retryAfter() string {
	return strconv.Itoa(int(a.rate.Per.Seconds()))
}

// limitQuery refuses a query string over max bytes before anything else
// looks at it.
func limitQuery(max int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if max > 0 && len(r.URL.RawQuery) > max {
				writeError(w, http.StatusRequestURITooLong, "query string too long (limit "+strconv.Itoa(max)+" bytes)")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// burstLog lets one log line through per cause per interval, so that a
// failing dependency under load is reported, not repeated per request.
type burstLog struct {
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	last map[string]time.Time
}

func newBurstLog(every time.Duration) *burstLog {
	return &burstLog{every: every, now: time.Now, last: make(map[string]time.Time)}
}

// allow reports whether a line for cause may be written now.
func (b *burstLog) allow(cause string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if t, ok := b.last[cause]; ok && now.Sub(t) < b.every {
		return false
	}
	if len(b.last) >= 64 { // causes are few; never let the map grow
		clear(b.last)
	}
	b.last[cause] = now
	return true
}

// deadlines gives a request d from now to send its body and to receive its
// answer, in place of the server's ReadTimeout and WriteTimeout: routes
// that stream large bodies need longer.
func deadlines(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			end := time.Now().Add(d)
			// Errors mean the writer cannot set deadlines (a test
			// recorder); nothing to bound then.
			_ = rc.SetReadDeadline(end)
			_ = rc.SetWriteDeadline(end)
			next.ServeHTTP(w, r)
		})
	}
}
