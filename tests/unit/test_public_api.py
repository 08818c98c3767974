"""The library's public API: what `lms_core` and `lms_adapters` export, and what importing them costs.

The checks discover the modules' commands, views, errors and events by walking the package, so a
module that grows a new command or error cannot forget to export it.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import pkgutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import msgspec
import pytest

import lms_adapters
import lms_core
from lms_core.shared.commands import Command
from lms_core.shared.errors import LmsError
from lms_core.shared.events import DomainEvent

# The files whose public classes are public API, and the bases that make a class public wherever it is.
PUBLIC_KINDS = ("commands", "views", "errors", "events")
PUBLIC_BASES = (Command, LmsError, DomainEvent)


def core_modules() -> Iterator[ModuleType]:
    for info in pkgutil.walk_packages(lms_core.__path__, "lms_core."):
        yield importlib.import_module(info.name)


def is_part_of(cls: type, module: ModuleType) -> bool:
    """Defined in `module` itself or in one of its package's internal `_*.py` parts."""
    package, _, _ = module.__name__.rpartition(".")
    defined_in = cls.__module__
    return defined_in == module.__name__ or (
        defined_in.startswith(package + "._") and defined_in.count(".") == module.__name__.count(".")
    )


def public_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for module in core_modules():
        # The shared kernel's files hold bases and plumbing; what of it is public is listed by hand.
        kind = "" if module.__name__.startswith("lms_core.shared.") else module.__name__.rpartition(".")[2]
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isclass(value) or not value.__module__.startswith("lms_core."):
                continue
            in_public_file = kind in PUBLIC_KINDS and is_part_of(value, module)
            if in_public_file or (issubclass(value, PUBLIC_BASES) and value not in PUBLIC_BASES):
                found[name] = value
    return found


def referenced_types(annotation: object) -> Iterator[type]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from referenced_types(typing.get_args(annotation)[0])
    elif origin is not None:
        for argument in typing.get_args(annotation):
            yield from referenced_types(argument)
    elif inspect.isclass(annotation) and annotation.__module__.startswith("lms_core."):
        yield annotation


def test_every_command_view_error_and_event_is_exported_from_lms_core() -> None:
    classes = public_classes()
    assert {"CreateCourse", "CourseView", "CourseNotFound", "AttemptResultView", "EnrollmentCompleted"} <= set(classes)
    missing = sorted(name for name in classes if name not in lms_core.__all__)
    assert missing == []
    wrong = sorted(name for name, cls in classes.items() if getattr(lms_core, name) is not cls)
    assert wrong == [], "two public classes share a name"


def test_the_types_in_public_structs_are_public_too() -> None:
    """A command whose field needs `LessonType` is unusable if `LessonType` needs a deep import."""
    hidden: set[str] = set()
    for name in lms_core.__all__:
        value = getattr(lms_core, name)
        if inspect.isclass(value) and issubclass(value, msgspec.Struct):
            for annotation in typing.get_type_hints(value, include_extras=True).values():
                hidden.update(t.__name__ for t in referenced_types(annotation) if t.__name__ not in lms_core.__all__)
    assert sorted(hidden) == []
    assert issubclass(lms_core.LessonType, enum.Enum)


@pytest.mark.parametrize("package", [lms_core, lms_adapters], ids=lambda p: p.__name__)
def test_all_names_resolve_and_match_the_typing_imports(package: ModuleType) -> None:
    names = package.__all__
    assert names == sorted(set(names))
    for name in names:
        assert getattr(package, name) is not None
        assert name in dir(package)
    with pytest.raises(AttributeError):
        _ = package.NoSuchName
    # The lazy table and the imports type checkers read (a stub beside the package, or its TYPE_CHECKING
    # block) must say the same thing.
    assert package.__file__ is not None
    stub = Path(package.__file__).with_suffix(".pyi")
    tree = ast.parse((stub if stub.exists() else Path(package.__file__)).read_text())
    typed: dict[str, str] = {}
    stub_all: list[str] = []
    statements: list[ast.stmt] = list(tree.body)
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            statements.extend(node.body)
    for statement in statements:
        if isinstance(statement, ast.ImportFrom) and statement.module not in (None, "__future__", "typing"):
            assert statement.module is not None
            typed.update({alias.name: statement.module for alias in statement.names})
        if isinstance(statement, ast.Assign) and ast.unparse(statement.targets[0]) == "__all__" and stub.exists():
            stub_all = ast.literal_eval(statement.value)
    assert typed == package._SOURCE_OF
    assert set(typed) == set(names)
    if stub.exists():
        assert stub_all == names


def test_lms_adapters_exports_the_composition_root_and_settings() -> None:
    from lms_adapters.bootstrap import open_lms
    from lms_adapters.settings import ConfigurationError, Settings

    assert (lms_adapters.open_lms, lms_adapters.Settings) == (open_lms, Settings)
    assert lms_adapters.ConfigurationError is ConfigurationError


def loaded_after(statement: str) -> set[str]:
    script = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    return set(result.stdout.split())


def test_importing_lms_core_loads_no_module_of_the_engine() -> None:
    loaded = loaded_after("import lms_core")
    assert sorted(name for name in loaded if name.startswith("lms_core.")) == []


def test_the_facade_and_a_command_load_no_service() -> None:
    loaded = loaded_after("from lms_core import Actor, CreateCourse, Lms")
    services = sorted(name for name in loaded if name.startswith("lms_core.") and name.endswith(".service"))
    assert services == []
    assert "lms_core.quizzes.attempts" not in loaded
    assert "lms_core.certificates.policy" not in loaded


def test_importing_lms_adapters_loads_no_sqlalchemy_until_open_lms_is_used() -> None:
    loaded = loaded_after("import lms_adapters\nfrom lms_adapters import Settings, ConfigurationError")
    assert sorted(name for name in loaded if name.split(".")[0] in {"sqlalchemy", "dependency_injector"}) == []
    assert "lms_adapters.bootstrap" not in loaded
    assert "sqlalchemy" in loaded_after("from lms_adapters import open_lms")
