"""The services the fuzz suite covers, in one list: a new service is fuzzed once it has an
entry here (its app built in process with its lifespan, the bearer header that lets requests
reach its handlers, and values the schema cannot express, such as the published model id).

Every app is the real one from its ``create_app``, its models loaded from the bundled packages
(``HF_HUB_OFFLINE=1``); peers are loopback stand-ins (tests/hardening/standins.py, and the
scripted LLM runner for the orchestrator), so no service process and no port of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tests.hardening.extra_ops import invoke_paths, mcp_paths
from tests.hardening.standins import StandIn, stand_in
from tests.scripted_llm import ScriptedLLM, say, scripted_llm

KEY = "sk-fuzz-test-0123456789abcdef"
SERVICE_TOKEN = "svc-fuzz-token-0123456789abcdef"
CHAT_MODEL = "ai-stack"
EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass
class Built:
    """A service ready to be fuzzed.

    Attributes:
        app: the ASGI app (its lifespan not yet run: the fuzzer runs it).
        bearer: the credential that reaches the handlers (a user key or the service token).
        published: per path, body fields whose valid values are configuration, not schema
            (``model``): most positive cases get them, so generated bodies pass and reach
            the handler.
        reached: after the run, what the peers saw (route → count), to assert on.
        extra_paths: OpenAPI paths for what the router does not document (MCP endpoints,
            each tool's own arguments; tests/hardening/extra_ops.py), built from the
            running app through the client it is given.
    """

    app: FastAPI
    bearer: str
    published: dict[str, dict[str, str]] = field(default_factory=dict)
    reached: Callable[[], dict[str, int]] = dict
    extra_paths: Callable[[Any], dict[str, Any]] | None = None


Builder = Callable[[Path], AbstractContextManager[Built]]


@dataclass(frozen=True)
class FuzzTarget:
    name: str
    build: Builder
    # Routes whose generated requests must reach a peer (checked by the suite), with the
    # peer's path: the proof that the documented schema lets valid bodies through.
    must_reach: tuple[str, ...] = ()
    # Operations that must answer 200 at least once: generated input gets all the way through.
    must_succeed: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name


def _counts(*peers: StandIn | ScriptedLLM) -> Callable[[], dict[str, int]]:
    def reached() -> dict[str, int]:
        out: dict[str, int] = {}
        for peer in peers:
            if isinstance(peer, ScriptedLLM):
                out["llm:/v1/chat/completions"] = len(peer.requests)
            else:
                for path, n in peer.seen.items():
                    out[path] = out.get(path, 0) + n
        return out

    return reached


@contextmanager
def gateway(home: Path) -> Iterator[Built]:
    from services.gateway.main import create_app
    from services.gateway.settings import Settings

    with stand_in() as peer:
        settings = Settings(
            _env_file=None,
            gateway_api_keys=[KEY],
            orchestrator_url=peer.url,
            rag_url=peer.url,
            asr_url=peer.url,
            aistack_service_token=SERVICE_TOKEN,
            aistack_home=home,
            # The fuzzer sends hundreds of requests a minute with one key.
            gateway_default_rpm=10_000_000,
            gateway_default_tpm=10_000_000_000,
            gateway_keepalive_s=5,
        )
        published = {
            "/v1/chat/completions": {"model": CHAT_MODEL},
            "/v1/embeddings": {"model": EMBEDDING_MODEL},
        }
        yield Built(create_app(settings), KEY, published, _counts(peer))


@contextmanager
def orchestrator(home: Path) -> Iterator[Built]:
    from services.orchestrator.main import create_app
    from services.orchestrator.settings import Settings

    with ExitStack() as stack:
        llm = stack.enter_context(scripted_llm(say("The limit is 10 bar.")))
        rag = stack.enter_context(stand_in())
        settings = Settings(
            _env_file=None,
            llm_base_url=llm.url,
            llm_model="scripted-model",
            # The model is offered the client's tools: generated tool lists reach the runner.
            llm_tool_calling="on",
            orch_tools=False,
            orch_mcp_domains=[],
            rag_url=rag.url,
            aistack_service_token=SERVICE_TOKEN,
            aistack_home=home,
        )
        published = {"/v1/chat/completions": {"model": CHAT_MODEL}}
        yield Built(create_app(settings), SERVICE_TOKEN, published, _counts(llm, rag))


@contextmanager
def rag_api(home: Path) -> Iterator[Built]:
    from services.rag.main import create_app
    from tests.rag.conftest import make_settings

    settings = make_settings(home, aistack_service_token=SERVICE_TOKEN, rag_torch_threads=1)
    published = {"/v1/embeddings": {"model": EMBEDDING_MODEL}}
    yield Built(create_app(settings), SERVICE_TOKEN, published)


@contextmanager
def asr_api(home: Path) -> Iterator[Built]:
    from services.asr.main import create_app
    from tests.asr.conftest import make_settings

    with stand_in() as rag:
        settings = make_settings(
            aistack_service_token=SERVICE_TOKEN, asr_tmp_dir=home / "asr-tmp", rag_url=rag.url
        )
        published = {p: {"model": "whisper-1"} for p in ("/v1/audio/transcriptions", "/ingest")}
        yield Built(create_app(settings), SERVICE_TOKEN, published, _counts(rag))


@contextmanager
def tool_registry(home: Path) -> Iterator[Built]:
    from services.tool_registry.main import create_app
    from services.tool_registry.settings import Settings

    plugins = home / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        _env_file=None,
        plugins_dir=[plugins],
        gateway_api_keys=[KEY],
        aistack_service_token=SERVICE_TOKEN,
        aistack_home=home,
        tools_python_workers=1,
        # The in-process client's Host (the SDK's DNS-rebinding guard answers 421 otherwise).
        tools_mcp_allowed_hosts=["testserver"],
    )

    def extra(client: Any) -> dict[str, Any]:
        return {**invoke_paths(client, SERVICE_TOKEN), **mcp_paths(client, ["/mcp"], KEY)}

    yield Built(create_app(settings), SERVICE_TOKEN, extra_paths=extra)


@contextmanager
def mcp(home: Path) -> Iterator[Built]:
    from services.mcp.main import create_app
    from services.mcp.settings import Settings

    with stand_in() as rag:
        settings = Settings(
            _env_file=None,
            gateway_api_keys=[KEY],
            rag_url=rag.url,
            mcp_ingest_on_start=False,
            mcp_allowed_hosts=["testserver"],
            aistack_service_token=SERVICE_TOKEN,
            aistack_home=home,
        )
        endpoints = [f"/{domain}/mcp" for domain in ("chem", "mech", "materials")]
        yield Built(
            create_app(settings),
            KEY,
            reached=_counts(rag),
            extra_paths=lambda client: mcp_paths(client, endpoints, KEY),
        )


# The one list: the suite, its slow tier and bench/fuzz.py all take their services from here.
TARGETS: tuple[FuzzTarget, ...] = (
    FuzzTarget(
        "gateway",
        gateway,
        must_reach=("/v1/chat/completions", "/v1/embeddings"),
        must_succeed=("POST /v1/chat/completions", "POST /v1/conditioning"),
    ),
    FuzzTarget(
        "orchestrator",
        orchestrator,
        must_reach=("llm:/v1/chat/completions",),
        must_succeed=("POST /v1/chat/completions",),
    ),
    FuzzTarget("rag-api", rag_api, must_succeed=("POST /retrieve", "POST /v1/embeddings")),
    FuzzTarget("asr-api", asr_api),
    FuzzTarget(
        "tool-registry",
        tool_registry,
        must_succeed=("POST /tools/convert_units/invoke", "POST /tools/hoop_stress/invoke"),
    ),
    FuzzTarget("mcp", mcp, must_succeed=("POST /chem/mcp", "POST /materials/mcp")),
)


def target(name: str) -> FuzzTarget:
    by_name = {t.name: t for t in TARGETS}
    if name not in by_name:
        raise KeyError(f"no fuzz target {name!r}; known: {', '.join(by_name)}")
    return by_name[name]
