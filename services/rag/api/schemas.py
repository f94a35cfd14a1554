"""Request bodies of the rag-api (responses are plain JSON built by the routes)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.kit.vocabulary import DEFAULT_TOP_K, Domain


class Segment(BaseModel):
    """A transcript segment: text spoken between ``start`` and ``end`` seconds."""

    text: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)


class TextDocument(BaseModel):
    """One text to ingest: ``text`` or transcript ``segments``."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=512)
    text: str | None = None
    segments: list[Segment] | None = None
    domain: Domain | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[TextDocument] = Field(min_length=1)
    # Defaults for documents that do not set their own.
    domain: Domain | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)


class RetrieveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=4096)
    top_k: int = Field(DEFAULT_TOP_K, ge=1)
    # Multipliers per domain (missing domains weigh 1.0; 0 hides a domain).
    domain_weights: dict[Domain, float] = Field(default_factory=dict)
    filters: dict[str, Any] = Field(default_factory=dict)
    prefer_hard_facts: bool = False
    mode: Literal["hybrid", "dense", "sparse"] = "hybrid"


class EmbeddingsRequest(BaseModel):
    input: str | list[str]
    model: str
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(None, ge=1)
    user: str | None = None
