# vidrop's tasks. `make run` serves with the embedded store; `make test`
# runs every test, building what they need first.

SEAWEEDFS_VERSION := v0.0.0-20261109003541-7506e5f91cd6
CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vidrop
WEED := $(CACHE_DIR)/seaweedfs/$(SEAWEEDFS_VERSION)/weed
export VIDROP_SEAWEEDFS := $(WEED)

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
LOAD_DURATION ?= 30s
LOAD_CLIENTS ?= 32
LOAD_ROUNDS ?= 3

.PHONY: run build test test-deps seaweedfs chromium lint bench loadtest fuzz clean

run:
	go run ./cmd/vidrop

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/vidrop ./cmd/vidrop

test: seaweedfs chromium test-deps
	go test -race -count=1 ./...

# docker-compose and python3-botocore, for the deployment checks in deploy/:
# installed with apt-get when run as root, else named so you can.
test-deps:
	.ci/test-deps

seaweedfs: $(WEED)

$(WEED):
	.ci/build-seaweedfs $(SEAWEEDFS_VERSION) $(WEED)

# The recorder page's tests drive Debian's Chromium (package chromium;
# chromium-browser, as other distributions name it, does too); nothing
# downloads a browser of its own. As root, install it; otherwise
# stop and say what to install. Set VIDROP_CHROMIUM to use another binary.
chromium:
	@if [ -n "$$VIDROP_CHROMIUM" ]; then \
		[ -x "$$VIDROP_CHROMIUM" ] || { echo "VIDROP_CHROMIUM=$$VIDROP_CHROMIUM is not an executable" >&2; exit 1; }; \
	elif ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "chromium is missing: installing the Debian package chromium"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
		else \
			echo "The browser tests need Chromium: install the Debian package chromium (sudo apt-get install chromium), then run make test again." >&2; \
			exit 1; \
		fi; \
	fi

STATICCHECK_VERSION := v0.8.2

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

bench:
	.ci/bench

loadtest: seaweedfs
	LOAD_ROUNDS=$(LOAD_ROUNDS) .ci/loadtest $(LOAD_DURATION) $(LOAD_CLIENTS)

FUZZTIME ?= 30s
fuzz:
	go test -run '^$$' -fuzz '^FuzzMail$$' -fuzztime $(FUZZTIME) ./internal/naming/
	go test -run '^$$' -fuzz '^FuzzParsePresign$$' -fuzztime $(FUZZTIME) ./internal/httpapi/
	go test -run '^$$' -fuzz '^FuzzParams$$' -fuzztime $(FUZZTIME) ./internal/httpapi/
	go test -run '^$$' -fuzz '^FuzzAuthHeader$$' -fuzztime $(FUZZTIME) ./internal/httpapi/
	go test -run '^$$' -fuzz '^FuzzAppend$$' -fuzztime $(FUZZTIME) ./internal/jsonstr/
	go test -run '^$$' -fuzz '^FuzzSignerMatchesSDK$$' -fuzztime $(FUZZTIME) ./internal/presign/
	go test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME) ./internal/auth/

clean:
	rm -rf bin
