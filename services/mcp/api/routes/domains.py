"""``GET /domains`` (bearer key): the domains this process serves and where.

Answer::

    {"object": "list", "data": [{"id": "chem", "title": "Chemistry", "endpoint": "/chem/mcp",
      "description": "...", "units": {"temperature": "°C", ...}, "documents": 2,
      "constraint_subjects": 9, "resources": ["corpus://chem/reactive-hazards.md", ...]}]}
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.mcp.deps import DomainsDep, PrincipalDep

router = APIRouter(tags=["domains"])


@router.get("/domains")
async def list_domains(domains: DomainsDep, _: PrincipalDep) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {
                "id": d.name,
                "title": d.title,
                "endpoint": d.endpoint,
                "description": d.description,
                "units": dict(d.conventions.units),
                "documents": len(d.documents),
                "constraint_subjects": len(d.constraints.entries),
                "resources": [doc.uri for doc in d.documents] + [f"constraints://{d.name}"],
            }
            for d in domains.values()
        ],
    }
