"""The SSRF guard on KnowledgeBase URL sources, with real name resolution (getaddrinfo) of
literal addresses and localhost, and real downloads from loopback servers."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from operators import ssrf
from operators.ingest import download
from tests.operator.standins import serve

pytestmark = pytest.mark.unit

REFUSED = [
    "http://127.0.0.1/x",
    "http://localhost:8082/documents",
    "http://[::1]/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.10/",
    "http://169.254.169.254/latest/meta-data/",  # the metadata service (link-local)
    "http://[fe80::1]/",
    "http://[fd00:ec2::254]/",
    "http://100.64.0.1/",  # shared address space (carrier NAT)
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",  # IPv4 hidden in IPv6
    "http://224.0.0.1/",
    "http://metadata.google.internal/computeMetadata/v1/",
]


@pytest.mark.parametrize("url", REFUSED)
async def test_inside_addresses_are_refused(url: str) -> None:
    with pytest.raises(ssrf.RefusedUrlError):
        await ssrf.check_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "http://localhost/", "http://10.0.0.7/"])
async def test_allow_private_lets_them_through(url: str) -> None:
    await ssrf.check_url(url, allow_private=True)


async def test_global_addresses_pass() -> None:
    assert [str(a) for a in await ssrf.check_url("https://93.184.215.14/spec.pdf")] == [
        "93.184.215.14"
    ]
    await ssrf.check_url("http://[2606:4700:4700::1111]/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/"])
async def test_only_http_and_https(url: str) -> None:
    with pytest.raises(ssrf.RefusedUrlError, match="only http and https"):
        await ssrf.check_url(url)


async def test_a_name_that_does_not_resolve_is_not_a_refusal() -> None:
    with pytest.raises(ssrf.UnresolvableUrlError):
        await ssrf.check_url("https://no-such-host.invalid/x")


async def test_localhost_resolves_to_loopback_and_the_message_says_what_to_do() -> None:
    with pytest.raises(ssrf.RefusedUrlError, match="allowPrivateUrls"):
        await ssrf.check_url("http://localhost/")


async def test_the_guarded_resolver_refuses_every_connection_inside() -> None:
    resolver = ssrf.GuardedResolver()
    with pytest.raises(ssrf.RefusedUrlError):
        await resolver.resolve("localhost", 80)
    allowed = await ssrf.GuardedResolver(allow_private=True).resolve("localhost", 80)
    assert {r["host"] for r in allowed} & {"127.0.0.1", "::1"}


async def _document(request: web.Request) -> web.Response:
    return web.Response(text="# Notes\n\n316L yield 170 MPa.", content_type="text/markdown")


async def test_a_download_from_inside_is_refused_unless_allowed() -> None:
    app = web.Application()
    app.router.add_get("/notes", _document)
    async with serve(app) as base:
        url = base.replace("127.0.0.1", "localhost") + "/notes"
        connector = aiohttp.TCPConnector(resolver=ssrf.GuardedResolver(False))
        async with aiohttp.ClientSession(connector=connector) as session:
            with pytest.raises(ssrf.RefusedUrlError):
                await download(session, "kb", url, allow_private=False)
        connector = aiohttp.TCPConnector(resolver=ssrf.GuardedResolver(True))
        async with aiohttp.ClientSession(connector=connector) as session:
            item = await download(session, "kb", url, allow_private=True)
    assert item.data.startswith(b"# Notes")
    assert item.name == "kb/localhost/notes.md"  # the suffix from its content type


async def test_a_redirect_is_checked_like_the_first_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first hop that passes cannot bounce the download to the metadata address. (The
    stand-in lives on loopback, so its own address is let through; every later hop is checked
    as usual.)"""
    app = web.Application()

    async def bounce(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    app.router.add_get("/bounce", bounce)
    checked: list[str] = []
    real_check = ssrf.check_url

    async def check(url: str, allow_private: bool = False) -> list:
        checked.append(url)
        return await real_check(url, allow_private=allow_private or len(checked) == 1)

    monkeypatch.setattr(ssrf, "check_url", check)
    async with serve(app) as base, aiohttp.ClientSession() as session:
        with pytest.raises(ssrf.RefusedUrlError, match=r"169\.254\.169\.254"):
            await download(session, "kb", base + "/bounce", allow_private=False)
    assert checked == [base + "/bounce", "http://169.254.169.254/latest/meta-data/"]
