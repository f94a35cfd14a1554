"""How `aistack up` starts the embedded llama-server, and its start-up template probe."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from services.cli.components import (
    bundled_chat_template,
    chat_template_file,
    cpu_has_amx,
    llama_server,
    repack_weights,
)
from services.cli.llama_checks import PROBE_SYSTEM, PROBE_USER, check_chat_template
from services.cli.settings import Settings
from services.cli.supervisor import StackError
from tests.handler_server import serve_handler

pytestmark = pytest.mark.unit

AMX = "flags\t\t: fpu vme sse avx2 amx_bf16 amx_tile amx_int8\n"
NO_AMX = "flags\t\t: fpu vme sse avx2 avx512f\n"


def test_the_bundled_model_gets_the_shipped_gemma_template_with_jinja() -> None:
    argv = llama_server(Settings()).argv
    assert "--jinja" in argv
    template = Path(argv[argv.index("--chat-template-file") + 1])
    assert template == bundled_chat_template() and template.is_file()
    # The bug: a built-in template name given to a Jinja-enabled llama-server is a literal.
    assert "--chat-template" not in argv


def test_a_custom_model_keeps_its_own_template_unless_one_is_named(tmp_path: Path) -> None:
    assert chat_template_file(Settings(llamacpp_model_path="/m/other.gguf")) is None
    mine = tmp_path / "mine.jinja"
    assert chat_template_file(Settings(llamacpp_chat_template_file=mine)) == mine


def test_repacking_is_off_where_the_cpu_advertises_amx() -> None:
    assert cpu_has_amx(AMX) and not cpu_has_amx(NO_AMX)
    assert repack_weights(Settings(), AMX) is False
    assert repack_weights(Settings(), NO_AMX) is True
    assert repack_weights(Settings(llamacpp_repack="on"), AMX) is True
    assert repack_weights(Settings(llamacpp_repack="off"), NO_AMX) is False


def _template_server(render):  # the probe against a stand-in /apply-template
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/apply-template"
        return httpx.Response(200, json={"prompt": render(json.loads(request.content))})

    return serve_handler(handler)


def test_the_probe_passes_a_template_that_renders_the_conversation() -> None:
    def gemma(body: dict) -> str:
        system, user = (m["content"] for m in body["messages"])
        return f"<start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n<start_of_turn>model\n"

    with _template_server(gemma) as url, httpx.Client() as client:
        check_chat_template(client, url, "gemma.jinja")


@pytest.mark.parametrize(
    "render", [lambda body: "gemma", lambda body: f"user: {PROBE_USER}"], ids=["literal", "half"]
)
def test_the_probe_refuses_a_template_that_drops_messages(render) -> None:
    with _template_server(render) as url, httpx.Client() as client:
        with pytest.raises(StackError) as info:
            check_chat_template(client, url, "/etc/broken.jinja")
    message = str(info.value)
    assert "/etc/broken.jinja" in message and "drops the conversation" in message
    assert "LLAMACPP_CHAT_TEMPLATE_FILE" in message
    assert PROBE_SYSTEM != PROBE_USER
