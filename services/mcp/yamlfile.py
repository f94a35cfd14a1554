"""Reading one of the domain files (the domains file, a constraint table) into its model, with
every failure a DomainFileError that names the file and what is wrong with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from services.mcp.errors import DomainFileError

M = TypeVar("M", bound=BaseModel)


def validation_problems(exc: ValidationError, most: int | None = None) -> str:
    """``loc: msg`` per problem (the first ``most`` of them), joined by "; "."""
    errors = exc.errors()[:most]
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)


def read_yaml_file(
    path: Path, model: type[M], label: str, invalid: Callable[[ValidationError], str]
) -> M:
    """``path`` parsed into ``model``; ``label`` starts each message ("constraint table
    <path>"), ``invalid`` words a validation failure.

    Raises:
        DomainFileError: unreadable, not YAML, or not the model's shape.
    """
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise DomainFileError(f"{label}: cannot read ({exc})") from None
    except yaml.YAMLError as exc:
        raise DomainFileError(f"{label}: not YAML ({exc})") from None
    except ValidationError as exc:
        raise DomainFileError(f"{label}: {invalid(exc)}") from None
