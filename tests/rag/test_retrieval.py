"""Hybrid retrieval on the real engine and model: exact tokens via BM25, paraphrases via the
dense leg, order-independent fusion, domain weights, filters and hard-fact preference."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.kit.errors import InvalidRequestError
from services.rag.engine import Embedders, RagEngine
from services.rag.fusion import rrf
from services.rag.store.base import Hit
from tests.rag.conftest import make_engine, text_item

pytestmark = pytest.mark.unit

CORPUS = {
    "water.md": (
        "chem",
        "Water, CAS 7732-18-5, is the reference solvent for aqueous titrations. "
        "Store the deionised grade in closed polyethylene carboys.",
    ),
    "acetone.md": (
        "chem",
        "Acetone (CAS 67-64-1) is a volatile solvent used to degrease parts before bonding. "
        "It is highly flammable: keep it away from ignition sources.",
    ),
    "fastener.md": (
        "mech",
        "For a M12x1.75 property class 8.8 bolt the recommended tightening torque is 79 N·m "
        "with lightly oiled threads.",
    ),
    "fastener-fine.md": (
        "mech",
        "A M12x1.25 fine-thread bolt needs 84 N·m at the same preload; fine threads resist "
        "loosening under vibration.",
    ),
    "boiling.md": (
        "materials",
        "When a liquid is heated until its vapour pressure equals the surrounding pressure it "
        "turns into gas; at sea level this happens at 100 °C for pure H2O.",
    ),
    "steel.md": (
        "materials",
        "316L stainless steel has a yield strength of about 170 MPa and excellent resistance "
        "to chloride pitting.",
    ),
    # Two equally relevant passages in two domains (the same statement, reworded a little).
    "storage-chem.md": (
        "chem",
        "Storage guidance: keep the container sealed, in a dry and cool room, away from sunlight.",
    ),
    "storage-mech.md": (
        "mech",
        "Storage guidance: keep the container sealed, in a cool and dry room, away from sunlight.",
    ),
    "limits.md": (
        "mech",
        "Gearbox oil should be changed regularly; the sump temperature must not exceed 90 °C "
        "and the maximum input speed is 1,500 rpm.",
    ),
    "gearbox-notes.md": (
        "mech",
        "Gearbox oil should be changed regularly and the breather kept clean so that the "
        "housing does not collect condensation.",
    ),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, embedders: Embedders) -> Iterator[RagEngine]:
    engine = make_engine(tmp_path_factory.mktemp("retrieval"), embedders)
    items = [text_item(name, text, domain) for name, (domain, text) in CORPUS.items()]
    results = engine.ingestor.ingest(items)
    assert all(r.error is None for r in results)
    yield engine
    engine.close()


def _sources(engine: RagEngine, query: str, **kw: object) -> list[str]:
    return [d.meta["source"] for d in engine.retrieve(query, top_k=10, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("7732-18-5", "water.md"), ("67-64-1", "acetone.md"), ("M12x1.75", "fastener.md")],
)
def test_exact_tokens_rank_first_through_the_sparse_leg(
    loaded: RagEngine, query: str, expected: str
) -> None:
    sparse = loaded.retrieve(query, top_k=3, mode="sparse")
    assert sparse[0].meta["source"] == expected
    hybrid = loaded.retrieve(query, top_k=3)
    assert hybrid[0].meta["source"] == expected
    assert hybrid[0].meta["legs"]["bm25"] == 1


def test_paraphrase_is_found_through_the_dense_leg(loaded: RagEngine) -> None:
    query = "at what temperature does water start to boil"
    dense = loaded.retrieve(query, top_k=3, mode="dense")
    assert dense[0].meta["source"] == "boiling.md"
    hybrid = loaded.retrieve(query, top_k=3)
    assert "boiling.md" in [d.meta["source"] for d in hybrid]
    top = next(d for d in hybrid if d.meta["source"] == "boiling.md")
    assert top.meta["legs"]["dense"] == 1


def test_fusion_is_independent_of_input_order() -> None:
    rng = random.Random(7)
    dense = [Hit(f"id{i}", s, {}) for i, s in enumerate([0.9, 0.8, 0.8, 0.5, 0.4])]
    sparse = [Hit(f"id{i}", s, {}) for i, s in [(4, 7.0), (2, 5.0), (5, 5.0), (0, 1.0)]]
    expected = [(f.id, f.score) for f in rrf({"dense": (dense, 1.0), "bm25": (sparse, 0.7)})]
    for _ in range(20):
        d, s = dense[:], sparse[:]
        rng.shuffle(d)
        rng.shuffle(s)
        legs = [("bm25", (s, 0.7)), ("dense", (d, 1.0))]
        rng.shuffle(legs)
        assert [(f.id, f.score) for f in rrf(dict(legs))] == expected
    # Ties are broken by id: equal-score hits keep a fixed order.
    assert [f.id for f in rrf({"dense": (dense, 1.0)})][1:3] == ["id1", "id2"]


def test_retrieval_is_deterministic_across_calls(loaded: RagEngine) -> None:
    runs = {
        tuple((d.id, d.score) for d in loaded.retrieve("solvent storage", top_k=8))
        for _ in range(3)
    }
    assert len(runs) == 1


def test_domain_weights_move_chem_above_equally_relevant_mech(loaded: RagEngine) -> None:
    query = "how should the container be stored"
    pair = {"storage-chem.md", "storage-mech.md"}

    def order(**kw: object) -> list[str]:
        return [s for s in _sources(loaded, query, **kw) if s in pair]

    unweighted = order()
    assert set(unweighted) == pair
    assert order(domain_weights={"chem": 2.0}) == ["storage-chem.md", "storage-mech.md"]
    assert order(domain_weights={"mech": 2.0}) == ["storage-mech.md", "storage-chem.md"]
    neutral = {"chem": 1.0, "mech": 1.0, "materials": 1.0}
    base = [(d.id, d.score) for d in loaded.retrieve(query, top_k=10)]
    assert [
        (d.id, d.score) for d in loaded.retrieve(query, top_k=10, domain_weights=neutral)
    ] == base


def test_filters_return_only_matching_chunks(loaded: RagEngine) -> None:
    for flt in (
        {"domain": "chem"},
        {"domain": ["mech", "materials"]},
        {"source": "steel.md"},
        {"hard_fact": True},
        {"constraint_kinds": "hazard"},
    ):
        docs = loaded.retrieve("bolt torque solvent steel", top_k=10, filters=flt)
        assert docs, flt
        for doc in docs:
            for key, want in flt.items():
                got = doc.meta[key]
                wanted = want if isinstance(want, list) else [want]
                assert (set(got) & set(wanted)) if isinstance(got, list) else got in wanted
    with pytest.raises(InvalidRequestError, match="unknown filter 'colour'"):
        loaded.retrieve("x", filters={"colour": "red"})


def test_prefer_hard_facts_lifts_the_chunk_with_limits(loaded: RagEngine) -> None:
    query = "gearbox oil change"
    plain = _sources(loaded, query)
    preferred = _sources(loaded, query, prefer_hard_facts=True)
    assert preferred.index("limits.md") <= plain.index("limits.md")
    assert preferred.index("limits.md") < preferred.index("gearbox-notes.md")


def test_classifier_fills_missing_domains(tmp_path: Path, embedders: Embedders) -> None:
    engine = make_engine(tmp_path, embedders)
    try:
        engine.ingestor.ingest(
            [
                text_item("a.md", "Titrate the hydrochloric acid with sodium hydroxide to pH 7."),
                text_item(
                    "b.md", "Tighten the flange bolts in a star pattern to the rated torque."
                ),
                text_item("c.md", "Annealing the alloy restores ductility and lowers hardness."),
            ]
        )
        got = {
            d.meta["source"]: (d.meta["domain"], d.meta["domain_source"])
            for d in engine.retrieve("acid bolts alloy", top_k=10)
        }
        assert got == {
            "a.md": ("chem", "classified"),
            "b.md": ("mech", "classified"),
            "c.md": ("materials", "classified"),
        }
    finally:
        engine.close()


def test_fusion_of_permuted_legs_is_exactly_equal() -> None:
    legs = {
        "a": ([Hit("x", 1.0, {}), Hit("y", 0.5, {})], 0.3),
        "b": ([Hit("y", 2.0, {}), Hit("x", 1.0, {})], 0.1),
    }
    results = {
        tuple((f.id, f.score) for f in rrf(dict(p))) for p in itertools.permutations(legs.items())
    }
    assert len(results) == 1
