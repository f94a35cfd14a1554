"""App factory and lifespan for the rag-api."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from services.kit.app import create_service_app
from services.rag.api.routes import documents, embeddings, ingest, optimize, retrieve
from services.rag.engine import Embedders, RagEngine, load_embedders, open_store
from services.rag.settings import Settings, enforce_offline_hub, get_settings


def create_app(settings: Settings | None = None, embedders: Embedders | None = None) -> FastAPI:
    """Build the rag-api. ``embedders`` may be injected (tests load the model once per session);
    otherwise the model is loaded in the lifespan.

    The lifespan opens the store and loads the model; a collection that does not match the
    settings stops the start-up with a StoreConfigError saying what differs.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        enforce_offline_hub(settings)
        loaded = embedders or await anyio.to_thread.run_sync(load_embedders, settings)
        # A StoreConfigError (the collection does not match the settings) ends start-up with
        # one line naming what differs (services/kit/serve.py).
        store = await anyio.to_thread.run_sync(open_store, settings, loaded.dimension)
        engine = RagEngine(settings, loaded, store)
        app.state.engine = engine

        async def store_open() -> None:
            await anyio.to_thread.run_sync(store.ping)

        async def model_loaded() -> None:
            if engine.embedders.text.embedding_backend is None:
                raise RuntimeError("embedding model not loaded")

        app.state.readiness_checks["store"] = store_open
        app.state.readiness_checks["model"] = model_loaded
        try:
            yield
        finally:
            app.state.engine = None
            await anyio.to_thread.run_sync(engine.close)

    return create_service_app(
        "rag-api",
        settings,
        routers=[
            ingest.router,
            retrieve.router,
            documents.router,
            embeddings.router,
            optimize.router,
        ],
        lifespan=lifespan,
        internal=True,
        body_limit=(settings.rag_max_request_bytes, "RAG_MAX_REQUEST_BYTES"),
    )
