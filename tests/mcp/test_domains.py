"""The shipped domains file, corpora and constraint tables, and what loading refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from services.kit.settings import SettingsError
from services.mcp.domains import load_domains, resolve
from services.mcp.security import transport_security
from services.mcp.settings import DEFAULT_DOMAINS_FILE, Settings

pytestmark = pytest.mark.unit

PACKAGE = DEFAULT_DOMAINS_FILE.parent


@pytest.fixture(scope="module")
def domains():
    return load_domains(DEFAULT_DOMAINS_FILE)


def limits_of(domains, domain: str, subject: str) -> dict[str, object]:
    (entry,) = [e for e in domains[domain].constraints.entries if e.subject == subject]
    return {limit.parameter: limit for limit in entry.limits}


def test_three_domains_with_titles_corpora_tables_and_conventions(domains) -> None:
    assert list(domains) == ["chem", "mech", "materials"]
    assert [d.endpoint for d in domains.values()] == ["/chem/mcp", "/mech/mcp", "/materials/mcp"]
    materials = domains["materials"].conventions
    assert materials.unit_for("stress") == "MPa" and materials.unit_for("temperature") == "K"
    for name, domain in domains.items():
        files = sorted(p.name for p in (PACKAGE / "corpora" / name).glob("*.md"))
        assert [d.filename for d in domain.documents] == files and len(files) >= 2
        assert domain.constraints.path == PACKAGE / "constraints" / f"{name}.yaml"
        assert domain.title and domain.description


def test_limits_are_normalised_to_si_and_to_the_domain_units(domains) -> None:
    acetone = limits_of(domains, "chem", "acetone")
    rel = acetone["exposure limit, 10-hour TWA (NIOSH REL)"].quantity
    assert (rel.value, rel.unit, rel.si_value, rel.si_unit) == (250, "ppm", 0.00025, "1")
    flash = acetone["flash point"].quantity
    # 0 °F: -17.78 °C in chem's convention, 255.37 K in SI.
    assert (flash.value, flash.unit, flash.domain_unit) == (0, "°F", "°C")
    assert flash.domain_value == pytest.approx(-17.7778, abs=1e-4)
    assert flash.si_value == pytest.approx(255.3722, abs=1e-4) and flash.si_unit == "K"

    steel = limits_of(domains, "materials", "316L stainless steel")
    hot = steel["maximum design temperature for Section VIII Division 1 (plate)"].quantity
    assert (hot.value, hot.unit, hot.domain_unit) == (850, "°F", "K")  # materials: K
    assert hot.domain_value == pytest.approx(727.5944, abs=1e-4)
    yield_ = steel["minimum yield strength (Rp0.2)"].quantity
    assert (yield_.domain_value, yield_.domain_unit, yield_.si_value, yield_.si_unit) == (
        170,
        "MPa",
        170_000_000,
        "Pa",
    )

    grade5 = limits_of(domains, "mech", "SAE grade 5 bolt")["proof strength (1/4 to 1 in)"]
    assert grade5.quantity.domain_unit == "MPa"  # mech: stress in MPa
    assert grade5.quantity.domain_value == pytest.approx(586.05, abs=0.01)
    assert grade5.statement() == (
        "SAE grade 5 bolt: proof strength (1/4 to 1 in) ≤ 85 ksi (586.054 MPa; SI 5.86054e+08 Pa)"
    )
    margin = limits_of(domains, "mech", "hydrostatic test")[
        "metal temperature margin above the MDMT during the test"
    ].quantity
    # A temperature *difference*: 30 °F of margin is 16.7 K, not 272 K.
    assert margin.domain_value == pytest.approx(16.667, abs=1e-3) and margin.domain_unit == "K"


def test_every_table_row_matches_its_file(domains) -> None:
    for name, domain in domains.items():
        raw = yaml.safe_load((PACKAGE / "constraints" / f"{name}.yaml").read_text())["entries"]
        assert [e["subject"] for e in raw] == domain.constraints.subjects
        for row, entry in zip(raw, domain.constraints.entries, strict=True):
            for spec, limit in zip(row["limits"], entry.limits, strict=True):
                assert limit.source == spec["source"] and limit.source
                assert limit.quantity.value == spec["value"]
                assert limit.quantity.unit == spec["unit"]


@pytest.mark.parametrize(
    ("domain", "asked", "subjects"),
    [
        ("chem", "acetone", ["acetone"]),
        ("chem", "CAS 67-64-1", ["acetone"]),
        ("chem", "67-64-1", ["acetone"]),
        ("chem", "Rinse the flask with acetone, then dry it", ["acetone"]),
        ("chem", "methylene chloride", ["dichloromethane"]),
        (
            "materials",
            "stainless",
            ["316L stainless steel", "304L stainless steel", "304 stainless steel"],
        ),
        ("materials", "316L", ["316L stainless steel"]),
        ("mech", "pressure test", ["hydrostatic test", "pneumatic test"]),
        ("mech", "class 8.8", ["property class 8.8 bolt"]),
        ("mech", "Viton", []),
    ],
)
def test_lookup(domains, domain: str, asked: str, subjects: list[str]) -> None:
    assert [e.subject for e in domains[domain].constraints.lookup(asked)] == subjects


def test_corpus_documents_carry_their_metadata(domains) -> None:
    solvents = next(d for d in domains["chem"].documents if d.filename == "solvent-hazards.md")
    meta = solvents.metadata()
    assert meta["citation_source"] == "mcp/chem/solvent-hazards.md"
    assert solvents.uri == "corpus://chem/solvent-hazards.md"
    assert "NIOSH Pocket Guide to Chemical Hazards" in meta["source"]
    assert {"flammable", "toxic", "carcinogen"} <= set(meta["hazard_tags"])
    assert {"ppm", "°F", "°C", "mg/m³"} <= set(meta["units_found"])
    assert "temperature" in meta["quantity_kinds"]
    assert not solvents.body.startswith("---"), "the front matter is metadata, not text"
    assert (
        solvents.body
        == (PACKAGE / "corpora/chem/solvent-hazards.md").read_text().split("---\n", 2)[2].strip()
        + "\n"
    )
    # The revision changes with what is sent to rag-api.
    assert len(solvents.revision) == 16 and solvents.revision_tag in solvents.tags


def _copy_shipped(tmp_path: Path) -> Path:
    shutil.copytree(PACKAGE / "corpora", tmp_path / "corpora")
    shutil.copytree(PACKAGE / "constraints", tmp_path / "constraints")
    text = DEFAULT_DOMAINS_FILE.read_text().replace("package:", "")
    (tmp_path / "domains.yaml").write_text(text)
    return tmp_path / "domains.yaml"


def test_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    domains = load_domains(_copy_shipped(tmp_path))
    assert domains["mech"].constraints.path == tmp_path / "constraints" / "mech.yaml"
    assert resolve("package:corpora/chem", tmp_path) == PACKAGE / "corpora" / "chem"
    assert resolve("/data/corpora", tmp_path) == Path("/data/corpora")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("  chem:\n", "  biology:\n"), "domain 'biology' is not one of"),
        (lambda t: t.replace("stress: MPa", "stress: kg"), "units.stress"),
        (lambda t: t.replace("corpora/mech", "corpora/nowhere"), "corpora/nowhere does not exist"),
        (lambda t: t.replace("title: Chemistry", "titel: Chemistry"), "titel"),
    ],
)
def test_a_bad_domains_file_names_the_problem(tmp_path: Path, edit, message: str) -> None:
    path = _copy_shipped(tmp_path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(SettingsError) as raised:
        load_domains(path)
    assert message in str(raised.value)


def test_a_bad_table_or_document_names_the_file_and_the_entry(tmp_path: Path) -> None:
    path = _copy_shipped(tmp_path)
    table = tmp_path / "constraints" / "chem.yaml"
    table.write_text(table.read_text().replace("value: 250, unit: ppm", "value: 250, unit: ppmz"))
    with pytest.raises(SettingsError) as raised:
        load_domains(path)
    assert str(table) in str(raised.value) and "acetone" in str(raised.value)
    assert "ppmz" in str(raised.value)

    path = _copy_shipped(tmp_path / "again")
    doc = tmp_path / "again" / "corpora" / "materials" / "metals-limits.md"
    doc.write_text(doc.read_text().split("---\n", 2)[2])
    with pytest.raises(SettingsError, match="no front matter") as raised:
        load_domains(path)
    assert str(doc) in str(raised.value)


def test_allowed_hosts_add_the_public_name_with_and_without_port() -> None:
    security = transport_security(
        Settings(_env_file=None, mcp_allowed_hosts="ai.example.com, ai-stack-mcp:8085")
    )
    assert security.enable_dns_rebinding_protection
    assert {
        "127.0.0.1:*",
        "localhost:*",
        "ai.example.com",
        "ai.example.com:*",
        "ai-stack-mcp:8085",
    } <= set(security.allowed_hosts)
    assert "ai-stack-mcp:8085:*" not in security.allowed_hosts
    assert {"https://ai.example.com", "http://localhost:*"} <= set(security.allowed_origins)
    assert not any("evil" in h for h in security.allowed_hosts)
