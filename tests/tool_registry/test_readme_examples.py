"""The README's "Adding a tool" examples, dropped into a running registry as they are written."""

from __future__ import annotations

import re

import pytest

from tests.tool_registry.conftest import ROOT, Registry

pytestmark = pytest.mark.integration


def examples() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Adding a tool", 1)[1].split("\n## ", 1)[0]
    return {lang: code for lang, code in re.findall(r"```(python|yaml)\n(.*?)```", section, re.S)}


def test_readme_examples_work(plugins: Registry) -> None:
    code = examples()
    plugins.drop("hoop.py", code["python"])
    plugins.drop("word_count.tool.yaml", code["yaml"])
    plugins.wait_tool("thin_wall_hoop_stress")
    plugins.wait_tool("word_count")
    answer = plugins.invoke(
        "thin_wall_hoop_stress", {"pressure": "10 bar", "diameter": "1 m", "thickness": "8 mm"}
    ).json()
    assert answer["content"]["hoop_stress"] == pytest.approx(1e6 * 1 / (2 * 0.008))
    wrong = plugins.invoke(
        "thin_wall_hoop_stress", {"pressure": "3 m", "diameter": 1, "thickness": 1}
    )
    assert wrong.status_code == 422 and "got a length" in wrong.text
    assert plugins.invoke("word_count", {"text": "a b c d"}).json()["content"].strip() == "4"
