"""Write every values.schema.json of the ai-stack charts from one description.

The umbrella and each subchart need their own schema (Helm validates a subchart's values with the
subchart's schema), and they share most of their shape: image, resources, probes, volumes, pod
security. Writing them by hand would mean nine copies of the same definitions; this script is the
single source, and `tests/platform` fails when a committed schema differs from its output.

    python charts/build_schemas.py          # rewrite the schemas
    python charts/build_schemas.py --check  # exit 1 if any is out of date

Schemas are JSON Schema draft-07 (Helm 3 and 4 both read it) and every component object sets
``additionalProperties: false``, so a mistyped key or a wrong type makes ``helm template`` fail.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

CHARTS = Path(__file__).resolve().parent
UMBRELLA = CHARTS / "ai-stack"
LIBRARY = "ai-stack-lib"
DRAFT = "http://json-schema.org/draft-07/schema#"

# The call-graph components, as subchart names (also the keys of the umbrella's values).
PYTHON_COMPONENTS = ("gateway", "orchestrator", "tool-registry", "mcp", "rag-api", "asr-api")
COMPONENTS = (*PYTHON_COMPONENTS, "qdrant", "llm-runner", "operator")


# --- building blocks -------------------------------------------------------------------------


def obj(properties: dict, required: tuple[str, ...] = (), **extra: object) -> dict:
    """A closed object: unknown keys are errors."""
    schema: dict = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


def string(**extra: object) -> dict:
    return {"type": "string", **extra}


def integer(minimum: int | None = None, maximum: int | None = None) -> dict:
    schema: dict = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


BOOLEAN = {"type": "boolean"}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
OBJECT_LIST = {"type": "array", "items": {"type": "object"}}
QUANTITY = {
    "type": ["string", "number"],
    "pattern": r"^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$",
}
PORT = integer(1, 65535)
ABSOLUTE_PATH = string(pattern="^/")


def image(description: str) -> dict:
    return obj(
        {
            "repository": string(minLength=1),
            "tag": string(description='"" = the chart\'s appVersion; skaffold sets tag@digest'),
            "pullPolicy": {"enum": ["", "Always", "IfNotPresent", "Never"]},
        },
        ("repository",),
        description=description,
    )


RESOURCES = obj(
    {
        "requests": obj(
            {"cpu": QUANTITY, "memory": QUANTITY, "ephemeral-storage": QUANTITY},
            ("cpu", "memory"),
        ),
        "limits": obj(
            {"cpu": QUANTITY, "memory": QUANTITY, "ephemeral-storage": QUANTITY}, ("memory",)
        ),
    },
    ("requests", "limits"),
    description="Requests and a memory limit are required on every container.",
)

SECURITY_CONTEXT = obj(
    {
        "runAsUser": integer(1),
        "readOnlyRootFilesystem": {
            **BOOLEAN,
            "description": "Only values-dev.yaml may set false (skaffold file sync).",
        },
    }
)


def probe(with_enabled: bool = False) -> dict:
    properties = {
        "periodSeconds": integer(1),
        "timeoutSeconds": integer(1),
        "failureThreshold": integer(1),
        "initialDelaySeconds": integer(0),
    }
    if with_enabled:
        properties = {"enabled": BOOLEAN, **properties}
    return obj(properties, ("periodSeconds", "timeoutSeconds", "failureThreshold"))


def probes(startup_switch: bool) -> dict:
    return obj(
        {"startup": probe(startup_switch), "liveness": probe(), "readiness": probe()},
        ("liveness", "readiness"),
    )


def volume(types: tuple[str, ...] = ("pvc", "emptyDir"), seed: str = "") -> dict:
    description = "type pvc: a PersistentVolumeClaim (kept on uninstall); emptyDir: scratch."
    if seed:
        description = f"Seed volume {seed}. " + description
    return obj(
        {
            "type": {"enum": list(types)},
            "mountPath": ABSOLUTE_PATH,
            "size": QUANTITY,
            "storageClass": string(description='"" = global.storageClass'),
            "accessMode": {
                "enum": ["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany"]
            },
            "existingClaim": string(description="use this claim (a template string)"),
            "medium": {"enum": ["", "Memory"]},
            "readOnly": BOOLEAN,
        },
        ("type", "mountPath", "size"),
        description=description,
    )


def persistence(volumes: dict) -> dict:
    return obj(volumes, tuple(volumes))


NETWORK_POLICY = obj(
    {
        "allowInternetEgress": {
            **BOOLEAN,
            "description": "egress to TCP 443 outside private ranges",
        },
        "extraIngress": OBJECT_LIST,
        "extraEgress": OBJECT_LIST,
    }
)

AUTOSCALING = obj(
    {
        "enabled": BOOLEAN,
        "minReplicas": integer(1),
        "maxReplicas": integer(1),
        "targetCPUUtilizationPercentage": integer(1, 100),
    },
    ("enabled",),
)


GIB = {"type": "number", "exclusiveMinimum": 0}


def gpu(with_shm: bool = False, extra: dict | None = None) -> dict:
    properties: dict = {
        "enabled": BOOLEAN,
        "count": integer(1),
        "runtimeClassName": string(minLength=1),
        **(extra or {}),
    }
    if with_shm:
        properties["shmSize"] = QUANTITY
    return obj(properties, ("enabled",))


SCHEDULING = {
    "podAnnotations": STRING_MAP,
    "nodeSelector": STRING_MAP,
    "tolerations": OBJECT_LIST,
    "affinity": {"type": "object"},
}

MODEL_ID = string(
    minLength=1,
    **{"not": {"pattern": "^(gpt-|claude-|gemini-)"}},
    description="Cursor changes its request format for these prefixes",
)

GLOBAL = obj(
    {
        "imageRegistry": string(),
        "imagePullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
        "imagePullSecrets": {"type": "array", "items": string(minLength=1)},
        "storageClass": string(),
        "logLevel": {"enum": ["debug", "info", "warning", "error", "critical"]},
        "logFormat": {"enum": ["json", "console"]},
        "models": {"type": "array", "minItems": 1, "items": MODEL_ID},
        "http": obj(
            {
                "connectTimeoutSeconds": {"type": "number", "exclusiveMinimum": 0},
                "readTimeoutSeconds": {"type": "number", "exclusiveMinimum": 0},
            },
            ("connectTimeoutSeconds", "readTimeoutSeconds"),
        ),
        "otel": obj({"endpoint": string()}, ("endpoint",)),
        "ports": obj(
            {
                name: PORT
                for name in (
                    "gateway",
                    "orchestrator",
                    "ragApi",
                    "qdrant",
                    "asrApi",
                    "mcp",
                    "toolRegistry",
                )
            },
            ("gateway", "orchestrator", "ragApi", "qdrant", "asrApi", "mcp", "toolRegistry"),
        ),
        "llm": obj(
            {
                "backend": {"enum": ["ollama", "vllm", "openai"]},
                "baseUrl": string(pattern="^(https?://.+)?$"),
                "model": string(),
                "ollamaModel": string(minLength=1),
                "vllmModel": string(minLength=1),
            },
            ("backend",),
        ),
        "ingress": obj(
            {
                "enabled": BOOLEAN,
                "className": string(minLength=1),
                "host": string(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"),
                "annotations": STRING_MAP,
                "controllerNamespace": string(minLength=1),
                "tls": obj(
                    {"enabled": BOOLEAN, "secretName": string(), "clusterIssuer": string()},
                    ("enabled",),
                ),
                "httpRoute": obj({"enabled": BOOLEAN, "parentRefs": OBJECT_LIST}, ("enabled",)),
            },
            ("enabled", "host"),
        ),
        "networkPolicy": obj(
            {
                "enabled": BOOLEAN,
                "dnsNamespace": string(minLength=1),
                "dnsPodLabels": STRING_MAP,
                "extraEgress": OBJECT_LIST,
            },
            ("enabled",),
        ),
        "monitoring": obj(
            {
                "namespace": string(minLength=1),
                "serviceMonitor": obj(
                    {
                        "enabled": BOOLEAN,
                        "interval": string(pattern="^[0-9]+[smh]$"),
                        "labels": STRING_MAP,
                    },
                    ("enabled",),
                ),
            }
        ),
        "testImage": image("image of the helm test pods (wget)"),
        "operator": obj(
            {"enabled": {**BOOLEAN, "description": "gateway + orchestrator read <release>-models"}},
            ("enabled",),
            description="the operator's model table; set with operator.enabled",
        ),
        "serviceToken": obj(
            {
                "existingSecret": string(
                    description='"" = <release>-service-token, generated once and kept (lookup)'
                ),
                "existingSecretKey": string(minLength=1),
            },
            ("existingSecretKey",),
        ),
    },
    description="Shared settings; every subchart reads them.",
)


# --- the components --------------------------------------------------------------------------


def python_component(
    description: str, repo_hint: str, volumes: dict, extra: dict, startup_switch: bool = True
) -> dict:
    """The shape every Python service shares, plus its own keys."""
    properties = {
        "enabled": BOOLEAN,
        **extra,
        "replicaCount": integer(0),
        "image": image(f"the {repo_hint} image built from docker/"),
        "env": {**STRING_MAP, "description": "extra plain variables for the ConfigMap"},
        "devReload": {**BOOLEAN, "description": "dev only: DEV_RELOAD, restart on synced edits"},
        "resources": RESOURCES,
        "securityContext": SECURITY_CONTEXT,
        "probes": probes(startup_switch),
        "persistence": persistence(volumes),
        "networkPolicy": NETWORK_POLICY,
        "autoscaling": AUTOSCALING,
        **SCHEDULING,
    }
    return obj(properties, description=description)


def component_schemas() -> dict[str, dict]:
    return {
        "gateway": python_component(
            "The OpenAI-compatible front door.",
            "gateway",
            {"state": volume(seed="gateway_state"), "logs": volume(seed="logs")},
            {
                "peers": obj(
                    {"ragApi": BOOLEAN, "asrApi": BOOLEAN},
                    ("ragApi", "asrApi"),
                    description="rag-api (embeddings) and asr-api (transcriptions) behind it",
                ),
                "apiKeys": obj(
                    {
                        "keys": {"type": "array", "items": string(minLength=16)},
                        "existingSecret": string(),
                        "existingSecretKey": string(minLength=1),
                        "fileSecret": string(),
                    },
                    ("existingSecretKey",),
                ),
                "redis": obj(
                    {
                        "url": string(pattern="^(rediss?://.*)?$"),
                        "existingSecret": string(),
                        "existingSecretKey": string(minLength=1),
                        "port": PORT,
                        "networkPolicyTo": {"type": "array", "items": {"type": "object"}},
                    },
                    ("existingSecretKey", "port"),
                    description="shared rate-limit counters for several replicas (REDIS_URL)",
                ),
            },
        ),
        "orchestrator": python_component(
            "The LangGraph orchestrator.",
            "orchestrator",
            {},
            {
                "peers": obj(
                    {"ragApi": BOOLEAN, "mcp": BOOLEAN, "toolRegistry": BOOLEAN},
                    ("ragApi", "mcp", "toolRegistry"),
                    description="optional peers it calls; keep in step with <peer>.enabled",
                ),
                "llmApiKey": obj(
                    {
                        "value": string(),
                        "existingSecret": string(),
                        "existingSecretKey": string(minLength=1),
                    },
                    ("existingSecretKey",),
                ),
                "debug": {
                    **BOOLEAN,
                    "description": "ORCH_DEBUG: GET /v1/debug/last shows a key's last run",
                },
                "maxSteps": integer(1, 64),
            },
        ),
        "tool-registry": python_component(
            "Pluggy tool registry: drop-in tools as OpenAI tools and over MCP.",
            "tool-registry",
            {"plugins": volume(seed="plugins")},
            {
                "manifests": {
                    **STRING_MAP,
                    "propertyNames": {"pattern": r"^[-._a-zA-Z0-9]+\.(py|tool\.ya?ml)$"},
                    "description": "plugin files for the ConfigMap: *.tool.yaml or *.py -> text",
                },
                "apiKeys": obj(
                    {
                        "existingSecret": string(description='"" = the gateway\'s Secret'),
                        "existingSecretKey": string(minLength=1),
                        "fileSecret": string(),
                    },
                    ("existingSecretKey",),
                ),
                "mcpEndpoint": obj(
                    {
                        "ingress": {**BOOLEAN, "description": "route <host>/mcp to the registry"},
                        "allowedHosts": {"type": "array", "items": string(minLength=1)},
                    },
                    ("ingress",),
                ),
                "tools": obj(
                    {
                        "defaultTimeoutSeconds": {"type": "number", "exclusiveMinimum": 0},
                        "pythonWorkers": integer(1, 64),
                        "pythonWorkersMax": integer(1, 256),
                        "memoryMb": integer(64),
                    },
                    ("defaultTimeoutSeconds", "pythonWorkers", "pythonWorkersMax", "memoryMb"),
                ),
            },
        ),
        "mcp": python_component(
            "Per-domain MCP servers (chem, mech, materials) over Streamable HTTP.",
            "mcp",
            {"data": volume(seed="mcp_data")},
            {
                "apiKeys": obj(
                    {
                        "existingSecret": string(description='"" = the gateway\'s Secret'),
                        "existingSecretKey": string(minLength=1),
                        "fileSecret": string(),
                    },
                    ("existingSecretKey",),
                ),
                "mcpEndpoints": obj(
                    {
                        "ingress": {
                            **BOOLEAN,
                            "description": "route <host>/<domain>/mcp to the servers",
                        },
                        "allowedHosts": {"type": "array", "items": string(minLength=1)},
                    },
                    ("ingress",),
                ),
                "ingestOnStart": {
                    **BOOLEAN,
                    "description": "load a domain's baseline corpus into rag-api when absent",
                },
                "domains": {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": {"enum": ["chem", "mech", "materials"]},
                    "additionalProperties": obj(
                        {
                            "title": string(minLength=1),
                            "description": string(),
                            "corpus": {
                                "type": "array",
                                "minItems": 1,
                                "items": string(minLength=1),
                            },
                            "constraints": string(minLength=1),
                            "units": STRING_MAP,
                        },
                        ("title", "corpus", "constraints"),
                    ),
                    "description": "the domains file (MCP_DOMAINS_FILE), rendered into a ConfigMap",
                },
            },
        ),
        "rag-api": python_component(
            "Retrieval API over Qdrant.",
            "rag-api",
            {"cache": volume(seed="rag_cache")},
            {"embeddingModel": string(minLength=1)},
        ),
        "asr-api": python_component(
            "Speech-to-text API.",
            "asr-api",
            {"cache": volume()},
            {
                "model": string(minLength=1),
                "gpu": gpu(
                    extra={
                        "computeType": {
                            "enum": ["float16", "int8_float16", "bfloat16", "int8", "float32"],
                            "description": "ASR_COMPUTE_TYPE on the GPU",
                        },
                        "memoryGiB": {**GIB, "description": "what asr-api holds on the GPU"},
                    }
                ),
                "modelsClaim": string(),
            },
        ),
        "qdrant": obj(
            {
                "enabled": BOOLEAN,
                "image": image("qdrant/qdrant, pinned"),
                "env": STRING_MAP,
                "resources": RESOURCES,
                "securityContext": SECURITY_CONTEXT,
                "probes": probes(False),
                "persistence": persistence(
                    {"storage": volume(("pvc",), seed="qdrant_data"), "snapshots": volume()}
                ),
                "networkPolicy": NETWORK_POLICY,
                **SCHEDULING,
            },
            description="Qdrant (StatefulSet + PVC).",
        ),
        "llm-runner": obj(
            {
                "enabled": BOOLEAN,
                "ollama": obj(
                    {
                        "image": image("ollama/ollama, pinned"),
                        "keepAlive": string(),
                        "contextLength": {
                            **integer(2048),
                            "description": "OLLAMA_CONTEXT_LENGTH (tokens)",
                        },
                        "pull": obj(
                            {
                                "enabled": BOOLEAN,
                                "extraModels": {"type": "array", "items": string(minLength=1)},
                            },
                            ("enabled",),
                        ),
                        "resources": RESOURCES,
                    }
                ),
                "vllm": obj(
                    {
                        "image": image("vllm/vllm-openai, pinned"),
                        "gpuMemoryUtilization": {
                            "type": "number",
                            "exclusiveMinimum": 0,
                            "maximum": 1,
                        },
                        "maxModelLen": integer(256),
                        "trustRemoteCode": BOOLEAN,
                        "extraArgs": {"type": "array", "items": string()},
                        "resources": RESOURCES,
                    }
                ),
                "gpu": gpu(
                    with_shm=True,
                    extra={"memoryGiB": {**GIB, "description": "the card's memory"}},
                ),
                "securityContext": SECURITY_CONTEXT,
                "probes": probes(False),
                "persistence": persistence({"models": volume(seed="models"), "cache": volume()}),
                "networkPolicy": NETWORK_POLICY,
                **SCHEDULING,
            },
            description="Ollama (CPU) or vLLM (GPU) model server.",
        ),
        "operator": operator_schema(),
    }


def operator_schema() -> dict:
    """The kopf operator (operators/): its image, what its Models run, its pod."""
    return obj(
        {
            "enabled": BOOLEAN,
            "image": image("the operator image built from docker/ (also the ingestion Jobs')"),
            "engines": obj(
                {
                    "vllm": image("vLLM's OpenAI server (engine vllm)"),
                    "llamacpp": image("llama.cpp's server (engine llamacpp)"),
                    "llamacppGpu": image("llama.cpp's CUDA server (engine llamacpp on a GPU)"),
                    "ray": image("Ray Serve LLM (runtime rayservice)"),
                    "rayVersion": string(minLength=1),
                },
                ("vllm", "llamacpp", "llamacppGpu", "ray", "rayVersion"),
            ),
            "gpuRuntimeClassName": string(description='"" = nvidia'),
            "ollamaUrl": string(pattern="^(https?://.+)?$", description='"" = the llm-runner'),
            "modelsClaim": string(description='"" = <release>-llm-runner-models'),
            "checkIntervalSeconds": integer(5),
            "healthPort": PORT,
            "resources": RESOURCES,
            "securityContext": SECURITY_CONTEXT,
            "probes": obj({"liveness": probe(), "readiness": probe()}, ("liveness", "readiness")),
            "networkPolicy": obj(
                {
                    "apiServerCidrs": {"type": "array", "items": string(minLength=1)},
                    "apiServerPorts": {"type": "array", "minItems": 1, "items": PORT},
                    "modelIngress": OBJECT_LIST,
                    "extraEgress": OBJECT_LIST,
                }
            ),
            **SCHEDULING,
        },
        description="The kopf operator: Model, KnowledgeBase and ToolPlugin resources.",
    )


# Keys Helm itself puts into a subchart's values: the globals, and the library's (empty) section.
HELM_KEYS = {
    "global": {"type": "object", "description": "validated by the umbrella's schema"},
    LIBRARY: {"type": "object", "description": "the library chart's (empty) values"},
}


def subchart_schema(name: str, component: dict) -> dict:
    """A subchart's own schema.

    It also tolerates the umbrella's top-level keys (as objects it ignores): `helm lint
    --with-subcharts -f values-dev.yaml` hands the umbrella's values file to every subchart
    unchanged (helm/helm#12798), and the lint must stay clean for every values file.
    """
    ignored = {
        other: {"type": "object", "description": "umbrella key, ignored here (helm/helm#12798)"}
        for other in COMPONENTS
        if other not in component["properties"]
    }
    properties = {**component["properties"], **HELM_KEYS, **ignored}
    return {"$schema": DRAFT, "title": f"{name} values", **component, "properties": properties}


def without_required(schema: object) -> object:
    """The same schema with every `required` dropped (recursively)."""
    if isinstance(schema, dict):
        return {k: without_required(v) for k, v in schema.items() if k != "required"}
    if isinstance(schema, list):
        return [without_required(item) for item in schema]
    return schema


def umbrella_schema(components: dict[str, dict]) -> dict:
    """The umbrella's schema embeds each component's, keys and types alike.

    Without `required`, though: `helm lint` checks the umbrella's values.yaml on its own, before
    the subcharts' defaults fill it in; the subchart schemas enforce `required` on the result.
    """
    properties: dict = {"global": GLOBAL, LIBRARY: HELM_KEYS[LIBRARY]}
    for name, component in components.items():
        # Inside the umbrella Helm adds `global` and the library's section to each component.
        embedded = {**component, "properties": {**component["properties"], **HELM_KEYS}}
        properties[name] = without_required(embedded)
    return {
        "$schema": DRAFT,
        "title": "ai-stack values",
        **obj(properties, ("global",)),
    }


def rendered() -> dict[Path, str]:
    components = component_schemas()
    files = {UMBRELLA / "values.schema.json": umbrella_schema(components)}
    for name, component in components.items():
        files[UMBRELLA / "charts" / name / "values.schema.json"] = subchart_schema(name, component)
    return {path: json.dumps(schema, indent=2) + "\n" for path, schema in files.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a schema is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in rendered().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        names = ", ".join(str(p.relative_to(CHARTS.parent)) for p in stale)
        print(f"out of date (run python charts/build_schemas.py): {names}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
