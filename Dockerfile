# vidrop's image: a static binary on distroless, run as a non-root user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t vidrop .
#
# The tests (internal/buildtest) build the binary with this file's exact
# `go build` line and run it: keep it one RUN of `VAR=… go build …` alone,
# in plain words and double quotes (no &&, pipes or single quotes; `\`
# continuation lines are fine).

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so this layer stays cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/vidrop ./cmd/vidrop

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vidrop /vidrop
USER nonroot:nonroot
EXPOSE 8080
# No shell in this image: the binary checks itself (GET /healthz on LISTEN_ADDR).
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/vidrop", "healthcheck"]
ENTRYPOINT ["/vidrop"]
