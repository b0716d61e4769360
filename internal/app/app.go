// Package app wires vidrop together from its configuration: the S3
// clients (or the embedded store), the key store, the presigner, the
// verifier for /videos and the HTTP server. main and the end-to-end tests
// both start vidrop through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vidrop/vidrop/internal/auth"
	"github.com/vidrop/vidrop/internal/config"
	"github.com/vidrop/vidrop/internal/devs3"
	"github.com/vidrop/vidrop/internal/httpapi"
	"github.com/vidrop/vidrop/internal/presign"
	"github.com/vidrop/vidrop/internal/readiness"
	"github.com/vidrop/vidrop/internal/store"
	"github.com/vidrop/vidrop/web"
)

// Server timeouts. A request has requestTimeout in all to send its body
// and receive its answer, so that a slow client cannot pin a connection;
// uploads to the embedded store, which pass through this server and may
// take long, set their own deadlines (httpapi).
const (
	readHeaderTimeout = 10 * time.Second
	requestTimeout    = 30 * time.Second
	idleTimeout       = 120 * time.Second
	// authCacheTTL is how long a successful /videos login is remembered.
	authCacheTTL = time.Minute
	authCacheMax = 1024
	// readyTTL is how long a successful bucket check is reused (a failure
	// at most 1 s: readiness.Check).
	readyTTL = 5 * time.Second
)

// Option changes how New builds the App; tests use them.
type Option func(*options)

type options struct {
	now            func() time.Time
	credentials    aws.CredentialsProvider
	requestTimeout time.Duration
}

// WithClock makes presigned POSTs and recorded keys use now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithCredentials replaces the credentials POSTs are signed with: the
// SDK's default chain (which the bucket check uses too), or the embedded
// store's keys.
func WithCredentials(p aws.CredentialsProvider) Option {
	return func(o *options) { o.credentials = p }
}

// WithRequestTimeout replaces how long a request may take to send its body
// and receive its answer (30 s).
func WithRequestTimeout(d time.Duration) Option {
	return func(o *options) { o.requestTimeout = d }
}

// App is a configured vidrop, ready to serve.
type App struct {
	cfg            config.Config
	logger         *slog.Logger
	handler        http.Handler
	requestTimeout time.Duration
}

// New builds vidrop from cfg.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, opts ...Option) (*App, error) {
	o := options{now: time.Now, requestTimeout: requestTimeout}
	for _, opt := range opts {
		opt(&o)
	}

	verifier, err := newVerifier(cfg, logger)
	if err != nil {
		return nil, err
	}

	st := store.NewMemory(store.Limits{MaxMails: cfg.StoreMaxMails, MaxKeysPerMail: cfg.StoreMaxKeysPerMail})
	api := httpapi.Options{
		Store:              st,
		Verifier:           verifier,
		KeyPrefix:          cfg.KeyPrefix,
		CORSAllowedOrigins: cfg.CORSAllowedOrigins,
		Static:             web.FS(),
		PresignRatePerIP:   cfg.PresignRatePerIP,
		PresignRatePerMail: cfg.PresignRatePerMail,
		AuthFailRatePerIP:  cfg.AuthFailRatePerIP,
		TrustedProxies:     cfg.TrustedPrefixes,
		MaxQueryBytes:      cfg.MaxQueryBytes,
		Now:                o.now,
	}
	presignOpts := presign.Options{
		Bucket:   cfg.Bucket,
		ACL:      cfg.UploadACL,
		MaxBytes: cfg.UploadMaxBytes,
		Expires:  cfg.UploadExpires,
		Now:      o.now,
	}

	// signClient carries what a presigned POST is signed with: region,
	// credentials and the endpoint browsers post to.
	var signClient *s3.Client
	if cfg.Embedded() {
		dev, err := devs3.New(cfg.UploadMaxBytes)
		if err != nil {
			return nil, err
		}
		logger.Warn("development mode: no S3_BUCKET set, so uploads go to an embedded store under /s3/; " +
			"they are kept in memory and lost on exit, and the embedded store does not verify POST policies or signatures")
		presignOpts.Bucket = devs3.Bucket
		api.S3 = dev.Handler("/s3")
		api.Ready = dev.Check
		base := "http://localhost/s3" // replaced per request below
		if cfg.PublicEndpoint != "" {
			base = cfg.PublicEndpoint
		} else {
			api.UploadURL = embeddedUploadURL
		}
		var creds aws.CredentialsProvider = credentials.NewStaticCredentialsProvider(devs3.AccessKey, devs3.SecretKey, "")
		if o.credentials != nil {
			creds = o.credentials
		}
		signClient = s3.New(s3.Options{
			Region:       cfg.Region,
			Credentials:  creds,
			BaseEndpoint: aws.String(base),
			UsePathStyle: true,
		})
	} else {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region))
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		if o.credentials != nil {
			awsCfg.Credentials = o.credentials
		}
		server := s3.NewFromConfig(awsCfg, Endpoint(cfg.Endpoint, cfg.PathStyle))
		public := cfg.PublicEndpoint
		if public == "" {
			public = cfg.Endpoint
		}
		signClient = s3.NewFromConfig(awsCfg, Endpoint(public, cfg.PathStyle))
		api.Ready = readiness.NewBucket(server, cfg.Bucket, readyTTL, logger).Check
	}
	// The page may post where the presigned URL points, unless UploadURL
	// replaces that per request with this server's own (embedded store).
	var upload string
	if cfg.PresignSigner == "sdk" {
		// The Signer marks credential failures itself; the SDK does not,
		// so its provider does, for the 503 they deserve. The provider
		// (the SDK's own cache) stays inside, refresh window and all.
		so := signClient.Options()
		so.Credentials = presign.MarkCredentials(so.Credentials)
		api.Presigner = presign.New(s3.NewPresignClient(s3.New(so)), presignOpts)
		if api.UploadURL == nil {
			if upload, err = presign.PostURL(signClient, presignOpts.Bucket); err != nil {
				return nil, err
			}
		}
	} else {
		signer, err := presign.NewSignerFromClient(signClient, presignOpts)
		if err != nil {
			return nil, fmt.Errorf("presign: %w", err)
		}
		api.Presigner = signer
		if api.UploadURL == nil {
			upload = signer.URL() // resolved once, by the signer
		}
	}
	if api.PageOrigins, err = pageOrigins(upload, cfg.CSPConnectSrc); err != nil {
		return nil, err
	}

	return &App{cfg: cfg, logger: logger, handler: httpapi.NewServer(logger, api), requestTimeout: o.requestTimeout}, nil
}

// pageOrigins are the origins the recorder page may connect to besides its
// own: upload's (the presigned URL, "" when it is this server) and extra
// (CSP_CONNECT_SRC), each once.
func pageOrigins(upload string, extra []string) ([]string, error) {
	var origins []string
	if upload != "" {
		u, err := url.Parse(upload)
		if err != nil {
			return nil, fmt.Errorf("upload endpoint %q: %w", upload, err)
		}
		origins = append(origins, u.Scheme+"://"+u.Host)
	}
	for _, o := range extra {
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	return origins, nil
}

// Endpoint points an S3 client at url ("" keeps the SDK's AWS endpoint),
// path-style when pathStyle: S3_ENDPOINT and S3_PATH_STYLE, as vidrop and
// the load run's baseline apply them.
func Endpoint(url string, pathStyle bool) func(*s3.Options) {
	return func(o *s3.Options) {
		if url != "" {
			o.BaseEndpoint = aws.String(url)
		}
		o.UsePathStyle = pathStyle
	}
}

// embeddedUploadURL points the browser at this server's own /s3/ from the
// host it reached us by: the listen address (":8080") cannot go in a URL.
func embeddedUploadURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/s3/" + devs3.Bucket
}

func newVerifier(cfg config.Config, logger *slog.Logger) (auth.Verifier, error) {
	if cfg.BasicAuthUsers == "" {
		logger.Warn("no BASIC_AUTH_USERS or BASIC_AUTH_FILE: /videos accepts any user whose password equals the user name; set bcrypt users for production")
		return auth.SameAsUser{}, nil
	}
	users, err := auth.ParseUsers(cfg.BasicAuthUsers)
	if err != nil {
		return nil, fmt.Errorf("basic auth users: %w", err)
	}
	return auth.NewUsers(users, authCacheTTL, authCacheMax), nil
}

// Handler returns the HTTP handler, for tests and benchmarks.
func (a *App) Handler() http.Handler { return a.handler }

// Serve answers requests on ln until ctx is done, then stops accepting
// connections and waits up to the shutdown timeout for requests in flight.
// It returns an error when the drain had to be cut short.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: min(readHeaderTimeout, a.requestTimeout),
		ReadTimeout:       a.requestTimeout,
		WriteTimeout:      a.requestTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    a.cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.logger.Info("shutting down", "timeout", a.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		a.logger.Error("shutdown cut short: requests were still running", "timeout", a.cfg.ShutdownTimeout.String())
		return fmt.Errorf("shutdown: drain cut short after %s: %w", a.cfg.ShutdownTimeout, err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	a.logger.Info("stopped")
	return nil
}
