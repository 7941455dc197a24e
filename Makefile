# IWSM for Go notebooks.
#
#   make run     install what is missing, print the plan, then execute the quickstart and the GMM-40
#                comparison (IWSM_BUDGET, default cpu: ~24 min on 2 cores) and write results/index.html
#   make reproduce   every notebook at IWSM_BUDGET=cpu|paper, resumable, with progress and time left
#   make test    install what is missing, then go vet, go test on the Go backend and on xla:cpu, the
#                kernel and install checks, the notebooks at IWSM_BUDGET=smoke on both backends and
#                the browser test in JupyterLab 4 and Notebook 7 (what .ci/run runs)
#   make install     kernel/install.sh: .venv/ with JupyterLab 4, Notebook 7, nbconvert (kernel/requirements*.txt),
#                    go modules, gonb, goimports, gopls, the "Go (IWSM)" kernel in .venv, a warm build cache
#   make bench       IWSM step, estimator and SDE step per target, ours on xla:cpu and go next to JAX
#                    (.venv-bench: make bench-deps) and PyTorch, ratios in results/bench.md and .json;
#                    make bench-scaling: cost against K, batch, particles; make bench-go: Go benchmarks
#   make fuzz        each fuzz target (readers of user input) for FUZZTIME (default 1m), one after
#                    another on one core (FUZZPARALLEL=1); not part of make test or CI
#   make clean       remove results/
#   make uninstall   remove .venv/ (Jupyter, the go-iwsm kernel, gonb/goimports/gopls) and .venv-bench/
#
# Without make, the same steps are: bash kernel/install.sh; bash scripts/run_plan.sh NOTEBOOK...
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

.PHONY: help install run reproduce test vet gotest kernel-check notebooks notebooks-smoke bench bench-deps bench-go bench-scaling fuzz clean uninstall

# The help is the targets' list at the top of this file: its comment lines from the third to the
# first empty one ("#"), however many there are.
help:
	@awk 'NR > 2 && /^#$$/ { exit } NR > 2 { sub(/^# ?/, ""); print }' Makefile

install:
	bash kernel/install.sh

# The plan and its time estimates come from scripts/notebook_costs.tsv (scripts/run_plan.sh).
run: install
	IWSM_BUDGET=$(IWSM_BUDGET) bash scripts/run_plan.sh notebooks/00_quickstart.ipynb notebooks/01_gmm40.ipynb

reproduce: install
	IWSM_BUDGET=$(IWSM_BUDGET) bash scripts/run_plan.sh --resume

# One recipe, so the steps run in this order even under make -j.
# The suite and the notebooks run on the pure-Go backend and on XLA's CPU plugin (installed by
# make install from PyPI where its wheel exists: Linux x86-64; elsewhere the xla:cpu passes are
# skipped with one line). The command line's tests (process kills, locks, flags: nothing that
# depends on the backend) run on the Go pass only; ./xla tests the backend choice itself.
XLA_PASS = $(shell [ "$$(uname -s)/$$(uname -m)" = Linux/x86_64 ] && echo 1)
# The xla:cpu pass's slowest packages (train ~10 min, experiment ~6, target ~4, estimator ~3 on
# 2 cores: each compiles many training steps) go first on its command line, so that go test
# starts them first and the short ones fill the other core, instead of train starting last.
XLA_SLOW = ./iwsm/train ./iwsm/experiment ./iwsm/target ./iwsm/estimator

# Each phase starts with a "== HH:MM:SS phase" line, so that a CI log says where its time went
# (the fresh-clone .ci/run must stay under 45 minutes).
test: install
	@echo "== $$(date +%T) dependency pins, go vet"
	bash scripts/test_deps.sh
	$(GO) vet ./...
	@echo "== $$(date +%T) go test, Go backend"
	IWSM_BACKEND=go $(GO) test ./...
	@echo "== $$(date +%T) go test, xla:cpu"
	$(if $(XLA_PASS),IWSM_BACKEND='xla:cpu!' $(GO) test -timeout 40m $(XLA_SLOW) $$($(GO) list ./... | grep -v -e /cmd/iwsm $(foreach p,$(XLA_SLOW),-e '$(p:./%=/%)$$')),@echo "test: no XLA CPU plugin for $$(uname -sm): skipping the xla:cpu test pass")
	@echo "== $$(date +%T) kernel and install checks"
	bash kernel/check.sh
	bash kernel/test_install.sh
	@echo "== $$(date +%T) notebooks, Go backend"
	IWSM_BACKEND=go IWSM_BUDGET=smoke bash scripts/run_notebooks.sh
	@echo "== $$(date +%T) notebooks, xla:cpu"
	$(if $(XLA_PASS),IWSM_BACKEND='xla:cpu!' IWSM_BUDGET=smoke bash scripts/run_notebooks.sh,@echo "test: skipping the xla:cpu notebook pass")
	@echo "== $$(date +%T) browser test"
	IWSM_BUDGET=smoke bash scripts/browser_test.sh
	@echo "== $$(date +%T) make test: done"

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

# The JAX peer's packages (scripts/requirements-bench.txt) in .venv-bench; make bench runs it too.
bench-deps:
	bash scripts/bench_deps.sh >/dev/null

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
	@source kernel/lib.sh; v="$$(iwsm_venv)"; \
	if [[ -e "$$v" && ! -f "$$v/pyvenv.cfg" ]]; then echo "$$v is not a virtual environment: left alone" >&2; exit 1; fi; \
	rm -rf "$$v"; echo "removed $$v (Jupyter and the $$IWSM_KERNEL_NAME kernel)"; \
	b="$$(iwsm_root)/.venv-bench"; if [[ -f "$$b/pyvenv.cfg" ]]; then rm -rf "$$b"; echo "removed $$b (the JAX peer of make bench)"; fi; \
	u="$$(iwsm_user_kernel_dir)"; \
	if grep -qsF "\"IWSM_MODULE_ROOT\": \"$$(iwsm_root)\"" "$$u/kernel.json"; then rm -rf "$$u"; echo "removed $$u (an older install's kernel)"; fi
