"""The core's value objects, built from `Settings`: the translation of LMS_* variables into the rules the
services are given (limits, registration, uploads, publishing, downloads). Invalid combinations fail here,
at start-up, as a `ConfigurationError` naming the variable."""

from __future__ import annotations

from lms_adapters.pdf import CertificateStyle
from lms_adapters.settings import ConfigurationError, Settings
from lms_core.auth.entities import AuthSettings
from lms_core.auth.policy import RegistrationMode, RegistrationRules
from lms_core.files.entities import DownloadOptions, FileType, PublishingRules, UploadLimits
from lms_core.shared.actor import Role


def certificate_verify_limit(settings: Settings) -> tuple[int, int]:
    return (settings.certificate_verify_limit, settings.certificate_verify_window_seconds)


def certificate_style(settings: Settings) -> CertificateStyle:
    """The certificate's fallback fonts and branding; the files are checked when the renderer is built."""
    raw = settings.certificate_fallback_fonts
    fallbacks: tuple[str, ...] | None = None
    if raw is not None and raw.strip():
        fallbacks = () if raw.strip().lower() == "none" else tuple(p.strip() for p in raw.split(",") if p.strip())
    return CertificateStyle(
        fallback_fonts=fallbacks,
        issuer=settings.certificate_issuer,
        logo=settings.certificate_logo,
        signature=settings.certificate_signature,
    )


def auth_settings(settings: Settings) -> AuthSettings:
    return AuthSettings(
        # The auth module builds the account links of its e-mails on this base.
        public_base_url=settings.account_pages_base_url(),
        ip_limit=(settings.auth_ip_limit, settings.auth_ip_window_seconds),
        account_email_limit=(settings.auth_email_limit, settings.auth_email_window_seconds),
        sign_in_free_per_address=settings.auth_sign_in_free_per_address,
        sign_in_free_per_account=settings.auth_sign_in_free_per_account,
        sign_in_base_delay_seconds=settings.auth_sign_in_base_delay_seconds,
        sign_in_max_delay_seconds=settings.auth_sign_in_max_delay_seconds,
        sign_in_forget_after_seconds=settings.auth_sign_in_forget_after_seconds,
        sign_in_known_address_seconds=settings.auth_known_address_days * 24 * 3600,
    )


def registration_rules(settings: Settings) -> RegistrationRules:
    return RegistrationRules(
        roles=frozenset(Role(role) for role in settings.self_registration_roles()),
        mode=RegistrationMode(settings.registration_mode),
    )


def upload_limits(settings: Settings) -> UploadLimits:
    return UploadLimits(
        image_bytes=settings.max_image_bytes,
        document_bytes=settings.max_document_bytes,
        video_bytes=settings.max_video_bytes,
        other_bytes=settings.max_other_bytes,
    )


def publishing_rules(settings: Settings) -> PublishingRules:
    raw = settings.files_learner_public_types.strip().lower()
    names = [] if raw == "none" else [name.strip() for name in raw.split(",") if name.strip()]
    known = {file_type.value: file_type for file_type in FileType}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigurationError(
            f"LMS_FILES_LEARNER_PUBLIC_TYPES: unknown {', '.join(unknown)} (use {', '.join(known)}, or none)"
        )
    if settings.files_learner_public_max_bytes < 1:
        raise ConfigurationError("LMS_FILES_LEARNER_PUBLIC_MAX_BYTES must be positive")
    return PublishingRules(
        learner_types=frozenset(known[name] for name in names),
        learner_max_bytes=settings.files_learner_public_max_bytes,
    )


def download_options(settings: Settings) -> DownloadOptions:
    return DownloadOptions(presigned=settings.s3_presigned_downloads, presigned_seconds=settings.s3_presigned_seconds)
