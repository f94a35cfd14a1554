"""The three specs as the handlers read them, checked once more in Python.

The CRDs (charts/ai-stack/charts/operator/crds/) hold the same rules as OpenAPI schema and CEL
(``x-kubernetes-validations``), so the API server refuses most bad specs; these models exist so
that the operator never acts on a spec it cannot explain, and so that the rules are unit-tested
(CEL does not run offline). Each failure message names the field.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.kit.settings import RESERVED_MODEL_PREFIXES

Engine = Literal["ollama", "vllm", "llamacpp", "external"]
Runtime = Literal["deployment", "kserve", "rayservice"]
Backend = Literal["openai", "vllm", "ollama", "llamacpp"]
Domain = Literal["chem", "mech", "materials"]


class SpecError(ValueError):
    """A spec the operator cannot act on (a PermanentError for kopf)."""


def _closed() -> ConfigDict:
    return ConfigDict(extra="forbid", populate_by_name=True)


class Source(BaseModel):
    model_config = _closed()

    ollama: str | None = Field(None, min_length=1, max_length=256)
    path: str | None = Field(None, min_length=1, max_length=512)
    url: str | None = Field(None, pattern=r"^https?://", max_length=2048)


class Resources(BaseModel):
    model_config = _closed()

    profile: Literal["cpu", "nvidia-gpu"] = "cpu"
    gpus: int = Field(1, ge=1, le=8)
    cpu: str | None = Field(None, pattern=r"^[0-9]+(\.[0-9]+)?m?$")
    memory: str | None = Field(None, pattern=r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")

    @property
    def gpu(self) -> bool:
        return self.profile == "nvidia-gpu"


class ModelSpec(BaseModel):
    model_config = _closed()

    id: str | None = Field(
        None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"
    )
    engine: Engine
    source: Source
    served_name: str | None = Field(None, alias="servedName", min_length=1, max_length=256)
    backend: Backend | None = None
    resources: Resources = Field(default_factory=Resources)
    replicas: int = Field(1, ge=1, le=16)
    runtime: Runtime = "deployment"
    args: list[str] = Field(default_factory=list, max_length=32)
    load_timeout_s: int = Field(900, alias="loadTimeoutSeconds", ge=60, le=7200)

    @model_validator(mode="after")
    def _rules(self) -> ModelSpec:
        # The same rules, with the same messages, as the CRD's x-kubernetes-validations.
        if self.id and self.id.lower().startswith(RESERVED_MODEL_PREFIXES):
            raise ValueError("id must not start with gpt-, claude- or gemini- (Cursor)")
        if self.engine == "ollama" and not self.source.ollama:
            raise ValueError("engine ollama needs source.ollama (an Ollama tag)")
        if self.engine in ("vllm", "llamacpp") and not self.source.path:
            raise ValueError("engines vllm and llamacpp need source.path (on the models volume)")
        if self.engine == "external" and not (self.source.url and self.served_name):
            raise ValueError("engine external needs source.url and servedName")
        if self.runtime != "deployment" and self.engine != "vllm":
            raise ValueError("runtimes kserve and rayservice serve engine vllm only")
        if self.backend is not None and self.engine != "external":
            raise ValueError("backend is for engine external only")
        if self.source.path and (self.source.path.startswith("/") or ".." in self.source.path):
            raise ValueError("source.path is relative to the models volume, without '..'")
        return self


class ConfigMapSource(BaseModel):
    model_config = _closed()

    name: str = Field(min_length=1, max_length=253)
    keys: list[str] = Field(default_factory=list, max_length=256)


class PvcSource(BaseModel):
    model_config = _closed()

    claim_name: str = Field(alias="claimName", min_length=1, max_length=253)
    path: str = Field(".", max_length=512)


class KnowledgeSource(BaseModel):
    model_config = _closed()

    config_map: ConfigMapSource | None = Field(None, alias="configMap")
    pvc: PvcSource | None = None
    url: str | None = Field(None, pattern=r"^https?://", max_length=2048)

    @model_validator(mode="after")
    def _one(self) -> KnowledgeSource:
        if sum(x is not None for x in (self.config_map, self.pvc, self.url)) != 1:
            raise ValueError("each source is exactly one of configMap, pvc, url")
        if self.pvc and (self.pvc.path.startswith("/") or ".." in self.pvc.path.split("/")):
            raise ValueError("pvc.path is relative to the claim, without '..'")
        return self


class KnowledgeBaseSpec(BaseModel):
    model_config = _closed()

    domain: Domain | None = None
    sources: list[KnowledgeSource] = Field(min_length=1, max_length=32)
    allow_private_urls: bool = Field(False, alias="allowPrivateUrls")
    schedule: str | None = Field(
        None,
        max_length=64,
        pattern=r"^(@(hourly|daily|weekly|monthly|yearly)|(\S+\s+){4}\S+)$",
    )
    tags: list[str] = Field(default_factory=list, max_length=16)


class ToolPluginSpec(BaseModel):
    """The manifest itself is the tool registry's to judge (its /tools/errors says why)."""

    model_config = _closed()

    manifest: dict[str, Any]


def _problem(exc: ValidationError) -> SpecError:
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"spec.{where}: {message}" if where else f"spec: {message}")
    return SpecError("; ".join(parts))


_Spec = TypeVar("_Spec", bound=BaseModel)


def _parse(model: type[_Spec], spec: dict[str, Any]) -> _Spec:
    """Raises SpecError naming each problem."""
    try:
        return model.model_validate(spec)
    except ValidationError as exc:
        raise _problem(exc) from None


def parse_model(spec: dict[str, Any]) -> ModelSpec:
    return _parse(ModelSpec, spec)


def parse_knowledge_base(spec: dict[str, Any]) -> KnowledgeBaseSpec:
    return _parse(KnowledgeBaseSpec, spec)


def parse_tool_plugin(spec: dict[str, Any]) -> ToolPluginSpec:
    return _parse(ToolPluginSpec, spec)
