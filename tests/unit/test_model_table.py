"""The kit's model table (services/kit/models.py) when AISTACK_MODELS_FILE is not there yet:
in the cluster it is the operator's ConfigMap, an optional volume that stays empty until the
operator first writes it, so the services serve the settings' models until the file appears."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.kit.models import ModelTable
from services.kit.settings import SettingsError, StackSettings

pytestmark = pytest.mark.unit


def settings(path: Path) -> StackSettings:
    return StackSettings(
        aistack_models_file=path,
        aistack_models=["ai-stack"],
        llm_backend="ollama",
        llm_base_url="http://runner:11434/v1",
        ollama_model="llama3",
    )


def write(path: Path, models: list[dict]) -> None:
    staging = path.with_suffix(".tmp")
    staging.write_text(yaml.safe_dump({"models": models}))
    staging.replace(path)


def test_a_missing_file_serves_the_settings_until_it_appears(tmp_path: Path) -> None:
    path = tmp_path / "models" / "models.yaml"
    table = ModelTable(settings(path), reload_s=0)
    (route,) = table.routes()
    assert (route.id, route.backend.value, route.base_url, route.model) == (
        "ai-stack", "ollama", "http://runner:11434/v1", "llama3",
    )  # fmt: skip
    path.parent.mkdir()
    runner = {"backend": "ollama", "base_url": "http://runner:11434/v1"}
    write(path, [
        {"id": "ai-stack", **runner, "model": "llama3"},
        {"id": "qwen-small", **runner, "model": "qwen2.5:0.5b"},
    ])  # fmt: skip
    assert table.ids() == ["ai-stack", "qwen-small"]


def test_a_file_that_goes_away_keeps_the_last_good_table(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    write(path, [{"id": "bench-7b", "backend": "vllm", "base_url": "http://x/v1", "model": "m"}])
    table = ModelTable(settings(path), reload_s=0)
    path.unlink()
    assert table.ids() == ["bench-7b"]


def test_a_present_but_invalid_file_still_fails_at_start(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text("models: []\n")
    with pytest.raises(SettingsError, match="AISTACK_MODELS_FILE"):
        ModelTable(settings(path))
