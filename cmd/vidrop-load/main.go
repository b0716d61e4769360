// Command vidrop-load drives a running vidrop on loopback with concurrent
// clients, then checks through /videos that nothing was lost or issued
// twice. It exits non-zero when a check fails.
//
// With -baseline ADDR it instead serves, on ADDR, the straightforward
// handler `make loadtest` measures vidrop against (loadtest.Baseline),
// until SIGINT or SIGTERM. It signs for the bucket vidrop's own variables
// (S3_BUCKET, S3_ENDPOINT, ...) name, with the SDK's PresignPostObject, or
// with vidrop's signer when -baseline-signer is direct. With fixed, it
// serves one answer signed at start to every request (loadtest.Fixed).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vidrop/vidrop/internal/app"
	"github.com/vidrop/vidrop/internal/config"
	"github.com/vidrop/vidrop/internal/loadtest"
	"github.com/vidrop/vidrop/internal/presign"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "vidrop-load: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("vidrop-load", flag.ContinueOnError)
	c := loadtest.Config{}
	fs.StringVar(&c.BaseURL, "url", "http://127.0.0.1:8080", "vidrop's base URL (loopback only)")
	fs.IntVar(&c.Concurrency, "c", 32, "concurrent clients")
	fs.DurationVar(&c.Duration, "d", 10*time.Second, "how long to load")
	fs.IntVar(&c.MaxRequests, "n", 0, "stop after this many requests (0: no bound but -d)")
	fs.IntVar(&c.Mails, "mails", 1000, "distinct mails")
	fs.StringVar(&c.User, "user", "test", "basic-auth user for /videos")
	fs.StringVar(&c.Password, "password", "test", "basic-auth password for /videos")
	fs.IntVar(&c.Uploads, "uploads", 0, "presigned POSTs to upload for real after the load")
	baseline := fs.String("baseline", "", "serve the baseline handler on this loopback address instead of loading")
	baselineSigner := fs.String("baseline-signer", "sdk", "the baseline's signer: sdk (PresignPostObject), direct (vidrop's), or fixed (one answer signed at start, served to every request)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *baseline != "" {
		ln, err := listenLoopback(*baseline)
		if err != nil {
			return err
		}
		return serveBaseline(ctx, ln, *baselineSigner, os.Environ())
	}
	fmt.Fprintf(stdout, "machine       %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(stdout, "load          %d clients for %s over %d mails against %s\n", c.Concurrency, c.Duration, c.Mails, c.BaseURL)
	rep, err := loadtest.Run(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep)
	if !rep.Clean() {
		if rep.FirstError != "" {
			fmt.Fprintln(stdout, "first error  ", rep.FirstError)
		}
		return fmt.Errorf("checks failed: lost, duplicated, unexpected, 5xx or failed requests above")
	}
	fmt.Fprintln(stdout, "result        OK: nothing lost, nothing duplicated, no 5xx")
	return nil
}

// listenLoopback listens on addr, which must be a loopback IP: the
// baseline is for load runs on this machine only. A name such as
// "localhost" is refused rather than resolved: it could resolve elsewhere.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("baseline address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("baseline address %q: must be a loopback IP such as 127.0.0.1:8081", addr)
	}
	return net.Listen("tcp", addr)
}

// serveBaseline serves loadtest.Baseline on ln, signing with signer (sdk
// or direct) for the store environ names as vidrop's would, or
// loadtest.Fixed (fixed), until ctx ends.
func serveBaseline(ctx context.Context, ln net.Listener, signer string, environ []string) error {
	defer ln.Close() // on the early returns; Shutdown closes it otherwise
	if signer != "sdk" && signer != "direct" && signer != "fixed" {
		return fmt.Errorf("baseline: signer %q: want sdk, direct or fixed", signer)
	}
	cfg, err := config.Load(environ)
	if err != nil {
		return err
	}
	if cfg.Embedded() {
		return errors.New("baseline: set S3_BUCKET (and S3_ENDPOINT) to the store to sign for")
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region))
	if err != nil {
		return fmt.Errorf("baseline: load AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, app.Endpoint(cfg.Endpoint, cfg.PathStyle))
	opts := presign.Options{Bucket: cfg.Bucket, ACL: cfg.UploadACL, MaxBytes: cfg.UploadMaxBytes, Expires: cfg.UploadExpires}
	sign := loadtest.SDKSigner(s3.NewPresignClient(client), opts)
	if signer != "sdk" {
		s, err := presign.NewSignerFromClient(client, opts)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		sign = loadtest.DirectSigner(s)
	}
	var h http.Handler
	if signer == "fixed" {
		body, err := loadtest.FixedAnswer(ctx, sign, "fixed.mp4")
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		h = loadtest.Fixed(body)
	} else {
		h = loadtest.NewBaseline(sign).Handler()
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("baseline: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("baseline: shutdown: %w", err)
	}
	return nil
}
