"""The base of every command: constraints hold however the command was built."""

from __future__ import annotations

import contextvars

import msgspec

from lms_core.shared.errors import InvalidInputError

_checking = contextvars.ContextVar("lms_command_checking", default=False)


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """Commands carry their constraints as `Annotated[..., msgspec.Meta(...)]`.

    msgspec checks them when a command is decoded (HTTP bodies), but not when Python code calls the
    constructor (the library and the CLI). Checking here as well gives every front door the same
    validation, and the same `InvalidInputError` naming the field.
    """

    def __post_init__(self) -> None:
        if _checking.get():
            return
        token = _checking.set(True)
        try:
            msgspec.convert(msgspec.to_builtins(self), type(self))
        except msgspec.ValidationError as exc:
            raise InvalidInputError(str(exc), code="request.validation_failed") from None
        finally:
            _checking.reset(token)
