package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/vidrop/vidrop/internal/auth"
)

type logAttrsKey struct{}

// addLogAttrs adds attributes to the request's log line. Handlers use it to
// log what they learned (a mail's hash, never the mail).
func addLogAttrs(r *http.Request, attrs ...slog.Attr) {
	if p, ok := r.Context().Value(logAttrsKey{}).(*[]slog.Attr); ok {
		*p = append(*p, attrs...)
	}
}

// logRequests writes one line per request: method, route pattern, status,
// duration and request id. Paths and queries are not logged: they may
// hold a mail address.
func logRequests(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			var extra []slog.Attr
			r = r.WithContext(context.WithValue(r.Context(), logAttrsKey{}, &extra))
			defer func() {
				route := "unmatched"
				if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
					route = rc.RoutePattern()
				}
				status := ww.Status()
				if status == 0 {
					status = http.StatusOK
				}
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelError
				}
				attrs := append([]slog.Attr{
					slog.String("method", r.Method),
					slog.String("route", route),
					slog.Int("status", status),
					slog.Int("bytes", ww.BytesWritten()),
					slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
					slog.String("request_id", middleware.GetReqID(r.Context())),
				}, extra...)
				logger.LogAttrs(r.Context(), level, "request", attrs...)
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
					"request_id", middleware.GetReqID(r.Context()))
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
			key, _ := clientKey(r)
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
