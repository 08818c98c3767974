"""Settings, read from `LMS_*` environment variables (see docs/configuration.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from lms_adapters.security.keys import MIN_SECRET_BYTES


class ConfigurationError(Exception):
    """The settings cannot start the engine (a missing secret, an unsupported URL...)."""


# Settings whose variable holds a JSON object.
_JSON_FIELDS = frozenset({"storage_options"})


def _json_object(name: str, text: str) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise ConfigurationError(f"LMS_{name.upper()} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ConfigurationError(f"LMS_{name.upper()} must be a JSON object")
    return value


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
    # Certificate PDFs: "auto" is borb when the `borb` extra is installed, else reportlab (docs/certificates.md).
    certificate_renderer: Literal["auto", "borb", "reportlab"] = "auto"
    # A TrueType (.ttf) font; default: DejaVuSans.ttf under /usr/share/fonts, else Latin-1 Helvetica.
    certificate_font: str | None = None
    # Uploaded files and certificate PDFs: file://<dir> (created when first written), memory://<name>, or
    # s3://<bucket>/<prefix> with LMS_STORAGE_OPTIONS, a JSON object for s3fs (endpoint_url, key, secret...).
    storage_url: str = "file://./var/storage"
    storage_options: dict[str, Any] = msgspec.field(default_factory=dict)
    # On S3, downloads redirect to a pre-signed URL valid for this many seconds instead of streaming.
    s3_presigned_downloads: bool = True
    s3_presigned_seconds: int = 300
    # Upload size limits per file type, in bytes.
    max_image_bytes: int = 10 * 1024 * 1024
    max_document_bytes: int = 50 * 1024 * 1024
    max_video_bytes: int = 2 * 1024 * 1024 * 1024
    max_other_bytes: int = 10 * 1024 * 1024
    # What learners (students) may publish with `is_public`: comma-separated file types (image, video,
    # document, other) or "none", and the largest such file in bytes. Instructors and admins publish anything.
    files_learner_public_types: str = "image"
    files_learner_public_max_bytes: int = 2 * 1024 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from `LMS_<FIELD>` variables; keyword overrides win over the environment."""
        env = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        for name in cls.__struct_fields__:
            value = env.get(f"LMS_{name.upper()}")
            if value is not None and value != "":
                raw[name] = _json_object(name, value) if name in _JSON_FIELDS else value
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
