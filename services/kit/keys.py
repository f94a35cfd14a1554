"""API keys: named, held only as SHA-256 digests, compared in constant time.

One key store for every service that users reach with a key (the gateway, the tool registry,
the MCP servers): the same variables configure all of them. Keys come from
``GATEWAY_API_KEYS`` (``key`` or ``name:key``, comma-separated) and/or a keys file
(``GATEWAY_API_KEYS_FILE``, YAML; in the cluster a mounted Secret) that can also set per-key
limits::

    keys:
      - name: alice
        key: sk-...
        rpm: 120          # requests per minute (default GATEWAY_DEFAULT_RPM)
        tpm: 200000       # tokens per minute  (default GATEWAY_DEFAULT_TPM)
        spm: 600          # audio seconds per minute (default GATEWAY_DEFAULT_AUDIO_SPM)

The plain keys are dropped once hashed; logs and metrics only ever see the key's name.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from services.kit.errors import AuthenticationError
from services.kit.settings import CsvList, SettingsError, StackSettings

MIN_KEY_LENGTH = 16
SERVICE_PRINCIPAL = "service"


class KeySettings(StackSettings):
    """The key variables, for every service that checks user keys."""

    # Bearer keys, comma-separated (`key` or `name:key`), and/or a YAML keys file.
    gateway_api_keys: CsvList = Field(default_factory=list, repr=False)
    gateway_api_keys_file: Path | None = None
    # Per-key budgets (overridable per key in the keys file); enforced by the gateway.
    gateway_default_rpm: int = Field(600, ge=1)
    gateway_default_tpm: int = Field(2_000_000, ge=1)
    # Seconds of audio a key may have transcribed per minute.
    gateway_default_audio_spm: int = Field(1800, ge=1)


class KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.@-]+$")
    key: SecretStr
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    spm: int | None = Field(default=None, ge=1)


class KeysFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[KeyEntry]


@dataclass(frozen=True)
class Principal:
    """Who is calling: what logs, metrics and rate limits are keyed on."""

    name: str
    rpm: int
    tpm: int
    spm: int = 1800


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def parse_env_keys(raw: list[str]) -> list[KeyEntry]:
    """``key`` or ``name:key`` items (names default to ``key-1``, ``key-2`` ...)."""
    entries = []
    for index, item in enumerate(raw, start=1):
        name, sep, key = item.partition(":")
        if not sep or name.startswith("sk-"):  # a bare key (keys may contain ':' after sk-)
            name, key = f"key-{index}", item
        entries.append(KeyEntry(name=name, key=SecretStr(key)))
    return entries


def load_keys_file(path: Path) -> list[KeyEntry]:
    """Raises SettingsError naming the file and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return KeysFile.model_validate(data).keys
    except OSError as exc:
        raise SettingsError(f"GATEWAY_API_KEYS_FILE {path}: cannot read ({exc})") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise SettingsError(f"GATEWAY_API_KEYS_FILE {path}: invalid ({exc})") from None


class KeyRing:
    """The accepted keys. Raises SettingsError when there are none, one is too short, or two
    share a name."""

    def __init__(
        self,
        entries: list[KeyEntry],
        default_rpm: int,
        default_tpm: int,
        default_spm: int = 1800,
    ) -> None:
        if not entries:
            raise SettingsError(
                "no API keys: set GATEWAY_API_KEYS (comma-separated) or GATEWAY_API_KEYS_FILE "
                "(`aistack up` generates a development key for you)"
            )
        names = [e.name for e in entries]
        if len(set(names)) != len(names):
            raise SettingsError(f"API key names must be unique: {sorted(names)}")
        self._entries: list[tuple[bytes, Principal]] = []
        for e in entries:
            secret = e.key.get_secret_value()
            if len(secret) < MIN_KEY_LENGTH:
                raise SettingsError(
                    f"API key '{e.name}' is shorter than {MIN_KEY_LENGTH} characters"
                )
            principal = Principal(
                e.name, e.rpm or default_rpm, e.tpm or default_tpm, e.spm or default_spm
            )
            self._entries.append((_digest(secret), principal))

    def __len__(self) -> int:
        return len(self._entries)

    def authenticate(self, authorization: str | None) -> Principal:
        """Accept ``Bearer <key>`` for a known key.

        Raises:
            AuthenticationError: missing header, wrong scheme, or unknown key (401).
        """
        if not authorization:
            raise AuthenticationError(
                "missing API key: send the header 'Authorization: Bearer <key>'"
            )
        scheme, _, presented = authorization.partition(" ")
        presented = presented.strip()
        if scheme.lower() != "bearer" or not presented:
            raise AuthenticationError(
                "malformed Authorization header: expected 'Authorization: Bearer <key>'"
            )
        candidate = _digest(presented)
        found: Principal | None = None
        # Compare against every key so the time taken does not depend on which one matched.
        for digest, principal in self._entries:
            if hmac.compare_digest(candidate, digest):
                found = principal
        if found is None:
            raise AuthenticationError("incorrect API key provided")
        return found


def build_keyring(settings: KeySettings, *, service: bool = False) -> KeyRing:
    """The keys the settings name (variable and file together); with ``service``, also the
    stack's service token, as the principal ``service`` (servers that the orchestrator calls
    beside users: the MCP servers, the registry's /mcp). The gateway takes user keys only.

    Raises:
        SettingsError: no usable keys, or the keys file is unreadable or invalid.
    """
    entries = parse_env_keys(settings.gateway_api_keys)
    if settings.gateway_api_keys_file:
        entries += load_keys_file(settings.gateway_api_keys_file)
    if service and settings.aistack_service_token is not None:
        # The stack's own services (the orchestrator calling the MCP servers) present it.
        entries.append(KeyEntry(name=SERVICE_PRINCIPAL, key=settings.aistack_service_token))
    return KeyRing(
        entries,
        settings.gateway_default_rpm,
        settings.gateway_default_tpm,
        settings.gateway_default_audio_spm,
    )
