"""The orchestrator's own errors, on top of the kit's tree (services/kit/errors.py).

    ServiceError (kit)
     └── UpstreamError (kit)                       502
          └── RetrievalError                       rag-api's answer is not usable evidence

Peers' failures arrive as the kit's errors (services/kit/peer.py). Evidence steps catch
ServiceError and go on without their evidence: retrieval improves an answer, it must not
prevent one.
"""

from __future__ import annotations

from services.kit.errors import UpstreamError


class RetrievalError(UpstreamError):
    default_code = "retrieval_failed"
