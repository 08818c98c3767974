"""docs/cli.md says what the CLI is: its command list against the click command tree, its exit-code table
against `lms_cli.output`. Each fact lives in that one place; docs/architecture.md links to it."""

from __future__ import annotations

import re
from pathlib import Path

import lms_cli.output
from tests.support.cli import command_at, command_paths

DOCS = Path(__file__).resolve().parents[2] / "docs"


def table_rows(marker: str) -> list[list[str]]:
    """The cells of the body rows of the table between `<!-- marker:begin -->` and `<!-- marker:end -->`."""
    text = (DOCS / "cli.md").read_text()
    found = re.search(rf"<!-- {marker}:begin -->\n(.*?)<!-- {marker}:end -->", text, re.S)
    assert found is not None, f"docs/cli.md has no {marker} table"
    lines = [line for line in found.group(1).splitlines() if line.strip()]
    assert len(lines) > 2 and all(line.startswith("|") and line.endswith("|") for line in lines), lines
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def has_json_option(path: tuple[str, ...]) -> bool:
    return any("--json" in getattr(param, "opts", []) for param in command_at(path).params)


def test_the_command_list_is_the_command_tree() -> None:
    documented: dict[tuple[str, ...], str] = {}
    for name, json_cell, summary in table_rows("commands"):
        words = re.fullmatch(r"`lms ([a-z -]+)`", name)
        assert words is not None, name
        path = tuple(words.group(1).split())
        assert path not in documented, f"{name} is listed twice"
        assert json_cell in {"", "yes"}, f"{name}: the --json column holds `yes` or nothing"
        assert summary, f"{name} has no description"
        documented[path] = json_cell
    assert sorted(documented) == sorted(command_paths())
    assert {path: has_json_option(path) for path in documented} == {
        path: cell == "yes" for path, cell in documented.items()
    }


def test_every_command_has_its_own_section() -> None:
    text = (DOCS / "cli.md").read_text()
    headings = re.findall(r"^## `lms ([^`]+)`", text, re.M)
    covered = {
        (group, name.strip())
        for heading in headings
        for group, _, names in [heading.partition(" ")]
        for name in (names.split("|") if names else [""])
    }
    for path in command_paths():
        key = (path[0], " ".join(path[1:]))
        assert key in covered, f"docs/cli.md has no section for `lms {' '.join(path)}`"


def test_the_exit_code_table_is_the_constants_in_output_py() -> None:
    constants = {
        value for name, value in vars(lms_cli.output).items() if name.startswith("EXIT_") and isinstance(value, int)
    }
    rows = table_rows("exit-codes")
    codes = [int(row[0]) for row in rows]
    assert len(codes) == len(set(codes)), "an exit code is listed twice"
    assert all(row[1] for row in rows), "every exit code says what it means"
    # 0 (success) and 2 (click's usage errors) are not ours to define; every other code is a constant.
    assert set(codes) == constants | {0, 2}


def test_architecture_md_links_to_the_exit_codes_instead_of_listing_them() -> None:
    text = (DOCS / "architecture.md").read_text()
    assert "cli.md#errors-exit-codes-and---json" in text
    assert "CLI exit" not in text
    assert re.search(r"^#+ Errors, exit codes and `--json`$", (DOCS / "cli.md").read_text(), re.M)
