"""Readiness on the GPU: the device really transcribes (see ``WhisperEngine.self_test``)."""

from __future__ import annotations

import asyncio

from services.asr.engine import WhisperEngine


class DeviceCheck:
    """A readiness check that runs one tiny transcription in a worker thread.

    Started once from the lifespan; a probe that times out waits for the same run next time
    (never a second one beside it), a success is kept, a failure is retried on the next probe.

    Args:
        engine: the loaded engine.
        device: what the engine runs on, for the message.
    """

    def __init__(self, engine: WhisperEngine, device: str) -> None:
        self._engine = engine
        self._device = device
        self._run: asyncio.Future[None] | None = None
        self._passed = False

    def start(self) -> None:
        if self._run is None or (self._run.done() and self._run.exception() is not None):
            self._run = asyncio.ensure_future(asyncio.to_thread(self._test))

    def _test(self) -> None:
        try:
            self._engine.self_test()
        except Exception as exc:
            raise RuntimeError(
                f"a test transcription on {self._device} failed ({type(exc).__name__}: {exc})"
            ) from exc

    async def __call__(self) -> None:
        if self._passed:
            return
        self.start()
        assert self._run is not None
        # shield: the probe's timeout cancels this wait, not the transcription.
        await asyncio.shield(self._run)
        self._passed = True

    async def aclose(self) -> None:
        """Let a run in progress finish before the engine goes away."""
        if self._run is not None and not self._run.done():
            await asyncio.wait([self._run])
