"""Request filters → Qdrant filters, for both engines.

Accepted (``filters`` of POST /retrieve): each key maps to one value or a list (any of):
``domain``, ``source``, ``document_id``, ``tags``, ``constraint_kinds``, ``quantity_kinds``;
``hard_fact`` takes a boolean. Keys combine with AND.

``hard_fact`` is matched through the tags it is derived from (a quantity, or a limit,
prohibition or hazard statement) rather than through the boolean payload field: qdrant-edge's
Python binding turns ``True`` into the integer 1, which never equals a stored boolean.
"""

from __future__ import annotations

from typing import Any

from services.kit.errors import InvalidRequestError
from services.rag.store.base import BOOL_FIELDS, KEYWORD_FIELDS


def normalise_filters(filters: dict[str, Any] | None) -> list[tuple[str, list[Any]]]:
    """Validate ``filters``; return (field, accepted values) pairs in a stable order.

    Raises:
        InvalidRequestError: an unknown key or a value of the wrong type.
    """
    if not filters:
        return []
    out: list[tuple[str, list[Any]]] = []
    for key in sorted(filters):
        value = filters[key]
        if key in BOOL_FIELDS:
            if not isinstance(value, bool):
                raise InvalidRequestError(
                    f"filter '{key}' takes true or false", param=f"filters.{key}"
                )
            out.append((key, [value]))
        elif key in KEYWORD_FIELDS:
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(v, str) and v for v in values):
                raise InvalidRequestError(
                    f"filter '{key}' takes a non-empty string or list of strings",
                    param=f"filters.{key}",
                )
            out.append((key, values))
        else:
            known = ", ".join(sorted((*KEYWORD_FIELDS, *BOOL_FIELDS)))
            raise InvalidRequestError(
                f"unknown filter '{key}'; filter on one of: {known}", param=f"filters.{key}"
            )
    return out


HARD_FACT_KINDS = ["hazard", "limit", "prohibition"]


def edge_filter(filters: dict[str, Any] | None) -> Any:
    """qdrant-edge Filter (or None)."""
    from qdrant_edge import FieldCondition, Filter, IsEmptyCondition, MatchAny, MatchValue

    must, must_not = [], []
    for key, values in normalise_filters(filters):
        if key == "hard_fact":
            hard = Filter(
                should=[
                    Filter(must_not=[IsEmptyCondition("quantity_kinds")]),
                    FieldCondition(key="constraint_kinds", match=MatchAny(HARD_FACT_KINDS)),
                ]
            )
            (must if values[0] else must_not).append(hard)
            continue
        match = MatchValue(values[0]) if len(values) == 1 else MatchAny(values)
        must.append(FieldCondition(key=key, match=match))
    if not must and not must_not:
        return None
    return Filter(must=must or None, must_not=must_not or None)


def client_filter(filters: dict[str, Any] | None) -> Any:
    """qdrant-client models.Filter (or None)."""
    from qdrant_client import models

    must: list[Any] = []
    must_not: list[Any] = []
    for key, values in normalise_filters(filters):
        if key == "hard_fact":
            # The server could match the boolean, but both engines keep one meaning: the tags.
            hard = models.Filter(
                should=[
                    models.Filter(
                        must_not=[
                            models.IsEmptyCondition(
                                is_empty=models.PayloadField(key="quantity_kinds")
                            )
                        ]
                    ),
                    models.FieldCondition(
                        key="constraint_kinds", match=models.MatchAny(any=HARD_FACT_KINDS)
                    ),
                ]
            )
            (must if values[0] else must_not).append(hard)
            continue
        match = (
            models.MatchValue(value=values[0]) if len(values) == 1 else models.MatchAny(any=values)
        )
        must.append(models.FieldCondition(key=key, match=match))
    if not must and not must_not:
        return None
    return models.Filter(must=must or None, must_not=must_not or None)
