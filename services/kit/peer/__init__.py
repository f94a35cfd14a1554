"""The one way a service calls another: the kit's peer layer.

- :mod:`services.kit.peer.client`: :class:`PeerClient` for every HTTP call between services
  (timeouts, trace context, a client span, the peer's errors mapped onto the kit's tree by one
  function, :func:`raise_for_peer_status`), returning kit types only.
- :mod:`services.kit.peer.mcp`: :class:`McpPeer`, the same promises for calls to an MCP server,
  spoken through the official ``mcp`` client.

Nothing outside this package imports an HTTP library (the CLI aside, for its own cold calls).
"""

from services.kit.peer.client import (
    DEFAULT_RETRY_AFTER_S,
    JSON_HEADERS,
    PeerClient,
    PeerRejectedError,
    PeerResponse,
    PeerStatusError,
    PeerStream,
    client_timeout,
    mapped_errors,
    raise_for_peer_status,
)

__all__ = [
    "DEFAULT_RETRY_AFTER_S",
    "JSON_HEADERS",
    "PeerClient",
    "PeerRejectedError",
    "PeerResponse",
    "PeerStatusError",
    "PeerStream",
    "client_timeout",
    "mapped_errors",
    "raise_for_peer_status",
]
