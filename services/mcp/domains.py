"""The domains file (``MCP_DOMAINS_FILE``): one MCP server per domain.

    domains:
      materials:
        title: Materials
        description: ...
        corpus: [package:corpora/materials]     # folders of Markdown documents
        constraints: package:constraints/materials.yaml
        units: {stress: MPa, temperature: K}

Paths: ``package:<path>`` is inside the installed ``services.mcp`` package (so a non-editable
install and the image carry the shipped data), a relative path is relative to the domains
file's folder, an absolute path is used as is. Everything is read and checked at start:
a problem stops the process with one line naming the file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from services.kit.vocabulary import DOMAINS
from services.mcp.constraints import ConstraintTable, load_table
from services.mcp.conventions import UnitConventions
from services.mcp.corpus import CorpusDocument, load_corpus
from services.mcp.errors import DomainFileError
from services.mcp.yamlfile import read_yaml_file, validation_problems

PACKAGE_PREFIX = "package:"


class DomainRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    description: str = ""
    corpus: list[str] = Field(min_length=1)
    constraints: str = Field(min_length=1)
    units: dict[str, str] = Field(default_factory=dict)


class DomainsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domains: dict[str, DomainRow] = Field(min_length=1)


@dataclass(frozen=True)
class Domain:
    """One domain, loaded: its conventions, its constraint table and its corpus."""

    name: str
    title: str
    description: str
    conventions: UnitConventions
    constraints: ConstraintTable
    documents: tuple[CorpusDocument, ...]

    @property
    def endpoint(self) -> str:
        """The MCP endpoint's path."""
        return f"/{self.name}/mcp"


def resolve(reference: str, base: Path) -> Path:
    """A path from the domains file (see the module docstring)."""
    if reference.startswith(PACKAGE_PREFIX):
        inside = reference.removeprefix(PACKAGE_PREFIX).strip("/")
        return Path(str(resources.files("services.mcp").joinpath(inside)))
    path = Path(reference).expanduser()
    return path if path.is_absolute() else (base / path)


def _load_domain(name: str, row: DomainRow, base: Path, where: Path) -> Domain:
    if name not in DOMAINS:
        raise DomainFileError(
            f"{where}: domain {name!r} is not one of the stack's domains ({', '.join(DOMAINS)}); "
            "rag-api tags and filters chunks by these names"
        )
    try:
        conventions = UnitConventions(row.units)
    except ValueError as exc:
        raise DomainFileError(f"{where}: domain {name}: {exc}") from None
    table = load_table(resolve(row.constraints, base), conventions)
    documents = load_corpus(name, [resolve(folder, base) for folder in row.corpus])
    if not documents:
        raise DomainFileError(f"{where}: domain {name}: its corpus folders hold no .md document")
    return Domain(
        name=name,
        title=row.title,
        description=" ".join(row.description.split()),
        conventions=conventions,
        constraints=table,
        documents=tuple(documents),
    )


def load_domains(path: Path) -> dict[str, Domain]:
    """Every domain of the file, in the file's order.

    Raises:
        DomainFileError: the file, a table or a corpus document is missing or invalid.
    """
    parsed = read_yaml_file(path, DomainsFile, f"MCP_DOMAINS_FILE {path}", validation_problems)
    base = path.resolve().parent
    return {name: _load_domain(name, row, base, path) for name, row in parsed.domains.items()}
