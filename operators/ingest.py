"""``python -m operators.ingest``: one ingestion run of a KnowledgeBase (the Job's command).

``INGEST_PLAN`` (JSON, written by operators/desired/knowledge.py)::

    {"name": "handbook", "domain": "materials" | null, "tags": ["knowledgebase:handbook"],
     "allowPrivateUrls": false, "sources": [{"dir": "/sources/0"}, {"url": "https://..."}]}

Every supported file under each folder (.txt .md .markdown .html .htm .pdf; hidden entries
such as a ConfigMap volume's ``..data`` are skipped) and every URL (downloaded through the SSRF
guard, redirects checked one by one) goes to rag-api's ``POST /ingest`` as its own upload,
named ``<base>/<path>`` so that two bases never share a document. Re-running is cheap: files
rag-api already holds come back ``unchanged``. When every source was read and every upload
succeeded, the base's documents that are no longer in its sources are deleted.

Prints one JSON summary line (also the container's termination message) and exits 0 when at
least one file is in rag-api (or there was nothing to ingest), 1 otherwise.
"""

from __future__ import annotations

import asyncio
import mimetypes
import posixpath
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import orjson
from pydantic import Field

from operators import rag, ssrf
from services.kit.errors import ServiceError
from services.kit.logging import configure_logging, get_logger
from services.kit.peer import PeerClient
from services.kit.settings import SettingsError, StackSettings, load_settings

log = get_logger(__name__)

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
SUFFIX_OF_TYPE = {
    "text/html": ".html",
    "application/pdf": ".pdf",
    "text/markdown": ".md",
    "text/plain": ".txt",
}
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
TERMINATION_LOG = Path("/dev/termination-log")


class IngestSettings(StackSettings):
    ingest_plan: str = Field(min_length=2)


@dataclass
class Item:
    name: str
    data: bytes
    content_type: str | None = None


@dataclass
class Summary:
    files: int = 0
    ingested: int = 0
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    pruned: int = 0
    document_ids: set[str] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "failed": self.failed[:20],
            "pruned": self.pruned,
        }


def folder_items(base: str, root: Path) -> tuple[list[Item], list[dict[str, str]]]:
    """The supported files under ``root`` as uploads named ``<base>/<relative path>``."""
    if not root.is_dir():
        return [], [{"source": str(root), "error": "no such folder"}]
    items = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED:
            items.append(Item(f"{base}/{relative.as_posix()}", path.read_bytes()))
    return items, []


def _url_name(base: str, url: str, content_type: str | None) -> str:
    parts = urlsplit(url)
    # A name is a label (rag-api refuses '..' segments): the URL's path, normalised.
    path = posixpath.normpath("/" + parts.path).lstrip("/") or "index"
    name = f"{base}/{parts.hostname}/{path}"
    if not name.lower().endswith(SUPPORTED):
        name += SUFFIX_OF_TYPE.get((content_type or "").split(";")[0].strip(), ".html")
    return name


async def download(
    session: aiohttp.ClientSession, base: str, url: str, allow_private: bool
) -> Item:
    """The URL's body, every hop checked by the SSRF guard (the session's resolver checks each
    connection too). Raises ssrf.UrlError, aiohttp.ClientError or ValueError (too large)."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        await ssrf.check_url(current, allow_private)
        async with session.get(current, allow_redirects=False) as response:
            if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                current = urljoin(current, response.headers["Location"])
                continue
            response.raise_for_status()
            data = await response.content.read(MAX_DOWNLOAD_BYTES + 1)
            if len(data) > MAX_DOWNLOAD_BYTES:
                raise ValueError(f"larger than {MAX_DOWNLOAD_BYTES} bytes")
            content_type = response.headers.get("Content-Type")
            return Item(_url_name(base, url, content_type), data, content_type)
    raise ValueError(f"more than {MAX_REDIRECTS} redirects")


def multipart(
    fields: dict[str, str], filename: str, data: bytes, content_type: str | None
) -> tuple[bytes, str]:
    """A multipart/form-data body with ``fields`` and one ``files`` part (RFC 7578)."""
    boundary = f"aistack-{secrets.token_hex(12)}"
    safe = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
    kind = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    out = bytearray()
    for key, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    out += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{safe}"\r\n'
        f"Content-Type: {kind}\r\n\r\n"
    ).encode()
    out += data + f"\r\n--{boundary}--\r\n".encode()
    return bytes(out), boundary


async def upload(client: PeerClient, item: Item, plan: dict[str, Any]) -> dict[str, Any]:
    """rag-api's result entry for one file (``status``: ingested | unchanged | error)."""
    fields = {"tags": ",".join(plan.get("tags") or [])}
    if plan.get("domain"):
        fields["domain"] = plan["domain"]
    body, boundary = multipart(fields, item.name, item.data, item.content_type)
    response = await client.post(
        "/ingest",
        body=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        answer = {}
    results = answer.get("results") if isinstance(answer, dict) else None
    if results:
        return dict(results[0])
    message = (answer.get("error") or {}).get("message") if isinstance(answer, dict) else None
    return {
        "file": item.name,
        "status": "error",
        "error": {"message": message or f"HTTP {response.status}"},
    }


async def collect(plan: dict[str, Any], summary: Summary) -> list[Item]:
    """Every file of every source; sources that cannot be read go to ``summary.failed``."""
    base = str(plan["name"])
    allow_private = bool(plan.get("allowPrivateUrls"))
    items: list[Item] = []
    connector = aiohttp.TCPConnector(resolver=ssrf.GuardedResolver(allow_private))
    timeout = aiohttp.ClientTimeout(total=600, sock_connect=10, sock_read=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for source in plan.get("sources") or []:
            if "dir" in source:
                found, problems = folder_items(base, Path(source["dir"]))
                items += found
                summary.failed += problems
                continue
            try:
                items.append(await download(session, base, source["url"], allow_private))
            except (ssrf.UrlError, aiohttp.ClientError, TimeoutError, ValueError) as exc:
                summary.failed.append({"source": source["url"], "error": str(exc)})
    return items


async def run(plan: dict[str, Any], client: PeerClient) -> Summary:
    summary = Summary()
    items = await collect(plan, summary)
    summary.files = len(items)
    sources_ok = not summary.failed
    for item in items:
        result = await upload(client, item, plan)
        status = result.get("status")
        if status in ("ingested", "unchanged"):
            summary.ingested += status == "ingested"
            summary.unchanged += status == "unchanged"
            if result.get("document_id"):
                summary.document_ids.add(str(result["document_id"]))
        else:
            error = (result.get("error") or {}).get("message") or "failed"
            summary.failed.append({"source": item.name, "error": str(error)})
        log.info("ingest", file=item.name, status=status)
    # Only a complete run may say what is no longer there.
    if sources_ok and not summary.failed:
        tag = rag.tag_of(str(plan["name"]))
        for document in await rag.documents(client, tag):
            if str(document["id"]) not in summary.document_ids:
                summary.pruned += await rag.delete(client, str(document["id"]))
    return summary


def main() -> int:
    try:
        settings = load_settings(IngestSettings)
        plan = orjson.loads(settings.ingest_plan)
    except (SettingsError, orjson.JSONDecodeError) as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return 2
    configure_logging("operator-ingest", settings.log_level, settings.log_format)

    async def go() -> Summary:
        client = PeerClient(settings, settings.rag_base_url, name="rag-api")
        try:
            return await run(plan, client)
        finally:
            await client.aclose()

    try:
        summary = asyncio.run(go())
    except ServiceError as exc:
        print(f"ingest: {exc.message}", file=sys.stderr)
        return 1
    line = orjson.dumps(summary.as_json()).decode()
    print(line, flush=True)
    try:
        TERMINATION_LOG.write_text(line[:4096])
    except OSError:
        pass  # not in a pod
    stored = summary.ingested + summary.unchanged
    return 0 if stored or not (summary.files or summary.failed) else 1


if __name__ == "__main__":
    sys.exit(main())
