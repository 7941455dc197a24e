# IWSM for Go notebooks.
#
#   make run     install what is missing, then execute notebooks/*.ipynb (IWSM_BUDGET, default cpu)
#   make test    install what is missing, then go vet, go test, the kernel and install checks,
#                the notebooks at IWSM_BUDGET=smoke and the browser test (what .ci/run runs)
#   make install     kernel/install.sh: Jupyter (Debian packages), go mod download, gonb, goimports,
#                    gopls, the "Go (IWSM)" kernel, and a warm build cache (go build ./...)
#   make bench       IWSM step, estimator and SDE step per target, ours next to PyTorch (python3-torch),
#                    with ratios (results/bench.md); make bench-scaling: cost against K, batch and
#                    particle count; make bench-go: all Go benchmarks
#   make fuzz        each fuzz target (readers of user input) for FUZZTIME (default 1m), one after
#                    another on one core (FUZZPARALLEL=1); not part of make test or CI
#   make clean       remove results/
#   make uninstall   remove the go-iwsm Jupyter kernel (and its gonb/goimports/gopls)
#
# Without make, the same steps are: bash kernel/install.sh; bash scripts/run_notebooks.sh
# (run), or go vet ./... && go test ./... && bash kernel/check.sh && bash kernel/test_install.sh &&
# IWSM_BUDGET=smoke bash scripts/run_notebooks.sh && IWSM_BUDGET=smoke bash scripts/browser_test.sh (test).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Go may not be on PATH on a fresh machine (Go's tarball lives in /usr/local/go).
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
export PATH := $(patsubst %/,%,$(dir $(GO))):$(PATH)

# Everything make runs uses the fast build of the Go backend (kernel/goenv.sh): on x86-64,
# GOEXPERIMENT=simd (SIMD matrix products) with the GODEBUG=asyncpreemptoff=1 it needs.
# IWSM_SIMD=0 make ... keeps the plain build.
$(foreach kv,$(shell bash kernel/goenv.sh --print),$(eval export $(kv)))

IWSM_BUDGET ?= cpu

.PHONY: help install run test vet gotest kernel-check notebooks notebooks-smoke bench bench-go bench-scaling fuzz clean uninstall

help:
	@sed -n '3,17p' Makefile | sed 's/^# \{0,1\}//'

install:
	bash kernel/install.sh

run: install
	IWSM_BUDGET=$(IWSM_BUDGET) bash scripts/run_notebooks.sh

# One recipe, so the steps run in this order even under make -j.
test: install
	$(GO) vet ./...
	$(GO) test ./...
	bash kernel/check.sh
	bash kernel/test_install.sh
	IWSM_BUDGET=smoke bash scripts/run_notebooks.sh
	IWSM_BUDGET=smoke bash scripts/browser_test.sh

vet:
	$(GO) vet ./...

gotest:
	$(GO) test ./...

kernel-check:
	bash kernel/check.sh

notebooks:
	IWSM_BUDGET=$(IWSM_BUDGET) bash scripts/run_notebooks.sh

notebooks-smoke:
	IWSM_BUDGET=smoke bash scripts/run_notebooks.sh

bench:
	bash scripts/bench.sh

# How the cost grows with K, the batch size and the number of particles (results/bench_scaling.md).
bench-scaling:
	bash scripts/bench_scaling.sh

# Every Go benchmark of the module (W2 timings, epochs, ...), without the PyTorch peer.
bench-go:
	mkdir -p results
	$(GO) test -run '^$$' -bench . ./iwsm/... | tee results/bench.txt

# Go's native fuzzer on every reader of user input (issue 18): .npy files, the command line's
# row checks, config.json, state.json, model checkpoints, metrics.json and user energies.
# A crasher is written to the package's testdata/fuzz/NAME/ and from then on runs in go test.
FUZZTIME ?= 1m
FUZZPARALLEL ?= 1
FUZZ_TARGETS := ./iwsm/npyfile:FuzzDecode ./iwsm/cmd/iwsm:FuzzRowChecks ./iwsm/train:FuzzReadConfig \
	./iwsm/train:FuzzDecodeState ./iwsm/train:FuzzCheckModel ./iwsm/report:FuzzReadRun ./iwsm/target:FuzzCheckEnergy

fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg="$${t%%:*}"; name="$${t##*:}"; echo "== $$name ($$pkg, $(FUZZTIME))"; \
	  $(GO) test "$$pkg" -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -parallel $(FUZZPARALLEL) || exit 1; \
	done

clean:
	rm -rf results

uninstall:
	@source kernel/lib.sh; j="$$(iwsm_find_jupyter || true)"; \
	if [[ -n "$$j" ]] && "$$j" kernelspec list >/dev/null 2>&1; then \
	  "$$j" kernelspec remove -f "$$IWSM_KERNEL_NAME" || true; \
	fi; \
	d="$$( { [[ -n "$$j" ]] && iwsm_kernel_dir "$$j"; } || echo "$${JUPYTER_DATA_DIR:-$$HOME/.local/share/jupyter}/kernels/$$IWSM_KERNEL_NAME")"; \
	rm -rf "$$d"; echo "removed kernel $$IWSM_KERNEL_NAME ($$d)"
