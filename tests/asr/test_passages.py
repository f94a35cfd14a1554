"""Verbose segments → retrieval passages (the contract rag ingestion will use)."""

from __future__ import annotations

import pytest

from services.asr.passages import segments_to_passages

pytestmark = pytest.mark.unit

SEGMENTS = [
    {"start": 0.0, "end": 3.2, "text": " My grandmother lived by the sea.", "tag": "narrative"},
    {"start": 3.5, "end": 6.8, "text": " Every summer we visited her.", "tag": "narrative"},
    {"start": 7.2, "end": 13.6, "text": " The yield strength is 250 MPa.", "tag": "technical"},
    {"start": 13.6, "end": 14.0, "text": "  ", "tag": "narrative"},
    {"start": 14.2, "end": 20.8, "text": " It was loaded to 12 kN.", "tag": "technical"},
]


def test_one_passage_per_segment_by_default() -> None:
    passages = segments_to_passages(SEGMENTS, "lecture.mp4")
    assert len(passages) == 4  # the blank segment is dropped
    assert passages[2] == {
        "text": "The yield strength is 250 MPa.",
        "meta": {"source": "lecture.mp4", "start": 7.2, "end": 13.6, "tag": "technical"},
    }


def test_merging_keeps_tags_apart_and_respects_max_chars() -> None:
    passages = segments_to_passages(SEGMENTS, "lecture.mp4", max_chars=200)
    assert [(p["meta"]["tag"], p["meta"]["start"], p["meta"]["end"]) for p in passages] == [
        ("narrative", 0.0, 6.8),
        ("technical", 7.2, 20.8),
    ]
    assert passages[1]["text"] == "The yield strength is 250 MPa. It was loaded to 12 kN."
    small = segments_to_passages(SEGMENTS, "lecture.mp4", max_chars=40)
    assert len(small) == 4 and all(len(p["text"]) <= 40 for p in small)


def test_untagged_segments_are_accepted() -> None:
    [passage] = segments_to_passages([{"start": 0, "end": 1, "text": "hello"}], "a.wav")
    assert passage["meta"]["tag"] is None


def test_missing_field_raises() -> None:
    with pytest.raises(KeyError):
        segments_to_passages([{"start": 0, "text": "x"}], "a.wav")


def test_rag_documents_keep_technical_and_narrative_passages_apart() -> None:
    from services.asr.knowledge import rag_documents

    segments = [
        {"start": 0.0, "end": 2.0, "text": "Welcome back, everyone.", "tag": "narrative"},
        {"start": 2.0, "end": 5.0, "text": "Torque the M12 bolts to 79 N·m.", "tag": "technical"},
        {"start": 5.0, "end": 8.0, "text": "The yield is 355 MPa.", "tag": "technical"},
    ]
    (only,) = rag_documents(segments, "lab.wav", "technical", "mech")
    assert only["tags"] == ["transcript:technical"] and only["domain"] == "mech"
    assert [s["start"] for s in only["segments"]] == [2.0]  # neighbours merged, narrative left out
    assert "79 N·m" in only["segments"][0]["text"] and "355 MPa" in only["segments"][0]["text"]
    both = rag_documents(segments, "lab.wav", "all", None)
    assert [d["tags"] for d in both] == [["transcript:narrative"], ["transcript:technical"]]
    assert both[0]["segments"][0]["text"] == "Welcome back, everyone."
    assert rag_documents([], "x.wav", "all", None) == []
