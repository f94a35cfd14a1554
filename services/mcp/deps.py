"""Typed dependencies for the mcp service's plain HTTP routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kit.auth import principal_of
from services.kit.deps import from_state
from services.kit.keys import Principal
from services.mcp.domains import Domain

DomainsDep = Annotated[dict[str, Domain], Depends(from_state("domains"))]
PrincipalDep = Annotated[Principal, Depends(principal_of)]
