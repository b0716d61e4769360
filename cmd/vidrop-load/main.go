// Command vidrop-load drives a running vidrop on loopback with concurrent
// clients, then checks through /videos that nothing was lost or issued
// twice. It exits non-zero when a check fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/vidrop/vidrop/internal/loadtest"
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
	if err := fs.Parse(args); err != nil {
		return err
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
