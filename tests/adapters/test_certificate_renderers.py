"""Both certificate renderers against one contract: A4 landscape, extractable text, the font embedded,
non-Latin names drawn (Arabic shaped and ordered), unrenderable names refused; and borb's traps."""

from __future__ import annotations

import io
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from types import FrameType
from typing import Any

import pytest
from pypdf import PdfReader

from lms_adapters.pdf import CertificateStyle, RendererKind, WarmableRenderer, build_renderer, resolve_font
from lms_adapters.pdf.borb_renderer import BorbCertificateRenderer
from lms_adapters.pdf.reportlab_renderer import ReportlabCertificateRenderer
from lms_adapters.settings import ConfigurationError
from lms_core.certificates.entities import CertificateContent
from lms_core.certificates.errors import UnrenderableName
from tests.support.certificates import pdf_text

NUMBER = "CERT-20261125-A7F3B2C1"
URL = f"https://lms.example.test/api/v1/certificates/verify/{NUMBER}"


def content(student_name: str = "Ada Lovelace", **changes: Any) -> CertificateContent:
    values: dict[str, Any] = {
        "student_name": student_name,
        "course_title": "Analytical Engines",
        "instructor_name": "Charles Babbage",
        "completion_date": date(2026, 11, 25),
        "certificate_number": NUMBER,
        "verification_url": URL,
    }
    values.update(changes)
    return CertificateContent(**values)


@pytest.fixture(scope="module", params=["borb", "reportlab"])
def renderer(request: pytest.FixtureRequest) -> WarmableRenderer:
    built = build_renderer(request.param, None)
    built.warm_up()
    return built


def embedded_fonts(data: bytes) -> list[str]:
    """Base names of the fonts whose program is embedded in the PDF (FontFile2 in a descriptor)."""
    found: list[str] = []

    def visit(font: Any) -> None:
        font = font.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None and "/FontFile2" in descriptor.get_object():
            found.append(str(font["/BaseFont"]))
        for child in font.get("/DescendantFonts", []):
            visit(child)

    for page in PdfReader(io.BytesIO(data)).pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            visit(font)
    return found


def test_a4_landscape_with_every_field_in_extractable_text(renderer: WarmableRenderer) -> None:
    data = renderer.render(content())
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    text = pdf_text(data)
    for expected in ("Ada Lovelace", "Analytical Engines", "Charles Babbage", "2026-11-25", NUMBER, URL):
        assert expected in text, (expected, text)
    assert any("DejaVu" in name for name in embedded_fonts(data))
    assert "REVOKED" not in text


def test_a_revoked_certificate_carries_the_revocation_mark_in_red(renderer: WarmableRenderer) -> None:
    data = renderer.render(content(revoked_on=date(2026, 12, 1)))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = pdf_text(data)
    assert "REVOKED 2026-12-01" in text
    assert "no longer valid" in text
    # Everything the certificate said is still there, below the mark.
    for expected in ("Ada Lovelace", "Analytical Engines", NUMBER, URL):
        assert expected in text, (expected, text)
    assert text.index("REVOKED") < text.index("Ada Lovelace")
    # The mark is drawn in red: 200/255 red, no green or blue, set as a fill colour in the page's content.
    drawing = reader.pages[0].get_contents()
    assert drawing is not None
    operators = drawing.get_data().decode("latin-1")
    assert any(
        line.split()[-1] in ("rg", "sc", "scn") and [round(float(v), 3) for v in line.split()[:-1]] == [0.784, 0.0, 0.0]
        for line in operators.splitlines()
        if len(line.split()) == 4
    ), operators[:2000]


@pytest.mark.parametrize("name", ["Łukasz Żółć", "Αλέξανδρος Παπαδόπουλος", "Zoë Ærøskøbing-Ñúñez"])
def test_names_beyond_latin_1_are_drawn_with_the_truetype_font(renderer: WarmableRenderer, name: str) -> None:
    data = renderer.render(content(name))
    assert name in pdf_text(data)
    assert any("DejaVu" in font for font in embedded_fonts(data))


def test_arabic_is_shaped_and_ordered_right_to_left(renderer: WarmableRenderer) -> None:
    data = renderer.render(content("محمد عبد الله", course_title="مقدمة في البرمجة Python"))
    text = pdf_text(data)  # NFKC folds the shaped (presentation) forms back to letters
    for word in ("محمد", "عبد", "الله", "مقدمة", "البرمجة", "Python"):
        assert word in text, (word, text)
    # What is drawn is the shaped form (initial/medial/final letters), not the logical letters.
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "\ufee3" in raw  # ARABIC LETTER MEEM INITIAL FORM
    assert any("DejaVu" in font for font in embedded_fonts(data))


# Devanagari: no installed font has it (and it would need shaping, which neither library does).
HINDI = "अमित शर्मा"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"student_name": HINDI}, "student_name"),
        ({"course_title": f"Python {HINDI}"}, "course_title"),
        ({"instructor_name": HINDI}, "instructor_name"),
    ],
)
def test_a_script_no_font_has_is_refused_before_drawing(
    renderer: WarmableRenderer, changes: dict[str, str], field: str
) -> None:
    with pytest.raises(UnrenderableName) as raised:
        renderer.render(content(**changes))
    assert raised.value.code == "certificates.unrenderable_name"
    assert raised.value.details["field"] == field
    assert raised.value.details["characters"][0].startswith("U+09")


@pytest.mark.parametrize("kind", ["borb", "reportlab"])
def test_without_fallback_fonts_a_cjk_name_is_refused(kind: RendererKind) -> None:
    plain = build_renderer(kind, None, CertificateStyle(fallback_fonts=()))
    with pytest.raises(UnrenderableName) as raised:
        plain.render(content("王小明"))
    assert raised.value.details == {"field": "student_name", "characters": ["U+5C0F", "U+660E", "U+738B"]}


@pytest.mark.parametrize("renderer_class", [BorbCertificateRenderer, ReportlabCertificateRenderer])
def test_without_a_truetype_font_latin_1_is_drawn_and_the_rest_refused(
    renderer_class: type[BorbCertificateRenderer | ReportlabCertificateRenderer],
) -> None:
    plain = renderer_class(None)
    assert "José Müller" in pdf_text(plain.render(content("José Müller")))
    with pytest.raises(UnrenderableName):
        plain.render(content("Łukasz"))


def test_concurrent_renders_in_threads_all_succeed(renderer: WarmableRenderer) -> None:
    names = [f"Learner {n} Żółć" for n in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda name: renderer.render(content(name)), names))
    for name, data in zip(names, results, strict=True):
        assert name in pdf_text(data)
    assert not isinstance(sys.stdout, io.StringIO)  # the redirections were undone in order


def test_choosing_and_configuring_renderers(tmp_path: Any) -> None:
    assert build_renderer("reportlab", None).name == "reportlab"
    assert build_renderer("borb", None).name == "borb"
    assert build_renderer("auto", None).name == "borb"  # the `borb` extra is installed in the test environment
    assert resolve_font(None) is not None and resolve_font(None).endswith("DejaVuSans.ttf")  # type: ignore[union-attr]
    with pytest.raises(ConfigurationError, match="not a file"):
        build_renderer("reportlab", str(tmp_path / "missing.ttf"))
    not_ttf = tmp_path / "font.otf"
    not_ttf.write_bytes(b"x")
    with pytest.raises(ConfigurationError, match="TrueType"):
        build_renderer("reportlab", str(not_ttf))


# -- borb's traps (FIELD-NOTES.md) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def borb_renderer() -> WarmableRenderer:
    built = build_renderer("borb", None)
    built.warm_up()
    return built


def test_borb_keeps_its_producer_line(borb_renderer: WarmableRenderer) -> None:
    reader = PdfReader(io.BytesIO(borb_renderer.render(content())))
    assert reader.metadata is not None and reader.metadata.producer == "borb"


def test_borb_usage_statistics_are_off(borb_renderer: WarmableRenderer) -> None:
    from borb.pdf import UsageStatistics

    assert UsageStatistics._UsageStatistics__HAS_OPTED_IN is False


@pytest.fixture
def own_handlers() -> Iterator[list[int]]:
    received: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in saved:
        signal.signal(sig, handler)
    try:
        yield received
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)


def test_borb_leaves_the_signal_handlers_alone(borb_renderer: WarmableRenderer, own_handlers: list[int]) -> None:
    assert threading.current_thread() is threading.main_thread()
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    borb_renderer.render(content())
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_borb_prints_nothing_to_stdout_over_many_documents(
    borb_renderer: WarmableRenderer, capfd: pytest.CaptureFixture[str]
) -> None:
    for number in range(70):  # borb prints its licence notice every 64 documents
        borb_renderer.render(content(f"Learner {number}"))
    captured = capfd.readouterr()
    assert captured.out == ""


# -- fallback fonts, one page in every script, branding ------------------------------------------------

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def page_count_and_text(data: bytes) -> tuple[int, str]:
    return len(PdfReader(io.BytesIO(data)).pages), pdf_text(data)


@pytest.mark.parametrize(
    "name", ["王小明", "王小明 (Wang Xiaoming)", "山田 太郎", "김민준", "Иван Петрович Сидоров", "Ελένη Κωνσταντίνου"]
)
def test_cjk_and_mixed_names_are_drawn_with_a_fallback_font(renderer: WarmableRenderer, name: str) -> None:
    pages, text = page_count_and_text(renderer.render(content(name, course_title="日本語の入門 Japanese 101")))
    assert pages == 1
    assert name in text, text
    assert "日本語の入門 Japanese 101" in text


def test_hebrew_names_are_drawn(renderer: WarmableRenderer) -> None:
    data = renderer.render(content("דוד כהן"))
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = pdf_text(data)
    for word in ("דוד", "כהן"):
        assert word in text, text


def test_the_default_fallback_is_noto_sans_cjk_simplified_chinese() -> None:
    from lms_adapters.pdf import resolve_fallbacks

    assert resolve_fallbacks(None) == (f"{CJK_FONT}#2",)


LONG_NAMES = [
    "Maria Alexandrovna Konstantinopolskaya-Wolfeschlegelsteinhausenbergerdorff von Hohenzollern-Sigmaringen",
    "王" * 60,
    "Αλέξανδρος Κωνσταντίνος Παπαδημητρόπουλος-Χατζηγεωργίου Θεοδωρακόπουλος Ευαγγελόπουλος",
    "محمد عبد الله بن عبد الرحمن بن عبد العزيز بن عبد اللطيف آل عبد الكريم الشمري القحطاني",
    "Владимир Александрович Константинопольский-Преображенский Римский-Корсаков Достоевский",
    "Xi" + "x" * 250,
]


@pytest.mark.parametrize("name", LONG_NAMES)
def test_very_long_names_and_titles_stay_on_one_page(renderer: WarmableRenderer, name: str) -> None:
    title = "Advanced Topics in " + "Computational Engineering and Applied Mathematics " * 5
    data = renderer.render(content(name, course_title=title.strip()[:255], revoked_on=date(2026, 12, 1)))
    pages, text = page_count_and_text(data)
    assert pages == 1
    for word in name.split()[:2]:
        assert word[:8] in text.replace("\n", " "), (word, text)
    assert NUMBER in text and URL in text


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    from PIL import Image, ImageDraw

    directory = tmp_path_factory.mktemp("branding")
    logo = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((10, 10, 110, 110), fill=(28, 56, 99, 255))
    signature = Image.new("RGB", (480, 120), (255, 255, 255))
    ImageDraw.Draw(signature).line([(10, 100), (120, 20), (260, 90), (460, 30)], fill=(20, 20, 60), width=5)
    logo.save(directory / "logo.png")
    signature.save(directory / "signature.jpg", quality=90)
    return str(directory / "logo.png"), str(directory / "signature.jpg")


def image_sizes(data: bytes) -> list[tuple[int, int]]:
    return sorted(image.image.size for image in PdfReader(io.BytesIO(data)).pages[0].images if image.image is not None)


@pytest.mark.parametrize("kind", ["borb", "reportlab"])
def test_issuer_logo_and_signature_are_on_the_page_and_in_the_metadata(
    kind: RendererKind, images: tuple[str, str]
) -> None:
    logo, signature = images
    style = CertificateStyle(issuer="Babbage Institute of Computing", logo=logo, signature=signature)
    branded = build_renderer(kind, None, style)
    data = branded.render(content("王小明"))
    pages, text = page_count_and_text(data)
    assert pages == 1
    assert "Babbage Institute of Computing" in text and "王小明" in text
    # QR codes are drawn as vectors (reportlab) or an image (borb); the logo and signature are images.
    assert {(300, 120), (480, 120)} <= set(image_sizes(data))
    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata is not None
    assert metadata.author == "Babbage Institute of Computing"
    assert metadata.creator == "Babbage Institute of Computing (lms)"
    assert metadata.title == "Certificate of Completion: 王小明, Analytical Engines"
    assert metadata.subject == URL
    assert metadata.producer == ("borb" if kind == "borb" else "lms with ReportLab")


def test_without_an_issuer_the_metadata_names_the_instructor(renderer: WarmableRenderer) -> None:
    data = renderer.render(content())
    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata is not None
    assert metadata.author == "Charles Babbage" and metadata.creator == "lms"
    assert not {(300, 120), (480, 120)} & set(image_sizes(data))  # no logo, no signature


def test_branding_files_are_checked_when_the_renderer_is_built(tmp_path: Any, images: tuple[str, str]) -> None:
    logo, _ = images
    with pytest.raises(ConfigurationError, match=r"LMS_CERTIFICATE_LOGO .* is not a file"):
        build_renderer("reportlab", None, CertificateStyle(logo=str(tmp_path / "missing.png")))
    text = tmp_path / "signature.png"
    text.write_text("not an image")
    with pytest.raises(ConfigurationError, match=r"LMS_CERTIFICATE_SIGNATURE .* not a readable PNG or JPEG"):
        build_renderer("reportlab", None, CertificateStyle(signature=str(text)))
    gif = tmp_path / "logo.gif"
    from PIL import Image

    Image.new("RGB", (10, 10)).save(gif)
    with pytest.raises(ConfigurationError, match="must be a PNG or JPEG image, not GIF"):
        build_renderer("reportlab", None, CertificateStyle(logo=str(gif)))
    with pytest.raises(
        ConfigurationError, match="LMS_CERTIFICATE_ISSUER: the issuer has characters no certificate font can draw"
    ):
        build_renderer("reportlab", None, CertificateStyle(issuer=HINDI))
    with pytest.raises(ConfigurationError, match=r"LMS_CERTIFICATE_FALLBACK_FONTS: .* is not a file"):
        build_renderer("reportlab", None, CertificateStyle(fallback_fonts=(str(tmp_path / "none.ttc"),)))
    with pytest.raises(ConfigurationError, match="names no font of the collection"):
        build_renderer("reportlab", None, CertificateStyle(fallback_fonts=(f"{CJK_FONT}#99",)))
    assert build_renderer("reportlab", None, CertificateStyle(logo=logo)).name == "reportlab"
