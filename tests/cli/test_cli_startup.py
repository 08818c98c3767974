"""Starting `lms`: the console script on an install without the `cli` extra, and what `--help` and argument
errors load (nothing of the engine, so they answer at once)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.cli import command_paths, process_env

ROOT = Path(__file__).resolve().parents[2]

# What only a command's work needs; loading any of it for `--help` made `lms --help` take about a second.
ENGINE_MODULES = (
    "sqlalchemy",
    "alembic",
    "aiosqlite",
    "litestar",
    "granian",
    "rich",
    "dependency_injector",
    "jinja2",
    "reportlab",
    "lms_adapters.bootstrap",
    "lms_adapters.persistence",
    "lms_http",
)

# Runs `lms` in-process (as the console script does) for each argument list, then reports the engine
# modules that got loaded, and the exit codes.
PROBE = """
import json, sys
from lms_cli.entry import main
codes = []
for args in json.loads(sys.argv[1]):
    sys.argv = ["lms", *args]
    try:
        main()
    except SystemExit as exc:
        codes.append(exc.code)
loaded = sorted(m for m in sys.modules if any(m == e or m.startswith(e + ".") for e in ENGINE))
sys.stderr.write("\\nPROBE " + json.dumps({"codes": codes, "loaded": loaded}) + "\\n")
"""


def probe(arg_lists: list[list[str]]) -> dict[str, list[object]]:
    script = PROBE.replace("ENGINE", json.dumps(list(ENGINE_MODULES)))
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(arg_lists)],
        env=process_env({}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, list[object]] = json.loads(result.stderr.rsplit("PROBE ", 1)[1])
    return report


def test_help_loads_nothing_of_the_engine() -> None:
    report = probe([["--help"]])
    assert report == {"codes": [0], "loaded": []}


def test_every_commands_help_loads_nothing_of_the_engine() -> None:
    groups = sorted({path[:-1] for path in command_paths() if len(path) > 1})
    arg_lists = [[*path, "--help"] for path in [*groups, *command_paths()]]
    report = probe(arg_lists)
    assert report == {"codes": [0] * len(arg_lists), "loaded": []}


@pytest.mark.parametrize(
    "args",
    [
        ["certificates", "issue"],  # neither --course nor --all
        ["grade", "export", "--quiz", "not-a-uuid"],
        ["serve", "--port", "0"],
        ["db", "current", "--bogus"],
        ["no-such-command"],
    ],
)
def test_argument_errors_load_nothing_of_the_engine(args: list[str]) -> None:
    assert probe([args]) == {"codes": [2], "loaded": []}


def test_without_the_cli_extra_the_command_says_what_to_install() -> None:
    # `sys.modules[name] = None` makes `import name` fail as if the package were not installed.
    script = "import sys; sys.modules['click'] = None; from lms_cli.entry import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", script, "--help"],
        env=process_env({}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "lms: the command line needs the 'cli' extra, which is not installed (missing: click).\n"
        "Install it with: pip install 'lms-engine[cli]'\n"
    )


def test_the_console_script_is_the_entry_module() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"lms": "lms_cli.entry:main"}
    entry = (ROOT / "src" / "lms_cli" / "entry.py").read_text()
    imports = [line for line in entry.splitlines() if line.startswith(("import ", "from "))]
    # Only the standard library at module level: the module must load where click is missing.
    assert imports == ["from __future__ import annotations", "import sys", "from importlib.util import find_spec"]
