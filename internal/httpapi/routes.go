package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/cors"
)

// uploadTimeout is how long an upload to the embedded store may take: it
// may carry up to UPLOAD_MAX_BYTES (5 GiB at most). Every other request
// has the server's own ReadTimeout and WriteTimeout (app).
const uploadTimeout = 2 * time.Hour

// addRoutes lists every route vidrop serves.
func addRoutes(r chi.Router, logger *slog.Logger, o Options) {
	r.Use(
		logRequests(logger),
		clientIP(o.TrustedProxies),
		recoverPanics(logger),
		limitQuery(o.MaxQueryBytes),
	)
	r.NotFound(handleNotFound)
	r.MethodNotAllowed(handleMethodNotAllowed)

	r.Get("/healthz", handleHealthz)
	r.Get("/readyz", handleReadyz(o.Ready))

	r.Group(func(r chi.Router) {
		r.Use(cors.Handler(cors.Options{
			AllowedOrigins: o.CORSAllowedOrigins,
			AllowedMethods: []string{http.MethodGet},
			ExposedHeaders: []string{"X-Request-Id", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"},
			MaxAge:         600,
		}))
		// Every presign request counts against its client's address,
		// valid or not; a preflight, answered above, does not.
		r.Use(limitPerClient(newLimiter(o.PresignRatePerIP, false)))
		presign := handlePresign(presignDeps{
			logger:    logger,
			store:     o.Store,
			presigner: o.Presigner,
			perMail:   newLimiter(o.PresignRatePerMail, true),
			prefix:    o.KeyPrefix,
			uploadURL: o.UploadURL,
			now:       o.Now,
			burst:     newBurstLog(10 * time.Second),
		})
		for _, p := range []string{"/presignedurl", "/presignedurl/{project}/{step}", "/presignedurl/{project}/{step}/"} {
			r.Get(p, presign)
			// A preflight is answered by the CORS middleware, which only
			// runs for a route that matches the method.
			r.Options(p, handleOptions)
		}
	})

	r.With(basicAuth(o.Verifier, "vidrop", newAuthFailures(o.AuthFailRatePerIP))).Get("/videos", handleVideos(o.Store, o.KeyPrefix))

	if o.S3 != nil {
		// Uploads replace the server's deadlines with their own.
		s3 := deadlines(uploadTimeout)(o.S3)
		r.Handle("/s3", s3)
		r.Handle("/s3/*", s3)
	}
	static := newStaticFiles(o.Static, o.PageOrigins)
	r.Get("/*", static.ServeHTTP)
	r.Head("/*", static.ServeHTTP)
}
