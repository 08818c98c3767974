# ruff: noqa: RUF001  (transliteration tables are made of look-alike letters on purpose)
"""URL slugs: transliterated to ASCII, lower-case, hyphen-separated."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_LENGTH = 200

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = {
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
}
# Arabic letters to a plain Latin transcription (enough for readable, stable slugs).
_ARABIC = {
    "ا": "a",
    "أ": "a",
    "إ": "i",
    "آ": "a",
    "ء": "",
    "ؤ": "u",
    "ئ": "i",
    "ب": "b",
    "ت": "t",
    "ث": "th",
    "ج": "j",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "dh",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "ع": "a",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
    "ة": "a",
    "و": "w",
    "ي": "y",
    "ى": "a",
    "٠": "0",
    "١": "1",
    "٢": "2",
    "٣": "3",
    "٤": "4",
    "٥": "5",
    "٦": "6",
    "٧": "7",
    "٨": "8",
    "٩": "9",
}
# Greek letters, for course titles in Greek.
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψω",
        [
            "a",
            "v",
            "g",
            "d",
            "e",
            "z",
            "i",
            "th",
            "i",
            "k",
            "l",
            "m",
            "n",
            "x",
            "o",
            "p",
            "r",
            "s",
            "s",
            "t",
            "y",
            "f",
            "ch",
            "ps",
            "o",
        ],
        strict=True,
    )
)


def slugify(text: str, *, fallback: str = "item") -> str:
    """`Introduction à l'IA` -> `introduction-a-l-ia`; text with no usable letters gives `fallback`."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    mapped = "".join(_SPECIAL.get(ch) or _ARABIC.get(ch) or _GREEK.get(ch) or ch for ch in bare)
    ascii_text = mapped.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
    return slug or fallback


def with_suffix(base: str, number: int) -> str:
    """The `number`-th candidate for a taken slug: `base`, `base-2`, `base-3`, ..."""
    if number <= 1:
        return base
    suffix = f"-{number}"
    return base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix


def free_slug(base: str, taken: set[str]) -> str:
    """The first candidate for `base` (see `with_suffix`) that is not in `taken`."""
    number = 1
    while with_suffix(base, number) in taken:
        number += 1
    return with_suffix(base, number)
