"""Shared fixtures: a clean environment per test, and free loopback ports."""

from __future__ import annotations

import socket

import pytest

# Variables the stack reads; a developer's shell or .env must not leak into tests.
STACK_VARIABLES = (
    "GATEWAY_PORT ORCH_PORT RAG_PORT QDRANT_PORT ASR_PORT MCP_PORT TOOLS_PORT LLAMACPP_PORT "
    "LLM_BACKEND LLM_BASE_URL LLM_MODEL LLM_API_KEY OLLAMA_MODEL VLLM_MODEL ENABLE_GPU "
    "QDRANT_URL EMBEDDING_MODEL ASR_MODEL GATEWAY_API_KEYS AISTACK_MODELS AISTACK_HOME "
    "ORCHESTRATOR_URL RAG_URL ASR_URL MCP_URL TOOLS_URL BIND_HOST PEER_HOST LOG_LEVEL LOG_FORMAT "
    "OTEL_EXPORTER_OTLP_ENDPOINT REDIS_URL GATEWAY_API_KEYS_FILE GATEWAY_DEFAULT_RPM "
    "GATEWAY_DEFAULT_TPM GATEWAY_CONDITIONING GATEWAY_VALIDATION GATEWAY_VALIDATION_NOTE "
    "ORCH_RETRIEVAL RAG_DATA_DIR RAG_TORCH_THREADS ASR_DEVICE"
).split()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in STACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # Settings read .env from the working directory: run each test from an empty one.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
