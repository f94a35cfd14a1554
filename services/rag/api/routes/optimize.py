"""``POST /optimize``: build the embedded store's search indexes now.

The embedded Qdrant engine runs no optimizers of its own: until this is called, searches scan
every chunk (fine for tens of thousands of chunks; the query embedding costs more). Building
blocks searches while it runs (seconds at 20k chunks, about 40 s at 100k), so it is an
operator's decision (``aistack optimize``) rather than something ingestion triggers. With a
Qdrant server (``QDRANT_URL``) it is a no-op: the server optimizes on its own.

Answer: ``{"object": "optimize.result", "chunks": n, "seconds": s}``.
"""

from __future__ import annotations

import time

import anyio
from fastapi import APIRouter

from services.kit.logging import get_logger
from services.rag.deps import EngineDep

router = APIRouter(tags=["optimize"])
log = get_logger(__name__)


@router.post("/optimize")
async def optimize(engine: EngineDep) -> dict[str, object]:
    started = time.perf_counter()
    await anyio.to_thread.run_sync(engine.store.optimize)
    seconds = round(time.perf_counter() - started, 3)
    chunks = await anyio.to_thread.run_sync(engine.store.count)
    log.info("store optimized", chunks=chunks, seconds=seconds)
    return {"object": "optimize.result", "chunks": chunks, "seconds": seconds}
