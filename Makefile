# Hone — build, test, demo and benchmark.
#
# Tests run in release mode with testing enabled: the numeric suites (gradient
# checks, small training runs) are 10-100x slower in a debug build.

SWIFT ?= swift
SWIFT_RELEASE = -c release
SWIFT_TEST_FLAGS = -c release -Xswiftc -enable-testing
# Debian packages the build links against (and the demo's data set).
BUILD_PACKAGES = libopenblas-dev zlib1g-dev libsqlite3-dev pkg-config
DEMO_PACKAGES = dataset-fashion-mnist

.PHONY: all deps demo-deps build test demo bench clean

all: build

# Installs only what is missing, so a prepared machine never touches the network.
deps:
	@missing=""; for p in $(BUILD_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

demo-deps: deps
	@missing=""; for p in $(DEMO_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

build: deps
	$(SWIFT) build $(SWIFT_RELEASE)

test: deps
	$(SWIFT) test $(SWIFT_TEST_FLAGS)

# Trains a CNN on the real Fashion-MNIST (Debian's dataset-fashion-mnist): per-epoch
# progress, then the test accuracy; the run is recorded under runs/.
demo: demo-deps
	$(SWIFT) build $(SWIFT_RELEASE) --product hone
	$$($(SWIFT) build $(SWIFT_RELEASE) --show-bin-path)/hone train examples/fashion-mnist-cnn.json

# One JSON object per suite, one per line (see Benchmarks/ and the README).
BENCH_SUITES = kernels train tune memory
bench: deps
	$(SWIFT) build $(SWIFT_RELEASE) --product hone
	@for suite in $(BENCH_SUITES); do $$($(SWIFT) build $(SWIFT_RELEASE) --show-bin-path)/hone bench $$suite --json || exit 1; done

clean:
	rm -rf .build
