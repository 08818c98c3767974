"""lms_adapters: everything that touches the outside world, and the composition root that wires it.

Its public API is three names, importable from here and nowhere else:

- `open_lms(settings=None, *, clock=None, mailer=None, storage=None, migrate=False)`: an async context
  manager yielding a ready `lms_core.Lms`, disposing connections and background tasks on exit;
- `Settings`: the engine's configuration (`Settings.from_env()` reads the `LMS_*` variables);
- `ConfigurationError`: raised when the settings cannot start the engine (a missing secret key...).

Every submodule (`lms_adapters.bootstrap`, `lms_adapters.persistence`, `lms_adapters.mail`, ...) is
internal and may change in any release. The names load on first use, so importing this package does
not import SQLAlchemy until `open_lms` is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lms_adapters.bootstrap import open_lms
    from lms_adapters.settings import ConfigurationError, Settings

_SOURCE_OF: dict[str, str] = {
    "open_lms": "lms_adapters.bootstrap",
    "Settings": "lms_adapters.settings",
    "ConfigurationError": "lms_adapters.settings",
}

__all__ = ["ConfigurationError", "Settings", "open_lms"]


def __getattr__(name: str) -> Any:
    try:
        module = _SOURCE_OF[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
