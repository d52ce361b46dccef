# Vetted — see README.md. `make run` and `make test` are the two commands.
GO       ?= go
BIN      := bin/vetted
UI       := admin-ui
# make run honours these from the environment (VETTED_ADDR=0.0.0.0:9000 make run).
VETTED_DATA_DIR ?= ./data
VETTED_ADDR     ?= 127.0.0.1:8080

.PHONY: all build ui ui-deps run test test-go test-ui contract e2e vet fmt-check fuzz bench load clean test-mongo scale

all: build

ui-deps: $(UI)/node_modules/.package-lock.json

$(UI)/node_modules/.package-lock.json: $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund

ui: ui-deps
	cd $(UI) && npm run build

# build: the admin UI, then the binary with the UI embedded.
build: ui
	$(GO) build -trimpath -ldflags="-s -w" -o $(BIN) ./cmd/vetted

# run: build everything and start on the embedded database with demo data.
run: build
	VETTED_DEMO=1 VETTED_DATA_DIR="$(VETTED_DATA_DIR)" VETTED_ADDR="$(VETTED_ADDR)" ./$(BIN)

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test-go:
	$(GO) test -race -count=1 -timeout 30m ./...

# test-mongo: the store, service, delivery, API and system tests against
# MONGODB_URI (a replica set or Atlas; each test uses a database of its own,
# dropped after it) instead of the embedded FerretDB. Skips without it.
MONGO_TEST_PKGS := ./models/... ./service/... ./delivery/... ./handlers/... ./tests/system/...
test-mongo:
	@if [ -z "$(MONGODB_URI)" ]; then echo "test-mongo: skipped (set MONGODB_URI=mongodb://... to run the store and system tests against it)"; exit 0; fi; \
	env -u MONGODB_URI VETTED_TEST_MONGODB_URI="$(MONGODB_URI)" $(GO) test -race -count=1 -p 1 $(MONGO_TEST_PKGS)

test-ui: ui-deps
	cd $(UI) && npm test

# e2e: the admin UI in headless Chromium against the real binary.
e2e: build
	cd $(UI) && VETTED_BIN=../$(BIN) npm run e2e

# contract: lint the OpenAPI document (Redocly, 0 errors), generate from
# it the Go client (oapi-codegen, types + client; tools/apiclient is its
# own module pinning the generator) and the TypeScript types
# (openapi-typescript, pinned in admin-ui), and compile both.
contract: ui-deps
	cd tools/apiclient && $(GO) tool oapi-codegen -generate types,client -package apiclient -o apiclient.gen.go ../../handlers/openapi.json && $(GO) vet ./...
	cd $(UI) && npm run contract

# test: everything CI runs.
test: fmt-check vet test-go test-ui contract e2e fuzz-short

FUZZ_TIME ?= 3s
fuzz-short:
	GO="$(GO)" bash tools/fuzz.sh $(FUZZ_TIME)

fuzz:
	$(MAKE) fuzz-short FUZZ_TIME=60s

# load: a mixed workload (writers, a clinician, an editor, sites reading)
# against a fresh server on loopback, for LOAD_TIME; fails on any error.
LOAD_TIME ?= 30s
load: build
	$(GO) run ./tools/load -bin $(BIN) -duration $(LOAD_TIME)

clean:
	rm -rf bin $(UI)/node_modules

# bench: the delivery API under load on 1,000 published articles beside
# nginx serving one of the same documents (see bench/run.sh).
bench:
	$(GO) build -trimpath -ldflags="-s -w" -o $(BIN) ./cmd/vetted
	bash bench/run.sh

# scale: restart to /readyz (wall and CPU), RSS at rest, data size and
# by-slug req/s at each of SCALE_POINTS ("1000 10000") published articles
# (bench/scale.sh; seeding takes a while: SCALE_DATA=dir keeps dir/<n>).
scale:
	$(GO) build -trimpath -ldflags="-s -w" -o $(BIN) ./cmd/vetted
	bash bench/scale.sh
