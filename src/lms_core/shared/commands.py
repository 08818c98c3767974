"""The base of every command: constraints hold however the command was built."""

from __future__ import annotations

import contextvars
from typing import ClassVar

import msgspec

from lms_core.shared.errors import InvalidInputError
from lms_core.shared.text import contains_nul

_checking = contextvars.ContextVar("lms_command_checking", default=False)


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """Commands carry their constraints as `Annotated[..., msgspec.Meta(...)]`.

    msgspec checks them when a command is decoded (HTTP bodies), but not when Python code calls the
    constructor (the library and the CLI). Checking here as well gives every front door the same
    validation, and the same `InvalidInputError` naming the field.

    A NUL character is refused everywhere, even inside free-form JSON fields that carry no pattern:
    no database column (PostgreSQL text or JSONB) can store one. A command may name fields whose NUL its
    service handles itself (`nul_handled_fields`): cleaned before anything is stored (a file name), or
    refused with a reason of its own (a new password, by the password policy).
    """

    nul_handled_fields: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        if _checking.get():
            return
        token = _checking.set(True)
        try:
            values = msgspec.to_builtins(self)
            msgspec.convert(values, type(self))
        except msgspec.ValidationError as exc:
            raise InvalidInputError(str(exc), code="request.validation_failed") from None
        except RecursionError:
            # Free-form JSON fields (metadata) can be nested deeper than the interpreter can walk.
            raise InvalidInputError("the input is nested too deeply", code="request.validation_failed") from None
        finally:
            _checking.reset(token)
        try:
            checked = {name: value for name, value in values.items() if name not in self.nul_handled_fields}
            has_nul = contains_nul(checked)
        except RecursionError:
            raise InvalidInputError("the input is nested too deeply", code="request.validation_failed") from None
        if has_nul:
            raise InvalidInputError("text must not contain a NUL character", code="request.validation_failed")
