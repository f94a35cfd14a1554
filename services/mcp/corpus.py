"""A domain's baseline corpus: Markdown documents with front matter, and their metadata.

Each document is a ``.md`` file that opens with YAML front matter::

    ---
    title: Common laboratory solvents - flammability and exposure limits
    reference: NIOSH Pocket Guide to Chemical Hazards (...); OSHA 29 CFR 1910.1000
    hazards: [flammable, toxic]
    ---
    # Common laboratory solvents ...

Metadata per document: its title; ``source`` (the public references it was written from);
``hazard_tags`` (from the front matter: the author's judgement, not a keyword guess); the units
found in its text and their quantity kinds (the kit's quantity finder); its citation source in
rag-api (``mcp/<domain>/<file>``) and its MCP resource URI (``corpus://<domain>/<file>``);
``revision``, a digest of everything sent to rag-api, so that a start-up can tell whether
rag-api holds this version.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.kit import conversion
from services.mcp.errors import DomainFileError

# Every baseline chunk carries this tag in rag-api (filterable, and how a sync finds its own).
BASELINE_TAG = "mcp-baseline"
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_TAG = r"^[a-z][a-z0-9-]{0,39}$"


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    reference: str = Field(min_length=1)
    hazards: list[str] = Field(default_factory=list)

    @field_validator("hazards")
    @classmethod
    def _tags(cls, hazards: list[str]) -> list[str]:
        for tag in hazards:
            if not re.match(_TAG, tag):
                raise ValueError(f"hazard tag {tag!r} must be lower-case words joined by '-'")
        return hazards


@dataclass(frozen=True)
class CorpusDocument:
    domain: str
    filename: str
    path: Path
    title: str
    reference: str
    hazard_tags: tuple[str, ...]
    body: str
    units_found: tuple[str, ...]
    quantity_kinds: tuple[str, ...]

    @property
    def source(self) -> str:
        """The document's name in rag-api: what citations show."""
        return f"mcp/{self.domain}/{self.filename}"

    @property
    def uri(self) -> str:
        return f"corpus://{self.domain}/{self.filename}"

    def ingest_metadata(self) -> dict[str, Any]:
        """Merged into every chunk's meta in rag-api (so search results carry them)."""
        return {
            "title": self.title,
            "reference": self.reference,
            "hazard_tags": list(self.hazard_tags),
            "corpus": BASELINE_TAG,
        }

    @property
    def revision(self) -> str:
        """Digest of the text, metadata and tags sent to rag-api (16 hex digits)."""
        payload = json.dumps(
            [self.source, self.body, self.ingest_metadata(), list(self.hazard_tags)],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    @property
    def revision_tag(self) -> str:
        return f"rev-{self.revision}"

    @property
    def tags(self) -> list[str]:
        return [BASELINE_TAG, self.revision_tag, *self.hazard_tags]

    def metadata(self) -> dict[str, Any]:
        """What the MCP resource lists and reads carry in ``_meta``."""
        return {
            "domain": self.domain,
            "title": self.title,
            "source": self.reference,
            "citation_source": self.source,
            "hazard_tags": list(self.hazard_tags),
            "units_found": list(self.units_found),
            "quantity_kinds": list(self.quantity_kinds),
            "revision": self.revision,
        }


def _symbol(unit: str) -> str:
    """pint's short form of a unit expression (``mg/m³``, ``°C``), or the expression itself."""
    try:
        # pint orders factors alphabetically ("m·N"); engineers write torque as N·m.
        return f"{conversion.parse_unit(unit):~P}".replace("m·N", "N·m") or unit
    except conversion.ConversionError:
        return unit


def read_document(domain: str, path: Path) -> CorpusDocument:
    """Parse one corpus file.

    Raises:
        DomainFileError: unreadable, no front matter, or front matter of the wrong shape.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DomainFileError(f"corpus document {path}: cannot read ({exc})") from None
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise DomainFileError(
            f"corpus document {path}: no front matter (start the file with '---', the title, "
            "reference and hazards, and '---')"
        )
    try:
        front = FrontMatter.model_validate(yaml.safe_load(match.group(1)))
    except (yaml.YAMLError, ValidationError) as exc:
        raise DomainFileError(f"corpus document {path}: invalid front matter ({exc})") from None
    body = text[match.end() :].strip() + "\n"
    if not body.strip():
        raise DomainFileError(f"corpus document {path}: no text after the front matter")
    quantities = conversion.finder().run(body)
    return CorpusDocument(
        domain=domain,
        filename=path.name,
        path=path,
        title=front.title,
        reference=" ".join(front.reference.split()),
        hazard_tags=tuple(front.hazards),
        body=body,
        units_found=tuple(sorted({_symbol(q.unit) for q in quantities})),
        quantity_kinds=tuple(sorted({q.kind for q in quantities if q.kind != "other"})),
    )


def load_corpus(domain: str, folders: list[Path]) -> list[CorpusDocument]:
    """Every ``.md`` document of ``folders``, sorted by file name (runs repeat exactly).

    Raises:
        DomainFileError: a folder that does not exist, two documents with one file name, or
            a document that cannot be read (see :func:`read_document`).
    """
    documents: dict[str, CorpusDocument] = {}
    for folder in folders:
        if not folder.is_dir():
            raise DomainFileError(f"domain {domain}: corpus folder {folder} does not exist")
        for path in sorted(folder.glob("*.md")):
            doc = read_document(domain, path)
            if doc.filename in documents:
                raise DomainFileError(
                    f"domain {domain}: two corpus documents are named {doc.filename} "
                    f"({documents[doc.filename].path} and {path})"
                )
            documents[doc.filename] = doc
    return sorted(documents.values(), key=lambda d: d.filename)
