"""Constrained text for command fields: what a person can type, never control characters.

Control characters have no meaning in a name, an email or a title, and a NUL byte is refused by
PostgreSQL itself (a text column cannot hold one), so they are refused at the front door, as a 422
naming the field, on every database alike. Commands narrow these types further with their own lengths:
`Annotated[SingleLineText, msgspec.Meta(min_length=1, max_length=255)]`.

The patterns are written to mean the same in Python's `re` (which msgspec uses) and in the
ECMA-262 dialect of the OpenAPI document: `$` alone would let a single trailing newline through in
Python, hence `$(?!\\n)`.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

# C0 controls, DEL and the C1 controls.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
# The same, less tab (\x09), line feed (\x0a) and carriage return (\x0d).
_CONTROL_EXCEPT_LINE_BREAKS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"

SINGLE_LINE_PATTERN = rf"^[^{CONTROL_CHARACTERS}]*$(?!\n)"
MULTI_LINE_PATTERN = rf"^[^{_CONTROL_EXCEPT_LINE_BREAKS}]*$"

SingleLineText = Annotated[
    str, msgspec.Meta(pattern=SINGLE_LINE_PATTERN, description="one line of text, without control characters")
]
"""Names, titles, slugs, search terms, tokens: no control character at all."""

MultiLineText = Annotated[
    str,
    msgspec.Meta(pattern=MULTI_LINE_PATTERN, description="text; tab and line breaks are its only control characters"),
]
"""Descriptions, content, reviews, answers: line breaks and tabs, no other control character."""

_ADDRESS_PART = rf"[^@\s{CONTROL_CHARACTERS}]"
EMAIL_PATTERN = rf"^{_ADDRESS_PART}{{1,64}}@{_ADDRESS_PART}+\.{_ADDRESS_PART}+$(?!\n)"
HTTP_URL_PATTERN = rf"^https?://[^\s{CONTROL_CHARACTERS}]+$(?!\n)"


def contains_nul(value: Any) -> bool:
    """Whether a NUL character hides anywhere in a decoded JSON value (strings, keys, nested items).

    Free-form JSON fields (metadata) cannot carry a pattern; PostgreSQL refuses a NUL in JSONB as in text.
    """
    encoded = msgspec.json.encode(value)
    if b"\\u0000" not in encoded:
        return False
    # Rare: the text `\u0000` itself also encodes to something containing that sequence.
    return _walk_for_nul(value)


def _walk_for_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_walk_for_nul(key) or _walk_for_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_walk_for_nul(item) for item in value)
    return False
