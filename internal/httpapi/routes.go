package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/cors"
)

// addRoutes lists every route vidrop serves.
func addRoutes(r chi.Router, logger *slog.Logger, o Options) {
	r.Use(middleware.RequestID, logRequests(logger), recoverPanics(logger))
	r.NotFound(handleNotFound)
	r.MethodNotAllowed(handleMethodNotAllowed)

	r.Get("/healthz", handleHealthz)
	r.Get("/readyz", handleReadyz(o.Ready))

	r.Group(func(r chi.Router) {
		r.Use(cors.Handler(cors.Options{
			AllowedOrigins: o.CORSAllowedOrigins,
			AllowedMethods: []string{http.MethodGet},
			ExposedHeaders: []string{"X-Request-Id"},
			MaxAge:         600,
		}))
		presign := handlePresign(logger, o.Store, o.Presigner, o.KeyPrefix, o.UploadURL, o.Now)
		for _, p := range []string{"/presignedurl", "/presignedurl/{project}/{step}", "/presignedurl/{project}/{step}/"} {
			r.Get(p, presign)
			// A preflight is answered by the CORS middleware, which only
			// runs for a route that matches the method.
			r.Options(p, handleOptions)
		}
	})

	r.With(basicAuth(o.Verifier, "vidrop")).Get("/videos", handleVideos(o.Store))

	if o.S3 != nil {
		r.Handle("/s3", o.S3)
		r.Handle("/s3/*", o.S3)
	}
	static := newStaticFiles(o.Static, o.PageOrigins)
	r.Get("/*", static.ServeHTTP)
	r.Head("/*", static.ServeHTTP)
}
