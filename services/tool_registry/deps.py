"""Typed dependencies for the tool registry's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from services.kit.auth import principal_of
from services.kit.deps import from_state
from services.kit.keys import Principal
from services.tool_registry.catalog import Catalog


async def authenticate(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    # ``authorization`` is declared so that the OpenAPI schema shows the header.
    return principal_of(request)


CatalogDep = Annotated[Catalog, Depends(from_state("catalog"))]
Authenticated = Depends(authenticate)
