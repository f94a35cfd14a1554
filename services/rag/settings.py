"""rag-api settings: where the store lives, which model embeds, chunking, retrieval and limits.

Every variable is prefixed ``RAG_`` except the seed's ``QDRANT_URL``, ``EMBEDDING_MODEL`` and
``AISTACK_HOME`` (declared on the shared base). This is the only module of the service that
touches the environment (:func:`enforce_offline_hub`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from services.kit.settings import StackSettings, load_settings


class Settings(StackSettings):
    # --- the store: QDRANT_URL (server) or the embedded engine on disk ---
    # Embedded store folder; AISTACK_HOME/rag when unset.
    rag_data_dir: Path | None = None
    rag_collection: str = Field("aistack_chunks", min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    qdrant_api_key: str | None = Field(None, repr=False)
    # How long start-up waits for the Qdrant server (QDRANT_URL) to answer, retrying with
    # backoff: in the cluster Qdrant may come up after rag-api (first pulls, its own start).
    # The chart's startup probe allows longer. Then it stops, naming QDRANT_URL.
    rag_qdrant_wait_s: float = Field(120.0, ge=0)

    # --- chunking (words; markdown headings always start a new chunk) ---
    rag_chunk_words: int = Field(180, ge=16, le=2000)
    rag_chunk_overlap_words: int = Field(30, ge=0, le=500)
    rag_embed_batch_size: int = Field(64, ge=1, le=1024)
    # torch intra-op threads; 0 keeps torch's default (one per core). On a shared 2-core host
    # 1 keeps query latency steady when other processes compete for the cores.
    rag_torch_threads: int = Field(0, ge=0, le=256)

    # --- retrieval ---
    rag_rrf_k: int = Field(60, ge=1)
    # Candidates taken from each leg (dense, sparse) before fusion and reranking.
    rag_candidates: int = Field(50, ge=1, le=1000)
    rag_dense_weight: float = Field(1.0, ge=0)
    rag_sparse_weight: float = Field(1.0, ge=0)
    # Multiplier for chunks carrying quantities or constraints when prefer_hard_facts is asked.
    rag_hard_fact_boost: float = Field(1.25, ge=1)
    rag_reranker: Literal["metadata", "none"] = "metadata"
    rag_max_top_k: int = Field(100, ge=1)

    # --- input limits ---
    rag_max_file_bytes: int = Field(20 * 1024 * 1024, gt=0)
    # Whole request (all files of a batch); refused with 413 before it is read.
    rag_max_request_bytes: int = Field(100 * 1024 * 1024, gt=0)
    rag_max_files: int = Field(64, ge=1)
    rag_max_embedding_inputs: int = Field(2048, ge=1)

    hf_hub_offline: bool = True

    @model_validator(mode="after")
    def _check_overlap(self) -> Settings:
        if self.rag_chunk_overlap_words >= self.rag_chunk_words:
            raise ValueError(
                "RAG_CHUNK_OVERLAP_WORDS must be smaller than RAG_CHUNK_WORDS "
                f"({self.rag_chunk_overlap_words} >= {self.rag_chunk_words})"
            )
        return self

    @property
    def service_port(self) -> int:
        return self.rag_port

    @property
    def data_dir(self) -> Path:
        """Folder of the embedded store (absolute, so a later chdir does not move it)."""
        return (self.rag_data_dir or self.aistack_home / "rag").resolve()


def enforce_offline_hub(settings: Settings) -> None:
    """Keep the Hugging Face libraries from reaching for the hub (the model ships in a package).

    Called from the lifespan, never at import.
    """
    if settings.hf_hub_offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Haystack only reports telemetry from Pipeline.run (not used here); say no anyway.
    os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
