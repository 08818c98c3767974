"""PDF certificate renderers: borb (default when installed; AGPL) and reportlab (BSD)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from lms_adapters.pdf.fonts import FontChain, FontSource, find_default_fallbacks, find_default_font
from lms_adapters.pdf.layout import Branding, Picture
from lms_adapters.settings import ConfigurationError
from lms_core.certificates.errors import UnrenderableName
from lms_core.certificates.ports import CertificateRenderer

RendererKind = Literal["auto", "borb", "reportlab"]
_FALLBACK_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
_IMAGE_FORMATS = {"PNG": "PNG", "JPEG": "JPEG"}


class WarmableRenderer(CertificateRenderer, Protocol):
    def warm_up(self) -> None:
        """Import the library and load the font now rather than on the first certificate."""
        ...


@dataclass(frozen=True, slots=True)
class CertificateStyle:
    """What the settings add to the certificate font: fallback fonts (None: the installed defaults, Noto
    Sans CJK), the issuing organisation's name, and its logo and signature images (file paths)."""

    fallback_fonts: tuple[str, ...] | None = None
    issuer: str | None = None
    logo: str | None = None
    signature: str | None = None


def borb_installed() -> bool:
    return importlib.util.find_spec("borb") is not None


def resolve_font(configured: str | None) -> str | None:
    """The configured TrueType font, else DejaVu Sans if installed, else None (Latin-1 Helvetica)."""
    if configured:
        return configured
    found = find_default_font()
    return str(found) if found else None


def resolve_fallbacks(configured: tuple[str, ...] | None) -> tuple[str, ...]:
    """The configured fallback fonts (`path` or `path#index`, each checked), else the installed defaults."""
    if configured is None:
        return tuple(source.spec for source in find_default_fallbacks())
    for spec in configured:
        source = FontSource.parse(spec)
        if not source.path.is_file():
            raise ConfigurationError(f"LMS_CERTIFICATE_FALLBACK_FONTS: {str(source.path)!r} is not a file")
        if source.path.suffix.lower() not in _FALLBACK_SUFFIXES:
            raise ConfigurationError(
                f"LMS_CERTIFICATE_FALLBACK_FONTS: {spec!r} is not a TrueType or OpenType font (.ttf, .otf, .ttc)"
            )
        if source.is_collection and not 0 <= source.index < _fonts_in_collection(source.path):
            raise ConfigurationError(f"LMS_CERTIFICATE_FALLBACK_FONTS: {spec!r} names no font of the collection")
        try:
            from lms_adapters.pdf.fonts import font_face

            font_face(source.spec)
        except Exception as exc:  # fontTools raises many kinds of error on a broken file or a bad index
            raise ConfigurationError(f"LMS_CERTIFICATE_FALLBACK_FONTS: cannot read {spec!r}: {exc}") from exc
    return configured


def _fonts_in_collection(path: Path) -> int:
    """How many fonts a TrueType/OpenType collection holds (0 if it is not one): its header says."""
    with path.open("rb") as file:
        header = file.read(12)
    return int.from_bytes(header[8:12], "big") if header[:4] == b"ttcf" else 0


def load_picture(path: str, variable: str) -> Picture:
    """A PNG or JPEG image for the certificate, checked now: a missing or unreadable file, or another
    format, is a configuration error naming `variable`."""
    from PIL import Image, UnidentifiedImageError

    file = Path(path)
    if not file.is_file():
        raise ConfigurationError(f"{variable} {path!r} is not a file")
    try:
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ConfigurationError(f"{variable} {path!r} is not a readable PNG or JPEG image: {exc}") from exc
    if image_format not in _IMAGE_FORMATS:
        raise ConfigurationError(f"{variable} {path!r} must be a PNG or JPEG image, not {image_format}")
    if width < 1 or height < 1:
        raise ConfigurationError(f"{variable} {path!r} has no pixels")
    return Picture(file.resolve(), width, height)


def build_branding(style: CertificateStyle, chain: FontChain) -> Branding:
    issuer = " ".join((style.issuer or "").split()) or None
    if issuer is not None:
        try:
            chain.require_drawable({"issuer": issuer})
        except UnrenderableName as exc:
            raise ConfigurationError(f"LMS_CERTIFICATE_ISSUER: {exc.message}") from exc
    return Branding(
        issuer=issuer,
        logo=load_picture(style.logo, "LMS_CERTIFICATE_LOGO") if style.logo else None,
        signature=load_picture(style.signature, "LMS_CERTIFICATE_SIGNATURE") if style.signature else None,
    )


def build_renderer(kind: RendererKind, font: str | None, style: CertificateStyle | None = None) -> WarmableRenderer:
    """The renderer chosen by LMS_CERTIFICATE_RENDERER (`auto`: borb when its extra is installed), with the
    fonts and branding of `style`; every file is checked here, at start-up."""
    style = style or CertificateStyle()
    font_path = resolve_font(font)
    if font and not Path(font).is_file():
        raise ConfigurationError(f"LMS_CERTIFICATE_FONT {font!r} is not a file")
    if font_path is not None and not font_path.lower().endswith(".ttf"):
        raise ConfigurationError(f"LMS_CERTIFICATE_FONT must be a TrueType (.ttf) font, not {font_path!r}")
    fallbacks = resolve_fallbacks(style.fallback_fonts)
    branding = build_branding(style, FontChain.of(font_path, fallbacks))
    if kind == "auto":
        kind = "borb" if borb_installed() else "reportlab"
    if kind == "borb":
        if not borb_installed():
            raise ConfigurationError("LMS_CERTIFICATE_RENDERER=borb needs borb: pip install 'lms-engine[borb]'")
        from lms_adapters.pdf.borb_renderer import BorbCertificateRenderer

        return BorbCertificateRenderer(font_path, fallbacks=fallbacks, branding=branding)
    from lms_adapters.pdf.reportlab_renderer import ReportlabCertificateRenderer

    return ReportlabCertificateRenderer(font_path, fallbacks=fallbacks, branding=branding)
