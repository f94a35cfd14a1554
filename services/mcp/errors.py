"""The mcp service's errors.

SettingsError (start-up: one line on stderr, exit status 2)
 └── DomainFileError          MCP_DOMAINS_FILE, a corpus document or a constraint table is
                              missing or invalid (the message names the file and the entry)
ServiceError (kit)
 └── CorpusSyncError          rag-api refused a baseline document (not a transient failure)

Inside the MCP servers a tool's failure reaches the client as an ``isError`` result (the SDK's
``ToolError``), never as an HTTP error: see services/mcp/tools.py.
"""

from __future__ import annotations

from services.kit.errors import ServiceError
from services.kit.settings import SettingsError


class DomainFileError(SettingsError):
    """The domains file, a corpus document or a constraint table cannot be used."""


class CorpusSyncError(ServiceError):
    """rag-api refused a baseline document: retrying will not help."""
