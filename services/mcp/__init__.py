"""mcp: per-domain MCP servers (chem, mech, materials) over Streamable HTTP, one process.

Each domain at ``/<domain>/mcp`` offers ``search`` (rag-api, filtered to the domain),
``constraints`` (its safety-constraint table) and ``convert_units`` (pint), its corpus
documents as resources and a ``safety_review`` prompt. Domains come from ``MCP_DOMAINS_FILE``
(services/mcp/domains.yaml by default).
"""
