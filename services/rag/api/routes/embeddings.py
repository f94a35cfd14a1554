"""``POST /v1/embeddings``: OpenAI-compatible embeddings from the service's model.

Request: ``{"input": "text" | ["text", ...], "model": "sentence-transformers/all-MiniLM-L6-v2"
(or "all-MiniLM-L6-v2", or whatever EMBEDDING_MODEL names), "encoding_format": "float" |
"base64"}``. Answer::

    {"object": "list", "model": "...",
     "data": [{"object": "embedding", "index": 0, "embedding": [...384 floats...]}],
     "usage": {"prompt_tokens": n, "total_tokens": n}}

Vectors are L2-normalised (cosine = dot product), the same vectors the store holds. An unknown
model is 404 ``model_not_found``; empty input, over ``RAG_MAX_EMBEDDING_INPUTS`` inputs or a
``dimensions`` other than the model's is 400.
"""

from __future__ import annotations

import base64
from typing import Any

import anyio
import numpy as np
from fastapi import APIRouter

from services.kit.embedding import accepted_model_ids
from services.kit.errors import InvalidRequestError, NotFoundError
from services.rag.api.schemas import EmbeddingsRequest
from services.rag.deps import EngineDep, SettingsDep

router = APIRouter(tags=["embeddings"])


def _embed(engine: Any, texts: list[str]) -> tuple[np.ndarray, int]:
    model = engine.embedders.model
    vectors = model.encode(
        texts,
        batch_size=64,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    tokens = sum(len(ids) for ids in model.tokenizer(texts, truncation=True)["input_ids"])
    return np.asarray(vectors, dtype=np.float32), tokens


@router.post("/v1/embeddings")
async def embeddings(body: EmbeddingsRequest, engine: EngineDep, settings: SettingsDep) -> Any:
    if body.model not in accepted_model_ids(settings.embedding_model):
        raise NotFoundError(
            f"model {body.model!r} is not served here; use {settings.embedding_model!r}",
            param="model",
            code="model_not_found",
        )
    texts = [body.input] if isinstance(body.input, str) else list(body.input)
    if not texts or any(not t for t in texts):
        raise InvalidRequestError("input must be a non-empty string or list of them", param="input")
    if len(texts) > settings.rag_max_embedding_inputs:
        raise InvalidRequestError(
            f"at most {settings.rag_max_embedding_inputs} inputs per request", param="input"
        )
    if body.dimensions is not None and body.dimensions != engine.embedders.dimension:
        raise InvalidRequestError(
            f"this model gives {engine.embedders.dimension} dimensions only", param="dimensions"
        )
    vectors, tokens = await anyio.to_thread.run_sync(_embed, engine, texts)
    data = []
    for i, vector in enumerate(vectors):
        value: Any = (
            base64.b64encode(vector.tobytes()).decode()
            if body.encoding_format == "base64"
            else vector.tolist()
        )
        data.append({"object": "embedding", "index": i, "embedding": value})
    return {
        "object": "list",
        "model": body.model,
        "data": data,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
