package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/vidrop/vidrop/internal/auth"
)

// scope is what the middleware learns about one request: its id and the
// attributes for its log line. It is the request's context, wrapping the
// one it came with, so that it costs no context.WithValue allocation.
type scope struct {
	context.Context
	id    string
	attrs []slog.Attr
	// buf is attrs' first backing array, allocated with the scope: room
	// for what handlers add (a mail's hash).
	buf [1]slog.Attr
}

type scopeKey struct{}

// Value answers scopeKey with the scope itself and any other key as the
// wrapped context does.
func (sc *scope) Value(key any) any {
	if key == (scopeKey{}) {
		return sc
	}
	return sc.Context.Value(key)
}

func scopeOf(r *http.Request) *scope {
	sc, _ := r.Context().Value(scopeKey{}).(*scope)
	return sc
}

// requestID returns the request's id, "" outside the middleware.
func requestID(r *http.Request) string {
	if sc := scopeOf(r); sc != nil {
		return sc.id
	}
	return ""
}

// addLogAttrs adds attributes to the request's log line. Handlers use it to
// log what they learned (a mail's hash, never the mail).
func addLogAttrs(r *http.Request, attrs ...slog.Attr) {
	if sc := scopeOf(r); sc != nil {
		sc.attrs = append(sc.attrs, attrs...)
	}
}

// requestIDs numbers requests: a random per-process prefix and a counter.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &requestIDs{prefix: base64.RawURLEncoding.EncodeToString(b[:]) + "-"}
}

func (ids *requestIDs) next() string {
	buf := make([]byte, 0, len(ids.prefix)+20)
	buf = append(buf, ids.prefix...)
	return string(strconv.AppendUint(buf, ids.n.Add(1), 10))
}

// logRequests gives each request an id (answered as X-Request-Id) and
// writes one line per request: method, route pattern, status, bytes,
// duration in microseconds, id, and what handlers add (addLogAttrs: a
// mail's hash). Paths and queries are not logged: they may hold a mail
// address.
func logRequests(logger *slog.Logger) func(http.Handler) http.Handler {
	ids := newRequestIDs()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sc := &scope{Context: r.Context(), id: ids.next()}
			sc.attrs = sc.buf[:0]
			w.Header()["X-Request-Id"] = []string{sc.id}
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			r = r.WithContext(sc)
			defer func() {
				// RoutePattern allows a nil context (no route matched).
				route := chi.RouteContext(r.Context()).RoutePattern()
				if route == "" {
					route = "unmatched"
				}
				status := ww.Status()
				if status == 0 {
					status = http.StatusOK
				}
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelError
				}
				h := logger.Handler()
				if !h.Enabled(r.Context(), level) {
					return
				}
				// The record carries no caller: it would always be this
				// line, and finding it costs a stack walk per request.
				end := time.Now()
				rec := slog.NewRecord(end, level, "request", 0)
				rec.AddAttrs(sc.attrs...)
				rec.AddAttrs(
					slog.String("method", r.Method),
					slog.String("route", route),
					slog.Int("status", status),
					slog.Int("bytes", ww.BytesWritten()),
					// Whole microseconds: slog's JSON handler
					// writes a float through encoding/json.
					slog.Int64("duration_us", end.Sub(start).Microseconds()),
					slog.String("request_id", sc.id),
				)
				_ = h.Handle(r.Context(), rec)
			}()
			next.ServeHTTP(ww, r)
		})
	}
}

// recoverPanics turns a panic in a handler into a 500 and a log line, so
// that one bad request cannot take the process down.
func recoverPanics(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as the net/http docs do
					panic(v)
				}
				logger.Error("panic in handler", "panic", v, "stack", string(debug.Stack()),
					"request_id", requestID(r))
				writeError(w, http.StatusInternalServerError, "internal error")
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// basicAuth lets a request through only with credentials v accepts. A
// request without an Authorization header is the browser's first try and
// only gets the challenge; any other failure counts against the client.
func basicAuth(v auth.Verifier, realm string, fails *authFailures) func(http.Handler) http.Handler {
	challenge := `Basic realm="` + realm + `", charset="UTF-8"`
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, present := r.Header["Authorization"]; !present {
				w.Header().Set("WWW-Authenticate", challenge)
				writeError(w, http.StatusUnauthorized, "authentication required")
				return
			}
			key := clientKey(r)
			if fails.blocked(key) {
				w.Header().Set("Retry-After", fails.retryAfter())
				writeError(w, http.StatusTooManyRequests, "too many failed logins, retry later")
				return
			}
			user, pass, ok := r.BasicAuth()
			if !ok || !v.Verify(user, pass) {
				fails.failed(w, r, key)
				w.Header().Set("WWW-Authenticate", challenge)
				writeError(w, http.StatusUnauthorized, "invalid user name or password")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
