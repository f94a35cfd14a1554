"""The gateway's own errors, on top of the kit's tree (services/kit/errors.py).

    ServiceError (kit)
     ├── InvalidRequestError (kit)                 400
     │    ├── RequestGuardError                    400 request_too_large (GATEWAY_MAX_* guards)
     │    └── FeatureOffError (NotFoundError)      404 feature_disabled (e.g. GATEWAY_CONDITIONING)
     ├── AuthenticationError (kit)                 401 invalid_api_key (services/kit/keys.py)
     ├── RateLimitError (kit)                      429 (+ retry-after)
     │    └── BudgetTooSmallError                  429 tokens_exceeded, x-should-retry: false
     └── PeerStatusError (kit peer layer)          the orchestrator's own error, relayed as is

Transport failures towards the orchestrator are the kit's 503/504 (services/kit/peer.py).
"""

from __future__ import annotations

from services.kit.errors import InvalidRequestError, NotFoundError, RateLimitError


class RequestGuardError(InvalidRequestError):
    """The request exceeds one of the gateway's guards; the message names the variable."""

    default_code = "request_too_large"


class FeatureOffError(NotFoundError):
    default_code = "feature_disabled"


class BudgetTooSmallError(RateLimitError):
    """One request needs more than the key's whole budget: waiting will not help."""

    default_code = "tokens_exceeded"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"x-should-retry": "false"})
