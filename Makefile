# vidrop's tasks. `make run` serves with the embedded store; `make test`
# runs every test, building what they need first.

SEAWEEDFS_VERSION := v0.0.0-20261109003541-7506e5f91cd6
CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vidrop
WEED := $(CACHE_DIR)/seaweedfs/$(SEAWEEDFS_VERSION)/weed
export VIDROP_SEAWEEDFS := $(WEED)

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run build test test-go test-deps seaweedfs lint bench fuzz clean

run:
	go run ./cmd/vidrop

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/vidrop ./cmd/vidrop

test: seaweedfs test-deps
	go test -race -count=1 ./...

# docker-compose and python3-botocore, for the deployment checks in deploy/:
# installed with apt-get when run as root, else named so you can.
test-deps:
	.ci/test-deps

seaweedfs: $(WEED)

$(WEED):
	.ci/build-seaweedfs $(SEAWEEDFS_VERSION) $(WEED)

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...

bench:
	.ci/bench

fuzz:
	go test -run '^$$' -fuzz '^FuzzMail$$' -fuzztime 30s ./internal/naming/
	go test -run '^$$' -fuzz '^FuzzParsePresign$$' -fuzztime 30s ./internal/httpapi/

clean:
	rm -rf bin
