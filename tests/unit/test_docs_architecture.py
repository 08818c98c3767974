"""docs/architecture.md's package layout names only what exists, and names every core module and subpackage."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("lms_core", "lms_adapters", "lms_http", "lms_cli")

# A name in the layout: a directory (`shared/`) or a file (`app.py`, `.ci/run`), never prose.
_NAME = re.compile(r"^(?:[\w.]+/)*[\w.]+/?$")


def layout_block() -> str:
    section = DOC.read_text(encoding="utf-8").split("## Package layout", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```text\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the package layout is one text block"
    return str(blocks[0])


def named_paths() -> dict[str, Path]:
    """Every path the layout names. A line at the margin names top-level paths; a line indented by two
    spaces names entries of the last top-level directory; deeper lines continue a description. Names
    come first on a line, separated by at most two spaces; the description follows after more."""
    paths: dict[str, Path] = {}
    parent, prefix = ROOT, ""
    for line in layout_block().splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if indent > 2 or not line.strip():
            continue
        names = []
        for token in re.split(r"( {3,})", line.strip())[0].split():
            assert _NAME.match(token), f"not a path in the layout: {token!r} in {line!r}"
            names.append(token)
        if indent == 0:
            paths.update({name: ROOT / name for name in names})
            if len(names) == 1 and names[0].endswith("/"):
                parent, prefix = ROOT / names[0], names[0]
        else:
            paths.update({prefix + name: parent / name for name in names})
    return paths


def test_every_path_the_layout_names_exists() -> None:
    paths = named_paths()
    assert len(paths) > 40, "the layout parser found too little: has the block's format changed?"
    missing = [name for name, path in paths.items() if not path.exists()]
    assert not missing, missing
    # A name ending in a slash is a directory, any other a file.
    wrong_kind = [name for name, path in paths.items() if path.is_dir() != name.endswith("/")]
    assert not wrong_kind, wrong_kind


def test_every_core_module_and_every_subpackage_is_in_the_layout() -> None:
    named = {path.resolve() for path in named_paths().values()}
    subpackages = [
        directory
        for package in PACKAGES
        for directory in sorted((ROOT / "src" / package).iterdir())
        if (directory / "__init__.py").is_file()
    ]
    core_modules = [d.name for d in subpackages if d.parent.name == "lms_core" and d.name != "shared"]
    assert {"courses", "quizzes", "enrollments"} <= set(core_modules)
    unlisted = [str(d.relative_to(ROOT)) for d in subpackages if d.resolve() not in named]
    assert not unlisted, f"not in docs/architecture.md's layout: {unlisted}"
    for package in PACKAGES:
        assert (ROOT / "src" / package).resolve() in named, package
