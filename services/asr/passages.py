"""Verbose_json segments → retrieval passages ``{text, meta: {source, start, end, tag}}``.

Pure functions with no service dependency, so the CLI or rag-api ingestion can call them on the
JSON a transcription returned (``response["segments"]``) as well as on in-process segments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def _passage(text: str, source: str, start: float, end: float, tag: str | None) -> dict[str, Any]:
    return {"text": text, "meta": {"source": source, "start": start, "end": end, "tag": tag}}


def segments_to_passages(
    segments: Iterable[Mapping[str, Any]], source: str, *, max_chars: int = 0
) -> list[dict[str, Any]]:
    """Passages from verbose_json segments, in time order.

    Args:
        segments: mappings with ``start``, ``end``, ``text`` and (optionally) ``tag``.
        source: where the audio came from (file name or URL), copied into every passage's meta.
        max_chars: when > 0, consecutive segments with the same tag are merged while the merged
            text stays within this many characters (short ASR segments retrieve poorly alone);
            0 keeps one passage per segment.

    Raises:
        KeyError: a segment lacks ``start``, ``end`` or ``text``.
    """
    passages: list[dict[str, Any]] = []
    for seg in segments:
        text = str(seg["text"]).strip()
        if not text:
            continue
        start, end, tag = float(seg["start"]), float(seg["end"]), seg.get("tag")
        last = passages[-1] if passages else None
        if (
            last is not None
            and max_chars > 0
            and last["meta"]["tag"] == tag
            and len(last["text"]) + 1 + len(text) <= max_chars
        ):
            last["text"] = f"{last['text']} {text}"
            last["meta"]["end"] = end
            continue
        passages.append(_passage(text, source, start, end, tag))
    return passages
