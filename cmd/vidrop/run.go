package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/vidrop/vidrop/internal/app"
	"github.com/vidrop/vidrop/internal/config"
	"github.com/vidrop/vidrop/internal/healthcheck"
)

// How log lines are buffered (flushWriter): they are written out every
// logFlushInterval, and as soon as logBatchBytes are waiting; writers wait
// for the sink only once logMaxBytes are.
const (
	logFlushInterval = 100 * time.Millisecond
	logBatchBytes    = 64 << 10
	logMaxBytes      = 4 << 20
)

// run is the whole program: main only adds signals and the exit code.
//
//	vidrop              serve (configured by environment variables)
//	vidrop healthcheck  exit 0 only if the server on LISTEN_ADDR answers /healthz with 200
//	vidrop version      print the version stamped at build time
func run(ctx context.Context, args []string, environ []string, stdout io.Writer) error {
	if len(args) > 2 {
		return fmt.Errorf("unexpected arguments %q after %q", args[2:], args[1])
	}
	if len(args) == 2 {
		switch args[1] {
		case "healthcheck":
			return checkHealth(ctx, environ)
		case "version":
			_, err := fmt.Fprintln(stdout, version)
			return err
		default:
			return fmt.Errorf("unknown command %q (commands: healthcheck, version; with none, vidrop serves, configured by environment variables)", args[1])
		}
	}
	return serve(ctx, environ, stdout)
}

func serve(ctx context.Context, environ []string, stdout io.Writer) error {
	cfg, err := config.Load(environ)
	if err != nil {
		return err
	}
	logOut := newFlushWriter(stdout, logFlushInterval, logBatchBytes, logMaxBytes)
	defer logOut.Close()
	logger, err := newLogger(cfg, logOut)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "embedded_store", cfg.Embedded(), "version", version)
	return a.Serve(ctx, ln)
}

// checkHealth reads LISTEN_ADDR the way the server does, from the same
// environment (the container's), and asks that server's /healthz.
func checkHealth(ctx context.Context, environ []string) error {
	cfg, err := config.Load(environ)
	if err != nil {
		return err
	}
	url, err := healthcheck.URL(cfg.ListenAddr)
	if err != nil {
		return err
	}
	// The client's timeout bounds the whole check.
	return healthcheck.New(healthcheck.Timeout).Check(ctx, url)
}

func newLogger(cfg config.Config, w io.Writer) (*slog.Logger, error) {
	level, err := cfg.SlogLevel()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}
