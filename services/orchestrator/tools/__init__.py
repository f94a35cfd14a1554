"""The server tools the orchestrator can call: the tool registry's and the MCP servers'."""
