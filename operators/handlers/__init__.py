"""The kopf handlers, registered on an explicit registry (nothing registers at import).

    register(registry, settings)   start-up and clean-up, the liveness probe, and the
                                   create / update / resume / delete handlers and timers of
                                   Model, KnowledgeBase and ToolPlugin

Each handler takes kopf's keyword arguments (and ``**_`` for the rest), reads its
dependencies from ``memo.deps`` (operators/deps.py) and reports in ``status``.
"""

from __future__ import annotations

import kopf

from operators.handlers import knowledge, lifecycle, models, tools
from operators.settings import Settings


def register(registry: kopf.OperatorRegistry, settings: Settings) -> None:
    lifecycle.register(registry, settings)
    models.register(registry, settings)
    knowledge.register(registry, settings)
    tools.register(registry, settings)
