"""A scanner for secrets in log records: hashes, tokens, codes, passwords and SQL parameter lists.

`tests/conftest.py` attaches one `SecretScanningHandler` to the root logger for the whole session and
fails the run at its end if any record, traceback included, carried one of them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# What may never appear in a log line. The token and code patterns follow how the mails carry them
# (`?token=...` links, the code alone on its own indented line) and how an event payload would.
SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "argon2 hash": re.compile(r"\$argon2(?:id|i|d)\$"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
    "link token": re.compile(r"token=[A-Za-z0-9_-]{20,}"),
    "token field": re.compile(
        r"""["']?(?:token|refresh_token|access_token|mfa_token)["']?\s*[:=]\s*["'][^"']{20,}["']"""
    ),
    "MFA code": re.compile(r"""(?m)^ {4}[0-9]{6}\s*$|["']code["']\s*:\s*["'][0-9]{6}["']"""),
    "SQL parameters": re.compile(r"\[parameters: |parameters: \("),
}


class SecretScanningHandler(logging.Handler):
    """Keeps the formatted text (message and traceback) of every record that leaks a secret."""

    def __init__(self, passwords: Iterable[str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.passwords = [password for password in passwords if password]
        self.offences: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted leaks nothing through this handler
            return
        found = find_secrets(text, self.passwords)
        if found:
            self.offences.append(f"{', '.join(found)} in {record.name} ({record.pathname}:{record.lineno}): {text}")


def find_secrets(text: str, passwords: Iterable[str] = ()) -> list[str]:
    """The kinds of secret found in `text`."""
    found = [kind for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)]
    found.extend("a test password" for password in passwords if password in text)
    return found
