"""docs/embedding.md's learning journey runs as written and prints what the document says it prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "embedding.md"


def documented_script() -> str:
    """The document's python blocks, in order: together they are one script."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 2, "docs/embedding.md has lost its example"
    return "\n\n".join(blocks)


def documented_output() -> str:
    blocks = re.findall(r"```text\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) == 1, "docs/embedding.md shows the example's output in one text block"
    return str(blocks[0])


def test_the_documented_journey_runs_and_prints_what_the_document_says() -> None:
    script = documented_script()
    assert re.findall(r"^(?:from|import) (lms_[\w.]+)", script, flags=re.M) == ["lms_adapters", "lms_core"], (
        "the example imports only the public namespaces"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == documented_output()
