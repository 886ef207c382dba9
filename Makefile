# Hone — build, test, demo and benchmark.
#
# Tests run in release mode with testing enabled: the numeric suites (gradient
# checks, small training runs) are 10-100x slower in a debug build.

SWIFT ?= swift
# The vector instructions of the machine that builds: where the processor has AVX2 and
# FMA, Swift code is generated for Haswell's instruction set, so the kernels written on
# SIMD8 (softmax exponentials, normalization rows) run on 256-bit registers instead of
# two 128-bit halves. Swift does not fuse a*b+c on its own, so results are the same bits
# either way. `make CPU_FLAGS=` builds for baseline x86-64 (a binary to copy elsewhere).
CPU_FLAGS ?= $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo "-Xswiftc -target-cpu -Xswiftc haswell")
SWIFT_RELEASE = -c release $(CPU_FLAGS)
SWIFT_TEST_FLAGS = -c release -Xswiftc -enable-testing $(CPU_FLAGS)
# Debian packages the build links against (and the demo's data set).
BUILD_PACKAGES = libdnnl-dev libopenblas-dev zlib1g-dev libsqlite3-dev libpq-dev libopenmpi-dev pkg-config
DEMO_PACKAGES = dataset-fashion-mnist
# Debian packages the tests need: the broken examples train on the real Fashion-MNIST; the
# TensorBoard test builds a virtualenv (outside the source tree) for the real reader; the
# report tests render pages in a real browser; the storage tests run against a throwaway
# PostgreSQL server (scripts/with-postgres.sh); the distributed tests run mpirun.
TEST_PACKAGES = dataset-fashion-mnist python3-venv chromium postgresql openmpi-bin

.PHONY: all deps test-deps demo-deps build test demo bench clean

all: build

# Installs only what is missing, so a prepared machine never touches the network.
define install_missing
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_PACKAGES))

demo-deps: deps
	$(call install_missing,$(DEMO_PACKAGES))

test-deps: deps
	$(call install_missing,$(TEST_PACKAGES))

build: deps
	$(SWIFT) build $(SWIFT_RELEASE)

# The whole suite, beside a throwaway PostgreSQL server that the storage tests use. The
# test process runs the library in-process, so it gets the sleeping thread waits that the
# hone binary sets for itself (Sources/hone/WaitPolicy.swift): on a busy machine spinning
# waits slow the numeric suites several times.
test: test-deps
	OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 scripts/with-postgres.sh $(SWIFT) test $(SWIFT_TEST_FLAGS)

# Trains a CNN on the real Fashion-MNIST (Debian's dataset-fashion-mnist): per-epoch
# progress, then the test accuracy; the run is recorded under runs/.
demo: demo-deps
	$(SWIFT) build $(SWIFT_RELEASE) --product hone
	$$($(SWIFT) build $(SWIFT_RELEASE) --show-bin-path)/hone train examples/fashion-mnist-cnn.json

# One JSON object per suite, one per line (see Benchmarks/ and the README).
BENCH_SUITES = kernels train tune memory trees explain
bench: deps
	$(SWIFT) build $(SWIFT_RELEASE) --product hone
	@for suite in $(BENCH_SUITES); do $$($(SWIFT) build $(SWIFT_RELEASE) --show-bin-path)/hone bench $$suite --json || exit 1; done

clean:
	rm -rf .build

# Coverage-guided fuzzing of every reader of outside bytes (Fuzz/README.md): builds the
# libFuzzer harnesses with swiftc (not package targets) and runs each for FUZZ_SECONDS,
# one after another. Not part of `make test`. Crashing inputs land in .build/fuzz/artifacts.
FUZZ_SECONDS ?= 60
FUZZ_DIR = .build/fuzz
FUZZ_HARNESSES ?= $(sort $(basename $(notdir $(wildcard Fuzz/Harnesses/*.swift))))
FUZZ_FLAGS = -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=2048 -detect_leaks=0 -print_final_stats=1

.PHONY: fuzz
fuzz: deps
	Fuzz/build.sh $(FUZZ_DIR)
	@mkdir -p $(FUZZ_DIR)/artifacts
	@for harness in $(FUZZ_HARNESSES); do \
	  echo "fuzz: running $$harness for $(FUZZ_SECONDS) s"; \
	  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 $(FUZZ_DIR)/$$harness $(FUZZ_DIR)/corpus/$$harness -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$$harness- || exit 1; \
	done
