"""Bearer API keys, held only as SHA-256 digests and compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from services.kit.errors import AuthenticationError


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class KeyRing:
    """The set of accepted keys. The plain keys are not kept after construction."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = [_digest(k) for k in keys]

    def check(self, authorization: str | None) -> None:
        """Accept ``Bearer <key>`` for a known key.

        Raises:
            AuthenticationError: missing header, wrong scheme, or unknown key (401).
        """
        if not authorization:
            raise AuthenticationError(
                "missing API key: send the header 'Authorization: Bearer <key>'"
            )
        scheme, _, presented = authorization.partition(" ")
        presented = presented.strip()
        if scheme.lower() != "bearer" or not presented:
            raise AuthenticationError(
                "malformed Authorization header: expected 'Authorization: Bearer <key>'"
            )
        candidate = _digest(presented)
        # Compare against every key so the time taken does not depend on which one matched.
        matched = False
        for digest in self._digests:
            matched |= hmac.compare_digest(candidate, digest)
        if not matched:
            raise AuthenticationError("incorrect API key provided")
