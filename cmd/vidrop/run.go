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
)

// logFlushInterval is how long a log line may wait in the buffer.
const logFlushInterval = 100 * time.Millisecond

// run is the whole program: main only adds signals and the exit code.
func run(ctx context.Context, args []string, environ []string, stdout, stderr io.Writer) error {
	if len(args) > 1 {
		return fmt.Errorf("unknown command %q (vidrop takes no arguments; it is configured by environment variables)", args[1])
	}
	cfg, err := config.Load(environ)
	if err != nil {
		return err
	}
	logOut := newFlushWriter(stdout, logFlushInterval)
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
	logger.Info("listening", "addr", ln.Addr().String(), "embedded_store", cfg.Embedded())
	return a.Serve(ctx, ln)
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
