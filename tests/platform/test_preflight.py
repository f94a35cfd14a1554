"""`make deploy-prod` stops before installing, naming what is missing (issue #16, 2 and 5).

The prod chart is rendered with the real helm; the cluster is described as kubectl reports it
(the end state of docs/platform.md's steps, then with one step skipped), and the model folder
is a real folder. One test runs the script itself against a stand-in kubectl.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.platform.conftest import HELM, REPO

sys.path.insert(0, str(REPO / "charts"))
import preflight

pytestmark = pytest.mark.integration

HOST = "/srv/ai-stack/models"


@pytest.fixture
def my_prod(tmp_path: Path) -> Path:
    """The user's overrides the docs ask for (registry and host)."""
    path = tmp_path / "my-prod.yaml"
    path.write_text(
        "global:\n  imageRegistry: ghcr.io/someone\n  ingress:\n    host: ai.someone.example\n"
    )
    return path


def desktop(**overrides: object) -> preflight.Cluster:
    """The k3s desktop after docs/platform.md's steps 2.1-2.3."""
    cluster = preflight.Cluster(
        runtime_classes={"nvidia"},
        gpus=2,  # one card, time-sliced twice
        claims={"ai-stack-models": "ai-stack-models"},
        host_paths={"ai-stack-models": HOST},
    )
    for key, value in overrides.items():
        setattr(cluster, key, value)
    return cluster


def models_folder(root: Path, *present: str) -> Path:
    folder = root / HOST.lstrip("/")
    folder.mkdir(parents=True)
    files = {"Mistral-7B-Instruct": "config.json", "faster-whisper-medium": "model.bin"}
    for name in present:
        (folder / name).mkdir()
        (folder / name / files[name]).write_text("{}")
    return root


def prod_docs(render: Callable[..., str], *values: Path) -> list[dict]:
    extra = [arg for path in values for arg in ("-f", str(path))]
    return preflight.documents(render("prod", *extra))


def test_the_documented_desktop_passes(
    render: Callable[..., str], my_prod: Path, tmp_path: Path
) -> None:
    root = models_folder(tmp_path, "Mistral-7B-Instruct", "faster-whisper-medium")
    problems, notes = preflight.check(prod_docs(render, my_prod), desktop(), root)
    assert problems == [] and notes == []


def test_values_prod_placeholders_stop_it(render: Callable[..., str], tmp_path: Path) -> None:
    root = models_folder(tmp_path, "Mistral-7B-Instruct", "faster-whisper-medium")
    problems, _ = preflight.check(prod_docs(render), desktop(), root)
    assert any("global.imageRegistry" in p for p in problems), problems
    assert any("global.ingress.host" in p for p in problems), problems


def test_an_empty_models_folder_is_named_before_anything_is_installed(
    render: Callable[..., str], my_prod: Path, tmp_path: Path
) -> None:
    root = models_folder(tmp_path, "faster-whisper-medium")
    problems, _ = preflight.check(prod_docs(render, my_prod), desktop(), root)
    assert problems == [
        "vLLM reads /models/Mistral-7B-Instruct from claim ai-stack-models: "
        f"{HOST}/Mistral-7B-Instruct/config.json is missing: download the model into that "
        "folder first (docs/platform.md, 2.2)"
    ]


def test_missing_cluster_pieces_are_each_named(
    render: Callable[..., str], my_prod: Path, tmp_path: Path
) -> None:
    root = models_folder(tmp_path, "Mistral-7B-Instruct", "faster-whisper-medium")
    docs = prod_docs(render, my_prod)
    (gpus,) = preflight.check(docs, desktop(gpus=1), root)[0]
    assert "request 2 nvidia.com/gpu, the nodes offer 1" in gpus
    assert "k8s/nvidia/device-plugin-values.yaml" in gpus
    (runtime,) = preflight.check(docs, desktop(runtime_classes=set()), root)[0]
    assert runtime.startswith("RuntimeClass nvidia does not exist")
    no_claim = preflight.check(docs, desktop(claims={}), root)[0]
    assert len(no_claim) == 2 and all("k8s/k3s/models-pv.yaml" in p for p in no_claim)


def test_the_chart_s_own_empty_claim_is_refused(
    render: Callable[..., str], my_prod: Path, tmp_path: Path
) -> None:
    """The old first-install route: the chart creates the claim, the weights come later."""
    own = tmp_path / "own-claim.yaml"
    own.write_text(
        "llm-runner:\n  persistence:\n    models:\n      existingClaim: ''\n"
        "asr-api:\n  modelsClaim: '{{ .Release.Name }}-llm-runner-models'\n"
    )
    problems, _ = preflight.check(prod_docs(render, my_prod, own), desktop(claims={}), tmp_path)
    assert problems and all("which this install creates empty" in p for p in problems)


def test_the_script_reads_the_cluster_through_kubectl(
    tools: dict, my_prod: Path, tmp_path: Path
) -> None:
    answers = {
        "runtimeclass": {"items": [{"metadata": {"name": "nvidia"}}]},
        "nodes": {"items": [{"metadata": {"name": "desk"}, "status": {"allocatable": {}}}]},
        "pvc": {"items": []},
        "pv": {"items": []},
    }
    fake = tmp_path / "kubectl"
    fake.write_text(
        "#!" + sys.executable + "\nimport json, sys\n"
        f"answers = {json.dumps(answers)!r}\n"
        "kind = [a for a in sys.argv[1:] if a in json.loads(answers)][0]\n"
        "print(json.dumps(json.loads(answers)[kind]))\n"
    )
    fake.chmod(0o755)
    result = subprocess.run(
        [sys.executable, str(REPO / "charts" / "preflight.py"), "--helm", str(HELM),
         "--kubectl", str(fake), "-f", str(REPO / "charts/ai-stack/values-prod.yaml"),
         "-f", str(my_prod)],
        capture_output=True, text=True, timeout=120, check=False, env=dict(os.environ),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert any("the nodes offer 0" in line for line in lines), lines
    assert any("k8s/k3s/models-pv.yaml" in line for line in lines), lines
    assert lines[-1] == "preflight: 3 problem(s); nothing was installed"
