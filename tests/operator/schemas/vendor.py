"""Write the vendored schemas here from the projects' published CRDs (run by hand).

    python tests/operator/schemas/vendor.py inferenceservice <the KServe CRD YAML>
    python tests/operator/schemas/vendor.py rayservice <the KubeRay RayService CRD YAML>

Each keeps one version's ``openAPIV3Schema`` without ``description``s and without the
subtrees the operator never writes (``status``; for the InferenceService the transformer,
explainer and canary components, and the predictor's formats other than ``model`` and its
extra containers), so the files stay small. README.md records where the CRDs came from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
WHAT = {
    # name: (version, paths under the schema to drop)
    "inferenceservice": (
        "v1beta1",
        [
            ("status",),
            ("spec", "transformer"),
            ("spec", "explainer"),
            ("spec", "canary"),
            *[
                ("spec", "predictor", fmt)
                for fmt in (
                    "huggingface",
                    "lightgbm",
                    "onnx",
                    "paddle",
                    "pmml",
                    "pytorch",
                    "sklearn",
                    "tensorflow",
                    "triton",
                    "xgboost",
                    "workerSpec",
                    "containers",
                    "initContainers",
                    "ephemeralContainers",
                )
            ],
        ],
    ),
    "rayservice": ("v1", [("status",)]),
}


def strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main(name: str, crd_file: str) -> None:
    version, drops = WHAT[name]
    crd = next(d for d in yaml.safe_load_all(Path(crd_file).read_text()) if d)
    (entry,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    schema = strip(entry["schema"]["openAPIV3Schema"])
    for path in drops:
        node = schema
        for key in path[:-1]:
            node = node["properties"][key]
        node["properties"].pop(path[-1], None)
    out = HERE / f"{name}-{version}.json"
    out.write_text(json.dumps(schema, separators=(",", ":"), sort_keys=True) + "\n")
    print(out, out.stat().st_size)


if __name__ == "__main__":
    main(*sys.argv[1:])
