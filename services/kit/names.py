"""Names that clients give files: labels (a citation's source), never paths on the server.

Nothing in the stack opens a file by a client's name, and a name that climbs out of a folder
(``../../etc/passwd``) is refused all the same, so that no later use of it can: a ``..``
segment (with ``/`` or ``\\``) or a NUL byte is a 400 naming the parameter.
"""

from __future__ import annotations

from services.kit.errors import InvalidRequestError


def check_file_name(name: str, param: str) -> None:
    """Raise :class:`InvalidRequestError` (400 ``invalid_file_name``) for a path-like name."""
    if "\x00" in name or ".." in name.replace("\\", "/").split("/"):
        raise InvalidRequestError(
            f"invalid file name {name!r}: a name is a label, not a path ('..' segments and NUL "
            "bytes are refused); send the file's own name",
            param=param,
            code="invalid_file_name",
        )
