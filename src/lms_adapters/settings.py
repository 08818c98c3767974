"""Settings, read from `LMS_*` environment variables (see docs/configuration.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated, Any, Literal

import msgspec

from lms_adapters.security.keys import MIN_SECRET_BYTES


class ConfigurationError(Exception):
    """The settings cannot start the engine (a missing secret, an unsupported URL...)."""


_SELF_REGISTRABLE = frozenset({"student", "instructor"})
Positive = Annotated[int, msgspec.Meta(ge=1)]

# Settings whose variable holds a JSON object.
# Settings given as JSON, and the JSON type each must be.
_JSON_FIELDS: dict[str, type] = {"storage_options": dict, "subscription_plans": list, "tax_rates": dict}
# Settings where an empty variable is a value of its own (a schedule switched off), not "use the default".
_EMPTY_IS_A_VALUE = frozenset(
    {
        "schedule_weekly_progress",
        "schedule_reminders",
        "schedule_grade_pending",
        "schedule_purge_expired",
        "schedule_reconcile_payments",
    }
)


def _json_value(name: str, text: str) -> Any:
    try:
        value = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise ConfigurationError(f"LMS_{name.upper()} is not valid JSON: {exc}") from exc
    expected = _JSON_FIELDS[name]
    if not isinstance(value, expected):
        raise ConfigurationError(f"LMS_{name.upper()} must be a JSON {'object' if expected is dict else 'list'}")
    return value


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = "sqlite+aiosqlite:///./lms.db"
    secret_key: str | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    # Where the e-mailed account links (verify-email, reset-password...) lead: an embedding application's
    # own front end, or empty for this server's pages at `public_base_url`.
    account_pages_url: str = ""
    redis_url: str | None = None
    smtp_url: str | None = None
    mail_from: str = "LMS <no-reply@lms.local>"
    mail_dir: str = "./var/mail"
    # "fast" is a cheap argon2id profile for test suites only.
    password_hashing: Literal["standard", "fast"] = "standard"
    # Deliver outbox events (e-mails...) from a background task in this process.
    outbox_worker: bool = True
    outbox_poll_seconds: float = 2.0
    # Event delivery (docs/operations.md). Empty broker URL: tasks run in this process (taskiq's in-memory
    # broker); redis://host:port/db: tasks go through a Redis stream to `lms worker` processes.
    broker_url: str | None = None
    # How long a claim on an outbox event lasts (queued or running; extended while either goes on), how
    # many attempts a failing event gets before it is kept as failed, and the first retry's delay.
    outbox_claim_seconds: Annotated[float, msgspec.Meta(gt=0)] = 120.0
    outbox_max_attempts: Positive = 12
    outbox_retry_base_seconds: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    log_level: str = "INFO"
    # Certificate PDFs: "auto" is borb when the `borb` extra is installed, else reportlab (docs/certificates.md).
    certificate_renderer: Literal["auto", "borb", "reportlab"] = "auto"
    # A TrueType (.ttf) font; default: DejaVuSans.ttf under /usr/share/fonts, else Latin-1 Helvetica.
    certificate_font: str | None = None
    # Fonts for the characters the certificate font lacks, tried in order: comma-separated paths, `path#N`
    # for the N-th font of a collection (.ttc), or "none". Default: Noto Sans CJK (fonts-noto-cjk) if installed.
    certificate_fallback_fonts: str | None = None
    # The issuing organisation's name, printed above the title and named in the PDF's metadata.
    certificate_issuer: str | None = None
    # PNG or JPEG files: a logo above the title and a signature above the instructor's name.
    certificate_logo: str | None = None
    certificate_signature: str | None = None
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
    # Roles open to self-registration, comma-separated: a subset of "student,instructor" (never admin).
    self_register_roles: str = "student,instructor"
    # "open": the spec's sign-up (tokens at once, 409 on a taken address); "private": the same 202 for
    # every address, an e-mail either way, tokens only after the address is verified.
    registration_mode: Literal["open", "private"] = "open"
    # Auth rate limits (docs/configuration.md): requests per client address on the anonymous auth
    # endpoints, e-mails of one kind per account, and the growing delays on password checks.
    auth_ip_limit: Positive = 60
    auth_ip_window_seconds: Positive = 60
    auth_email_limit: Positive = 5
    auth_email_window_seconds: Positive = 3600
    auth_sign_in_free_per_address: Positive = 5
    auth_sign_in_free_per_account: Positive = 50
    auth_sign_in_base_delay_seconds: Positive = 1
    auth_sign_in_max_delay_seconds: Positive = 300
    auth_sign_in_forget_after_seconds: Positive = 900
    auth_known_address_days: Positive = 30
    # Reverse proxies whose X-Forwarded-For / Forwarded headers are believed: comma-separated addresses or
    # CIDR networks. Empty: the socket peer is the client.
    trusted_proxies: str = ""
    # Public certificate verification, per client address.
    certificate_verify_limit: Positive = 30
    certificate_verify_window_seconds: Positive = 60
    # HTTP: origins allowed by CORS, comma-separated (empty: CORS off); the time the server waits for a
    # request's headers, and for each piece of its body, before it gives up on the client.
    cors_origins: str = ""
    http_header_timeout_seconds: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    http_body_timeout_seconds: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    # What learners (students) may publish with `is_public`: comma-separated file types (image, video,
    # document, other) or "none", and the largest such file in bytes. Instructors and admins publish anything.
    files_learner_public_types: str = "image"
    files_learner_public_max_bytes: int = 2 * 1024 * 1024
    # Outbound webhooks (docs/webhooks.md): an endpoint whose deliveries have all failed for this many days is
    # disabled and its owner e-mailed; how long a rotated-out secret keeps signing; the time limit of one
    # attempt; and whether endpoints may be on loopback, link-local or private networks (refused by default
    # against SSRF, checked at registration and at every connection).
    webhook_disable_after_days: Positive = 5
    webhook_secret_grace_hours: Annotated[int, msgspec.Meta(ge=0, le=168)] = 24
    webhook_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0
    webhook_allow_private_networks: bool = False
    # `lms scheduler` (docs/operations.md, "Scheduler"): when each periodic job runs, as 5-field cron strings
    # read in UTC; an empty string switches that job off. Reminders go to enrolments left alone this many days.
    schedule_weekly_progress: str = "0 8 * * 1"
    schedule_reminders: str = "0 9 * * *"
    schedule_grade_pending: str = "* * * * *"
    schedule_purge_expired: str = "0 * * * *"
    schedule_reconcile_payments: str = "*/15 * * * *"
    reminder_inactive_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 7
    # Payments (docs/payments.md). A provider without its keys is disabled: asking for it is a clear error.
    # The default provider of a purchase that names none; the time limit of one call to a provider.
    payment_provider: str = "stripe"
    payment_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=120)] = 15.0
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None  # another base URL for the Stripe API (a proxy, a test server)
    paymob_api_key: str | None = None
    paymob_hmac_secret: str | None = None
    paymob_integration_id: str | None = None
    paymob_iframe_id: str | None = None
    paymob_api_base: str = "https://accept.paymob.com"
    myfatoorah_api_key: str | None = None
    myfatoorah_webhook_secret: str | None = None
    myfatoorah_api_base: str = "https://apitest.myfatoorah.com"
    # Recurring plans, a JSON list: [{"name": "Monthly", "price_id": "price_...", "price": "19.00",
    # "currency": "USD", "interval": "month"}]. Tax: a JSON object of VAT rates by currency, {"EGP": "0.14"}.
    subscription_plans: list[dict[str, Any]] = msgspec.field(default_factory=list)
    tax_rates: dict[str, str] = msgspec.field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from `LMS_<FIELD>` variables; keyword overrides win over the environment."""
        env = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        for name in cls.__struct_fields__:
            value = env.get(f"LMS_{name.upper()}")
            if value is not None and (value != "" or name in _EMPTY_IS_A_VALUE):
                raw[name] = _json_value(name, value) if name in _JSON_FIELDS else value
        raw.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise ConfigurationError(f"invalid LMS_* setting: {exc}") from exc

    def self_registration_roles(self) -> frozenset[str]:
        """The roles of `LMS_SELF_REGISTER_ROLES`; anything but student and instructor stops the engine."""
        roles = frozenset(part.strip().lower() for part in self.self_register_roles.split(",") if part.strip())
        if not roles or not roles <= _SELF_REGISTRABLE:
            raise ConfigurationError(
                f"LMS_SELF_REGISTER_ROLES must list 'student', 'instructor' or both (admin never), not "
                f"{self.self_register_roles!r}"
            )
        return roles

    def cors_origin_list(self) -> list[str]:
        """The CORS origins (`scheme://host[:port]` each), without blanks; a path or a wildcard is refused."""
        origins = [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]
        for origin in origins:
            scheme, _, rest = origin.partition("://")
            if scheme not in ("http", "https") or not rest or "/" in rest or "*" in rest:
                raise ConfigurationError(
                    f"LMS_CORS_ORIGINS: {origin!r} is not an origin such as https://app.example.org"
                )
        return origins

    def require_shared_state_for(self, processes: int) -> None:
        """Several server processes must share logouts, rate limits and cache invalidations."""
        if processes > 1 and not self.redis_url:
            raise ConfigurationError(
                f"{processes} worker processes need LMS_REDIS_URL: without it a logout, a deactivation or a rate "
                "limit seen by one process would not reach the others"
            )

    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        """`trusted_proxies` parsed; a `ConfigurationError` names an entry that is not an address or network."""
        networks: list[IPv4Network | IPv6Network] = []
        for entry in filter(None, (part.strip() for part in self.trusted_proxies.split(","))):
            try:
                networks.append(ip_network(entry, strict=False))
            except ValueError as exc:
                raise ConfigurationError(f"LMS_TRUSTED_PROXIES: {entry!r} is not an IP address or network") from exc
        return networks

    def account_pages_base_url(self) -> str:
        """The base of the account links that e-mails carry: `account_pages_url`, else `public_base_url`."""
        return self.account_pages_url or self.public_base_url

    def require_secret_key(self) -> str:
        if not self.secret_key:
            raise ConfigurationError(
                "LMS_SECRET_KEY is not set. Generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` and export it."
            )
        if len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(f"LMS_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long")
        return self.secret_key
