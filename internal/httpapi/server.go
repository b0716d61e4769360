// Package httpapi is vidrop's HTTP interface: the presign and videos
// endpoints, health checks, the recorder page and, in development, the
// embedded S3 store.
package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/vidrop/vidrop/internal/auth"
	"github.com/vidrop/vidrop/internal/config"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/store"
)

// Presigner makes the presigned POST for one key: *presign.Signer, as
// vidrop ships, or *presign.Service (PRESIGN_SIGNER=sdk).
type Presigner interface {
	Presign(ctx context.Context, key, contentType string) (presign.Post, error)
}

var (
	_ Presigner = (*presign.Service)(nil)
	_ Presigner = (*presign.Signer)(nil)
)

// Options are what the server needs from the rest of the program.
type Options struct {
	Store     *store.Memory
	Presigner Presigner
	// Verifier guards /videos.
	Verifier auth.Verifier
	// Ready reports whether the bucket answers, for /readyz.
	Ready func(context.Context) error

	// KeyPrefix starts every key.
	KeyPrefix string
	// CORSAllowedOrigins may call the presign endpoints; "*" means any.
	CORSAllowedOrigins []string
	// UploadURL, when set, overrides the presigned URL, from the request
	// (the embedded store's URL depends on the Host the page was loaded
	// from).
	UploadURL func(r *http.Request) string
	// S3 serves the embedded store at /s3/, when set.
	S3 http.Handler
	// Static holds the recorder page, served at /.
	Static fs.FS
	// PageOrigins are the origins, besides its own, that the page may
	// connect to and play videos from (its Content-Security-Policy): the
	// bucket's, and other APIs' for a page used with ?api=.
	PageOrigins []string

	// Abuse controls. A zero Rate turns a limit off.
	PresignRatePerIP   config.Rate
	PresignRatePerMail config.Rate
	AuthFailRatePerIP  config.Rate
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// MaxQueryBytes bounds the query string; 0 means no bound.
	MaxQueryBytes int

	// Now is the clock keys are recorded with; nil means time.Now.
	Now func() time.Time
}

// NewServer returns the HTTP handler for all of vidrop's routes.
func NewServer(logger *slog.Logger, o Options) http.Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	r := chi.NewRouter()
	addRoutes(r, logger, o)
	return r
}
