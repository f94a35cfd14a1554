"""A bare ``mcp`` SDK server with the same two tools as the mcp service (the baseline of
bench/mcp_perf.py): ``MCPServer``, its stateless Streamable HTTP app with JSON answers, under
uvicorn with the same loop and HTTP parser, and nothing else (no FastAPI, no bearer keys, no
access log or metrics, no Host guard beyond the SDK's own loopback default).

    python -m bench.mcp_bare --port 8765 --rag http://127.0.0.1:8082
"""

from __future__ import annotations

import argparse
import logging

import uvicorn
from mcp.server.mcpserver import MCPServer
from starlette.applications import Starlette

from services.kit.peer import PeerClient
from services.mcp.domains import load_domains
from services.mcp.retrieval import Retriever
from services.mcp.settings import DEFAULT_DOMAINS_FILE, Settings
from services.mcp.tools import convert_tool, search_tool


def build(rag_url: str, domain: str) -> Starlette:
    """The SDK's own app: its lifespan runs the session manager (nothing is mounted)."""
    settings = Settings(_env_file=None, rag_url=rag_url)
    loaded = load_domains(DEFAULT_DOMAINS_FILE)[domain]
    rag = PeerClient(settings, settings.rag_base_url, name="rag-api")
    server = MCPServer("bare", log_level="WARNING")
    for spec in (search_tool(loaded, Retriever(rag, 15.0), 20), convert_tool()):
        server.add_tool(spec.fn, name=spec.name, description=spec.description)
    return server.streamable_http_app(stateless_http=True, json_response=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rag", required=True)
    parser.add_argument("--domain", default="chem")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(build(args.rag, args.domain), host="127.0.0.1", port=args.port, loop="uvloop",
                http="httptools", log_level="warning", access_log=False)  # fmt: skip


if __name__ == "__main__":
    main()
