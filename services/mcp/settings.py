"""mcp settings: the domains file, the Host check, rag-api calls and the start-up ingest.

The bearer keys are the gateway's (``GATEWAY_API_KEYS`` / ``GATEWAY_API_KEYS_FILE``, the kit's
key store); ``RAG_URL`` (or ``PEER_HOST`` + ``RAG_PORT``) says where rag-api is.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from services.kit.keys import KeySettings
from services.kit.settings import CsvList, load_settings

# The shipped default: three domains (chem, mech, materials) with their corpora and tables.
DEFAULT_DOMAINS_FILE = Path(__file__).resolve().parent / "domains.yaml"


class Settings(KeySettings):
    # The domains file (YAML): per domain its title, corpus folders, unit conventions and
    # safety-constraint table. In the cluster a ConfigMap.
    mcp_domains_file: Path = DEFAULT_DOMAINS_FILE
    # Host headers the MCP endpoints accept besides loopback: the public ingress hostname and
    # the in-cluster Service name (the chart sets both). The SDK's DNS-rebinding guard answers
    # 421 to any other Host. A name without a port also matches it with any port.
    mcp_allowed_hosts: CsvList = Field(default_factory=list)
    # Origin headers accepted besides those of the allowed hosts (browsers send one).
    mcp_allowed_origins: CsvList = Field(default_factory=list)
    # Load a domain's baseline corpus into rag-api at start when it is absent or out of date.
    mcp_ingest_on_start: bool = True
    # Between two reads from rag-api: a search, and one document's ingest (embedding).
    mcp_search_timeout_s: float = Field(15.0, gt=0)
    mcp_ingest_timeout_s: float = Field(600.0, gt=0)
    # The largest top_k the search tool accepts.
    mcp_max_top_k: int = Field(20, ge=1, le=100)
    # Largest request body (a JSON-RPC message) accepted; over it, 413 before it is read.
    mcp_max_body_bytes: int = Field(1024 * 1024, ge=1024)

    @property
    def service_port(self) -> int:
        return self.mcp_port


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)
