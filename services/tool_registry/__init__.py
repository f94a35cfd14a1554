"""tool-registry: drop-in tools (pluggy plugins and YAML CLI manifests) with unit-aware
arguments, served as OpenAI tools (``GET /tools``, ``POST /tools/{name}/invoke``) and over MCP
(``/mcp``)."""
