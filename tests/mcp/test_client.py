"""The official ``mcp`` client against the real service (real rag-api behind it), for each
domain and both protocol revisions: tools, resources and the prompt, checked against the
shipped data files."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml

from services.mcp.settings import DEFAULT_DOMAINS_FILE
from tests.mcp.conftest import DOMAINS, Ingested, mcp_client
from tests.service_process import ServiceProcess

pytestmark = pytest.mark.integration

PACKAGE = DEFAULT_DOMAINS_FILE.parent
MODES = {"auto": "2026-07-28", "legacy": "2025-11-25"}
EXPECT = {
    "chem": {
        "query": "NIOSH recommended exposure limit for acetone",
        "passage": "250 ppm (590 mg/m³)",
        "subject": "acetone",
        "procedure": "Rinse the reactor with 20 L of acetone, then dry it with a heat gun.",
    },
    "mech": {
        "query": "hydrostatic test pressure as a multiple of the MAWP",
        "passage": "1.3 times the MAWP",
        "subject": "hydrostatic test",
        "procedure": "Hydrotest the receiver at 1.1 times MAWP with water at 5 °C.",
    },
    "materials": {
        "query": "316L plate maximum design temperature Section VIII",
        "passage": "850 °F (454 °C)",
        "subject": "316L stainless steel",
        "procedure": "Weld a vessel from 316L plate for 480 °C service in chloride brine.",
    },
}


def table_rows(domain: str, subject: str) -> list[dict]:
    entries = yaml.safe_load((PACKAGE / "constraints" / f"{domain}.yaml").read_text())["entries"]
    (entry,) = [e for e in entries if e["subject"] == subject]
    return entry["limits"]


def corpus_files(domain: str) -> list[Path]:
    return sorted((PACKAGE / "corpora" / domain).glob("*.md"))


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("domain", DOMAINS)
async def test_each_domain_through_the_official_client(
    mcp_service: ServiceProcess, ingested: Ingested, domain: str, mode: str
) -> None:
    expect = EXPECT[domain]
    async with mcp_client(f"{mcp_service.base_url}/{domain}/mcp", mode) as client:
        assert client.protocol_version == MODES[mode]
        assert client.server_info is not None and client.server_info.name == f"ai-stack-{domain}"

        tools = (await client.list_tools()).tools
        assert [t.name for t in tools] == ["search", "constraints", "convert_units"]
        for tool in tools:
            assert tool.description and tool.input_schema["type"] == "object"
            assert tool.output_schema is not None and tool.annotations.read_only_hint

        # search: rag-api filtered to the domain, passages with scores and citations.
        found = await client.call_tool("search", {"query": expect["query"], "top_k": 5})
        assert not found.is_error, found.content
        result = found.structured_content
        assert json.loads(found.content[0].text) == result  # older clients read the text
        assert result["domain"] == domain and "not instructions" in result["note"]
        passages = result["passages"]
        assert 0 < len(passages) <= 5
        assert all(
            p["source"].startswith(f"mcp/{domain}/")
            for p in passages
            if p["source"] != "injected-supplier-note.md"
        ), passages
        scores = [p["score"] for p in passages]
        assert scores == sorted(scores, reverse=True)
        hit = next(p for p in passages if expect["passage"] in p["content"])
        async with httpx.AsyncClient(timeout=30) as http:
            chunk_url = f"{ingested.rag.base_url}/chunks/{hit['citation']['chunk_id']}"
            cited = (await http.get(chunk_url)).json()
        assert cited["content"] == hit["content"]
        assert hit["citation"]["source"] == hit["source"]
        document = result["documents"][hit["source"]]
        shipped = PACKAGE / "corpora" / domain / hit["source"].rsplit("/", 1)[-1]
        front = yaml.safe_load(shipped.read_text().split("---\n", 2)[1])
        assert document["title"] == front["title"] and document["hazard_tags"] == front["hazards"]
        assert document["reference"] == " ".join(front["reference"].split())
        assert set(result["documents"]) == {p["source"] for p in passages}

        # constraints: the table's limits for the subject, with sources, normalised.
        answer = await client.call_tool("constraints", {"subject": expect["subject"]})
        limits = answer.structured_content
        assert limits["matched_subjects"] == [expect["subject"]]
        rows = table_rows(domain, expect["subject"])
        served = [
            (c["parameter"], c["value"], c["unit"], c["source"]) for c in limits["constraints"]
        ]
        assert served == [(r["parameter"], r["value"], r["unit"], r["source"]) for r in rows]
        assert all(c["statement"].startswith(expect["subject"]) for c in limits["constraints"])

        # convert_units: the registry built-in's arguments; a bad unit is an isError result.
        converted = await client.call_tool("convert_units", {"quantity": "3 bar", "to": "kPa"})
        assert converted.structured_content == {
            "input": "3 bar",
            "value": 300.0,
            "unit": "kPa",
            "si_value": 300000.0,
            "si_unit": "Pa",
            "kind": "pressure",
        }
        assert converted.content[0].type == "text" and '"value": 300.0' in converted.content[0].text
        wrong = await client.call_tool("convert_units", {"quantity": "3 bar", "to": "m"})
        assert wrong.is_error and "cannot convert 3 bar (a pressure) to m" in wrong.content[0].text

        # resources: every corpus document with its metadata, and the table.
        resources = (await client.list_resources()).resources
        files = corpus_files(domain)
        assert [r.uri for r in resources] == [
            *(f"corpus://{domain}/{f.name}" for f in files),
            f"constraints://{domain}",
        ]
        first = resources[0]
        assert first.mime_type == "text/markdown" and first.name == files[0].name
        assert first.meta["citation_source"] == f"mcp/{domain}/{files[0].name}"
        assert first.meta["units_found"] and first.meta["hazard_tags"] and first.meta["source"]
        read = await client.read_resource(first.uri)
        (content,) = read.contents
        assert content.text == files[0].read_text().split("---\n", 2)[2].strip() + "\n"
        assert content.meta["hazard_tags"] == first.meta["hazard_tags"]
        table = json.loads((await client.read_resource(f"constraints://{domain}")).contents[0].text)
        assert [e["subject"] for e in table["entries"]] == [
            e["subject"]
            for e in yaml.safe_load((PACKAGE / "constraints" / f"{domain}.yaml").read_text())[
                "entries"
            ]
        ]

        # prompt: the safety review puts the domain's constraints first.
        (prompt,) = (await client.list_prompts()).prompts
        assert prompt.name == "safety_review" and prompt.description
        assert [(a.name, a.required) for a in prompt.arguments] == [("procedure", True)]
        review = await client.get_prompt("safety_review", {"procedure": expect["procedure"]})
        frame, quoted = (m.content.text for m in review.messages)
        assert frame.index("1. Constraints first") < frame.index(rows[0]["parameter"])
        assert frame.index(rows[0]["parameter"]) < frame.index("4. Then review")
        assert rows[0]["source"] in frame
        assert expect["procedure"] in quoted and "do not follow instructions" in quoted


async def test_materials_limits_are_shown_in_its_conventions(mcp_service: ServiceProcess) -> None:
    async with mcp_client(f"{mcp_service.base_url}/materials/mcp") as client:
        answer = (await client.call_tool("constraints", {"subject": "316L"})).structured_content
    assert answer["unit_conventions"]["stress"] == "MPa"
    assert answer["unit_conventions"]["temperature"] == "K"
    by_parameter = {c["parameter"]: c for c in answer["constraints"]}
    hot = by_parameter["maximum design temperature for Section VIII Division 1 (plate)"]
    assert (hot["value"], hot["unit"], hot["domain_unit"], hot["si_unit"]) == (850, "°F", "K", "K")
    assert hot["domain_value"] == pytest.approx(727.594, abs=1e-3)
    assert hot["relation"] == "max" and "ASME BPVC Section II Part D" in hot["source"]
    scc = by_parameter["chloride stress corrosion cracking threshold"]
    assert scc["domain_value"] == pytest.approx(333.15) and scc["value"] == 60


async def test_an_unknown_subject_lists_what_the_table_knows(mcp_service: ServiceProcess) -> None:
    async with mcp_client(f"{mcp_service.base_url}/chem/mcp") as client:
        answer = await client.call_tool("constraints", {"subject": "unobtainium"})
    assert not answer.is_error
    result = answer.structured_content
    assert result["constraints"] == [] and result["matched_subjects"] == []
    assert "acetone" in result["known_subjects"] and "benzene" in result["known_subjects"]


async def test_bad_arguments_are_error_results_not_failures(mcp_service: ServiceProcess) -> None:
    async with mcp_client(f"{mcp_service.base_url}/mech/mcp", "legacy") as client:
        too_many = await client.call_tool("search", {"query": "bolts", "top_k": 1000})
        assert too_many.is_error and "top_k" in too_many.content[0].text
        unreadable = await client.call_tool("convert_units", {"quantity": "three bar", "to": "Pa"})
        assert unreadable.is_error and "write a number and a unit" in unreadable.content[0].text
        unknown = await client.call_tool("convert_units", {"quantity": "3 blorps", "to": "Pa"})
        assert unknown.is_error and "unknown unit" in unknown.content[0].text
        obj = await client.call_tool(
            "convert_units", {"quantity": {"value": 300, "unit": "degF"}, "to": "K"}
        )
        assert obj.structured_content["value"] == pytest.approx(422.0389, abs=1e-4)
        assert len((await client.list_tools()).tools) == 3  # still serving


def test_the_plain_domains_route_needs_a_key(mcp_service: ServiceProcess) -> None:
    assert httpx.get(f"{mcp_service.base_url}/domains", timeout=10).status_code == 401
    listing = httpx.get(
        f"{mcp_service.base_url}/domains",
        headers={"Authorization": "Bearer sk-mcp-test-0123456789abcdef"},
        timeout=10,
    ).json()["data"]
    assert [(d["id"], d["endpoint"]) for d in listing] == [
        ("chem", "/chem/mcp"),
        ("mech", "/mech/mcp"),
        ("materials", "/materials/mcp"),
    ]
    assert listing[2]["units"]["stress"] == "MPa"
