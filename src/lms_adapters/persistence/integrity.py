"""Translate database integrity errors into domain errors by constraint name."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from lms_core.shared.errors import ConflictError, LmsError

# Constraint name (PostgreSQL) and "table.column" (SQLite's message) to the domain error to raise.
_TRANSLATIONS: dict[str, Callable[[], LmsError]] = {}


def translates(*keys: str) -> Callable[[Callable[[], LmsError]], Callable[[], LmsError]]:
    def register(factory: Callable[[], LmsError]) -> Callable[[], LmsError]:
        for key in keys:
            _TRANSLATIONS[key] = factory
        return factory

    return register


def domain_error(exc: IntegrityError) -> LmsError:
    """The domain error for a violated constraint, or a generic conflict naming nothing internal."""
    original = exc.orig
    name = getattr(original, "constraint_name", None) or getattr(
        getattr(original, "__cause__", None), "constraint_name", None
    )
    if name and name in _TRANSLATIONS:
        return _TRANSLATIONS[name]()
    text = str(original)
    for key, factory in _TRANSLATIONS.items():
        if key in text:
            return factory()
    return ConflictError("the change conflicts with existing data", code="conflict.integrity")
