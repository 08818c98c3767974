"""The password rules of NIST SP 800-63B, checked on the function every password-setting path calls."""

from __future__ import annotations

import gzip
import importlib.resources
import subprocess
import sys

import pytest

from lms_core.users.entities import check_password_policy
from lms_core.users.errors import WeakPassword


def reason_for(password: str, *, email: str = "alice.smith@example.com", full_name: str = "Alice Smith") -> str:
    with pytest.raises(WeakPassword) as caught:
        check_password_policy(password, email=email, full_name=full_name)
    assert caught.value.code == "users.weak_password"
    assert caught.value.details["field"] == "password"
    reason: str = caught.value.details["reason"]
    return reason


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "repetitive"),
        (" " * 10, "repetitive"),
        ("abababababab", "repetitive"),
        ("abcabcabcabc", "repetitive"),
        ("1234567890", "sequential"),
        ("0987654321", "sequential"),
        ("abcdefghijk", "sequential"),
        ("ACEGIKMOQS", "sequential"),
        ("\x00" * 10, "control_characters"),
        ("good pass\nphrase", "control_characters"),
        ("tab\tseparated words", "control_characters"),
        ("password12", "common"),
        ("Password12", "common"),
        ("qwertyuiop", "common"),
        ("monkey123456", "common"),
        ("!!dragon!!!!", "common"),
        ("alice.smith2024", "personal"),
        ("SmithAlice!!!", "personal"),
        ("alice-smith-alice", "personal"),
        ("Alice.Smith@Example.com", "personal"),
        ("example.com2024", "personal"),
        ("x" * 257, "too_long"),
        ("nine char", "too_short"),
    ],
)
def test_weak_passwords_are_refused_with_their_reason(password: str, reason: str) -> None:
    assert reason_for(password) == reason


def test_the_name_counts_even_when_the_email_does_not_carry_it() -> None:
    assert reason_for("Jordan Okafor 1990", email="j.o@example.com", full_name="Jordan Okafor") == "personal"


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "Tr0ub4dor&3 staple",
        "alice smith gardens in kyoto",  # her name is a minority of it
        "ümlaut çedilla façade",
        "passphrase with spaces and 🙂 emoji",
        " ".join(f"word{i}" for i in range(60))[:256],
    ],
)
def test_good_passwords_are_accepted(password: str) -> None:
    check_password_policy(password, email="alice.smith@example.com", full_name="Alice Smith")


def test_the_shipped_list_holds_the_100000_most_common_passwords_in_frequency_order() -> None:
    data = importlib.resources.files("lms_core.users").joinpath("common_passwords.txt.gz").read_bytes()
    entries = gzip.decompress(data).decode("utf-8").splitlines()
    assert len(entries) == 100_000
    assert len(set(entries)) == 100_000
    assert entries[:3] == ["123456", "password", "12345678"]
    # Every long entry is refused, whatever rule catches it first.
    for entry in entries:
        if 10 <= len(entry) <= 256 and entry.isascii() and entry.isprintable():
            with pytest.raises(WeakPassword):
                check_password_policy(entry, email="nobody@example.com")


def test_the_list_is_not_read_when_lms_core_is_imported() -> None:
    probe = "import lms_core, lms_core.users.entities as e; print(e._common_passwords.cache_info().currsize)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"
