"""Which runner serves which published model id: the model table.

One table for the gateway (what ``/v1/models`` lists and which ids it accepts) and the
orchestrator (which runner a chat for an id goes to). It comes from one of two places:

- ``AISTACK_MODELS_FILE``, a YAML file; in the cluster the operator keeps it as a ConfigMap
  (one entry per Ready ``Model`` resource), locally you write it to serve models side by side::

      models:
        - id: ai-stack              # what clients ask for (never gpt-, claude-, gemini-)
          backend: llamacpp         # llamacpp | ollama | vllm | openai
          base_url: null            # the runner's OpenAI URL; null: the stack's default one
          model: null               # the runner's own model name; null: ask the runner
        - id: llama3-8b
          backend: ollama
          base_url: http://127.0.0.1:11434/v1
          model: llama3.1:8b

  It is read again when it changes (checked at most every ``reload_s``), so a model the
  operator publishes is served without a restart.
- otherwise the settings: every id in ``AISTACK_MODELS`` on the one configured runner
  (``LLM_BACKEND``, ``LLM_BASE_URL``, ``LLM_MODEL``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.kit.logging import get_logger
from services.kit.settings import (
    RESERVED_MODEL_PREFIXES,
    LLMBackend,
    SettingsError,
    StackSettings,
)

log = get_logger(__name__)


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    backend: LLMBackend
    base_url: str | None = None
    model: str | None = None

    @field_validator("id")
    @classmethod
    def _publishable(cls, value: str) -> str:
        if value.lower().startswith(RESERVED_MODEL_PREFIXES):
            raise ValueError(f"model id {value!r} starts with a prefix Cursor treats specially")
        return value


class ModelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[ModelEntry] = Field(min_length=1)


@dataclass(frozen=True)
class ModelRoute:
    """A published id and the runner that answers for it."""

    id: str
    backend: LLMBackend
    base_url: str
    model: str | None

    @property
    def runner(self) -> tuple[str, str, str | None]:
        """What identifies the runner (routes sharing it share one client)."""
        return (self.backend.value, self.base_url, self.model)


def default_base_url(settings: StackSettings, backend: LLMBackend) -> str:
    from services.kit.llm import default_llm_base_url

    return default_llm_base_url(settings, backend)


def routes_from_settings(settings: StackSettings) -> list[ModelRoute]:
    from services.kit.llm import configured_model, llm_base_url

    base = llm_base_url(settings)
    model = configured_model(settings)
    return [ModelRoute(i, settings.llm_backend, base, model) for i in settings.aistack_models]


def read_models_file(path: Path, settings: StackSettings) -> list[ModelRoute]:
    """Raises SettingsError naming the file and what is wrong with it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = ModelsFile.model_validate(data).models
    except OSError as exc:
        raise SettingsError(f"AISTACK_MODELS_FILE {path}: cannot read ({exc})") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise SettingsError(f"AISTACK_MODELS_FILE {path}: invalid ({exc})") from None
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise SettingsError(f"AISTACK_MODELS_FILE {path}: model ids repeat: {ids}")
    return [
        ModelRoute(
            e.id,
            e.backend,
            (e.base_url or default_base_url(settings, e.backend)).rstrip("/"),
            e.model,
        )
        for e in entries
    ]


class ModelTable:
    """The current routes; re-reads ``AISTACK_MODELS_FILE`` when it changes.

    A file that turns invalid while running is logged and the last good table kept (the
    operator rewrites it whole; a half-written copy must not take every model away). A file
    that is not there yet serves the settings' table until it appears: in the cluster it is an
    optional ConfigMap volume, empty until the operator first writes the table.
    """

    def __init__(self, settings: StackSettings, reload_s: float = 1.0) -> None:
        self.settings = settings
        self.path = settings.aistack_models_file
        self.reload_s = reload_s
        self._checked = 0.0
        self._mtime: float | None = None
        if self.path and not self.path.exists():
            log.info("models file not there yet; serving the settings' models", path=str(self.path))
            self._routes = routes_from_settings(settings)
        elif self.path:
            self._routes = read_models_file(self.path, settings)
            self._mtime = self._stat()
        else:
            self._routes = routes_from_settings(settings)

    def _stat(self) -> float | None:
        try:
            return self.path.stat().st_mtime if self.path else None
        except OSError:
            return None

    def _refresh(self) -> None:
        now = time.monotonic()
        if self.path is None or now - self._checked < self.reload_s:
            return
        self._checked = now
        mtime = self._stat()
        if mtime == self._mtime:
            return
        self._mtime = mtime
        try:
            self._routes = read_models_file(self.path, self.settings)
            log.info("models file reloaded", models=[r.id for r in self._routes])
        except SettingsError as exc:
            log.warning("models file invalid; keeping the last good table", error=str(exc))

    def routes(self) -> list[ModelRoute]:
        self._refresh()
        return list(self._routes)

    def ids(self) -> list[str]:
        return [r.id for r in self.routes()]

    def route(self, model_id: str) -> ModelRoute | None:
        return next((r for r in self.routes() if r.id == model_id), None)
