from __future__ import annotations

import pytest

from services.gateway.settings import Settings as GatewaySettings
from services.kit.llm import configured_model, llm_base_url
from services.kit.settings import LLMBackend, SettingsError, StackSettings, load_settings

pytestmark = pytest.mark.unit


def test_defaults_are_the_seeds_ports() -> None:
    s = StackSettings()
    assert (s.gateway_port, s.orch_port, s.rag_port, s.asr_port) == (8080, 8081, 8082, 8084)
    assert (s.asr_port, s.mcp_port, s.tools_port) == (8084, 8085, 8086)
    assert s.llm_backend is LLMBackend.LLAMACPP
    assert s.embedding_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert s.orchestrator_base_url == "http://127.0.0.1:8081"


def test_environment_and_dotenv_override(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("ORCH_PORT=9001\nLLM_BACKEND=ollama\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ORCH_PORT", "9002")  # the environment wins over .env
    s = StackSettings()
    assert s.orch_port == 9002
    assert s.llm_backend is LLMBackend.OLLAMA


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "not-a-port")
    with pytest.raises(SettingsError, match="GATEWAY_PORT"):
        load_settings(StackSettings)


def test_unknown_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_BACKEND", "tgi")
    with pytest.raises(SettingsError, match="LLM_BACKEND"):
        load_settings(StackSettings)


@pytest.mark.parametrize("name", ["gpt-4o", "claude-local", "Gemini-x"])
def test_model_ids_that_confuse_cursor_are_refused(monkeypatch, name: str) -> None:
    monkeypatch.setenv("AISTACK_MODELS", f"ai-stack,{name}")
    with pytest.raises(SettingsError, match="AISTACK_MODELS"):
        load_settings(StackSettings)


def test_models_list_is_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISTACK_MODELS", "ai-stack, ai-stack-large")
    assert StackSettings().aistack_models == ["ai-stack", "ai-stack-large"]


def test_gateway_keys_are_split_and_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_API_KEYS", "sk-first-key-0123456789, bob:sk-second-key-0123456789")
    s = load_settings(GatewaySettings)
    assert s.gateway_api_keys == ["sk-first-key-0123456789", "bob:sk-second-key-0123456789"]
    assert "sk-first-key" not in repr(s)


@pytest.mark.parametrize(
    ("env", "url", "model"),
    [
        ({}, "http://127.0.0.1:8087/v1", None),
        ({"LLM_BACKEND": "ollama"}, "http://127.0.0.1:11434/v1", "llama3:8b-instruct"),
        (
            {"LLM_BACKEND": "vllm", "VLLM_MODEL": "/models/m"},
            "http://127.0.0.1:8001/v1",
            "/models/m",
        ),
        (
            {"LLM_BACKEND": "ollama", "LLM_BASE_URL": "http://desk:11434/v1/", "LLM_MODEL": "qwen"},
            "http://desk:11434/v1",
            "qwen",
        ),
    ],
)
def test_llm_runner_address_per_backend(monkeypatch, env, url, model) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    s = StackSettings()
    assert llm_base_url(s) == url
    assert configured_model(s) == model
