"""What `aistack up` hands each service process."""

from __future__ import annotations

import pytest

from services.cli.settings import Settings

pytestmark = pytest.mark.unit


def test_the_local_stack_runs_the_bundled_speech_model_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """asr-api no longer falls back to the bundled model by itself (production must not
    quietly serve tiny.en): the local stack asks for it, unless ASR_MODEL names another."""
    env = Settings(_env_file=None).child_environment("sk-key", "st-token")
    assert env["ASR_MODEL"] == "bundled"
    monkeypatch.setenv("ASR_MODEL", "small.en")
    env = Settings(_env_file=None).child_environment("sk-key", "st-token")
    assert env["ASR_MODEL"] == "small.en"
