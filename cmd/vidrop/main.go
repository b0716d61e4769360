// Command vidrop serves presigned S3 POST uploads for videos recorded in
// the browser.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…" (see the
// Dockerfile and the Makefile); it is the one package-level variable,
// because the linker can only stamp those.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Environ(), os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "vidrop: %v\n", err)
		os.Exit(1)
	}
}
