"""PDF certificate renderers: borb (default when installed; AGPL) and reportlab (BSD)."""

from __future__ import annotations

import importlib.util
from typing import Literal, Protocol

from lms_adapters.pdf.fonts import find_default_font
from lms_adapters.settings import ConfigurationError
from lms_core.certificates.ports import CertificateRenderer

RendererKind = Literal["auto", "borb", "reportlab"]


class WarmableRenderer(CertificateRenderer, Protocol):
    def warm_up(self) -> None:
        """Import the library and load the font now rather than on the first certificate."""
        ...


def borb_installed() -> bool:
    return importlib.util.find_spec("borb") is not None


def resolve_font(configured: str | None) -> str | None:
    """The configured TrueType font, else DejaVu Sans if installed, else None (Latin-1 Helvetica)."""
    if configured:
        return configured
    found = find_default_font()
    return str(found) if found else None


def build_renderer(kind: RendererKind, font: str | None) -> WarmableRenderer:
    """The renderer chosen by LMS_CERTIFICATE_RENDERER (`auto`: borb when its extra is installed)."""
    from pathlib import Path

    font_path = resolve_font(font)
    if font and not Path(font).is_file():
        raise ConfigurationError(f"LMS_CERTIFICATE_FONT {font!r} is not a file")
    if font_path is not None and not font_path.lower().endswith(".ttf"):
        raise ConfigurationError(f"LMS_CERTIFICATE_FONT must be a TrueType (.ttf) font, not {font_path!r}")
    if kind == "auto":
        kind = "borb" if borb_installed() else "reportlab"
    if kind == "borb":
        if not borb_installed():
            raise ConfigurationError("LMS_CERTIFICATE_RENDERER=borb needs borb: pip install 'lms-engine[borb]'")
        from lms_adapters.pdf.borb_renderer import BorbCertificateRenderer

        return BorbCertificateRenderer(font_path)
    from lms_adapters.pdf.reportlab_renderer import ReportlabCertificateRenderer

    return ReportlabCertificateRenderer(font_path)
