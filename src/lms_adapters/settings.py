"""Settings, read from `LMS_*` environment variables (see docs/configuration.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

import msgspec

from lms_adapters.security.keys import MIN_SECRET_BYTES


class ConfigurationError(Exception):
    """The settings cannot start the engine (a missing secret, an unsupported URL...)."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = "sqlite+aiosqlite:///./lms.db"
    secret_key: str | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    redis_url: str | None = None
    smtp_url: str | None = None
    mail_from: str = "LMS <no-reply@lms.local>"
    mail_dir: str = "./var/mail"
    # "fast" is a cheap argon2id profile for test suites only.
    password_hashing: Literal["standard", "fast"] = "standard"
    # Deliver outbox events (e-mails...) from a background task in this process.
    outbox_worker: bool = True
    outbox_poll_seconds: float = 2.0
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from `LMS_<FIELD>` variables; keyword overrides win over the environment."""
        env = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        for name in cls.__struct_fields__:
            value = env.get(f"LMS_{name.upper()}")
            if value is not None and value != "":
                raw[name] = value
        raw.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise ConfigurationError(f"invalid LMS_* setting: {exc}") from exc

    def require_shared_state_for(self, processes: int) -> None:
        """Several server processes must share logouts, rate limits and cache invalidations."""
        if processes > 1 and not self.redis_url:
            raise ConfigurationError(
                f"{processes} worker processes need LMS_REDIS_URL: without it a logout, a deactivation or a rate "
                "limit seen by one process would not reach the others"
            )

    def require_secret_key(self) -> str:
        if not self.secret_key:
            raise ConfigurationError(
                "LMS_SECRET_KEY is not set. Generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` and export it."
            )
        if len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(f"LMS_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long")
        return self.secret_key
