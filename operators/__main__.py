"""``python -m operators``: run the operator on the release's namespace.

One process, one replica (the chart runs it with ``strategy: Recreate``): kopf watches Model,
KnowledgeBase and ToolPlugin in ``OPERATOR_NAMESPACE`` and answers its liveness probe on
``OPERATOR_HEALTH_PORT`` at ``/healthz``. Locally, against a cluster: ``kubectl proxy`` and
``OPERATOR_KUBE_API=http://127.0.0.1:8001 OPERATOR_NAMESPACE=ai-stack python -m operators``
(kopf itself then reads your kubeconfig).
"""

from __future__ import annotations

import sys

import kopf

from operators.handlers import register
from operators.settings import get_settings
from services.kit.logging import configure_logging
from services.kit.settings import SettingsError


def main() -> int:
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"operator: {exc}", file=sys.stderr)
        return 2
    configure_logging("operator", settings.log_level, settings.log_format)
    registry = kopf.OperatorRegistry()
    register(registry, settings)
    kopf.run(
        registry=registry,
        standalone=True,
        namespaces=[settings.operator_namespace],
        liveness_endpoint=f"http://0.0.0.0:{settings.operator_health_port}/healthz",
        memo=kopf.Memo(),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
