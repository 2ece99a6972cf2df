"""README's "Using the library in your own notebook" snippets run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_library_snippets_run_as_written(tmp_path, monkeypatch, ml100k_dir):
    from videorecs_widgets.lab import build_lab_models

    monkeypatch.delenv("VIDEORECS_WORKSPACE", raising=False)
    build_lab_models(tmp_path / ".videorecs", tmp_path / "models.yaml",
                     lab_data_dir=tmp_path / "lab-data")
    monkeypatch.chdir(tmp_path)  # a project folder: models.yaml and .videorecs side by side
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Using the library"):text.index("## The panels")]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 3
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102
    panel = namespace["panel"]
    assert panel.status == ""
    assert len(panel.results[0].frame) == 25 and len(panel.results[1].frame) == 25
    assert panel.results[1].titles[0] == "Star Wars"
    first, second = (set(r.item_ids) for r in panel.results)
    assert panel.overlap.shared == len(first & second) > 0
