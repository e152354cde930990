"""HTML (rendered by an autoescaping Jinja template) to PDF with fpdf2's `write_html`.

The PDF core fonts only know Latin-1 (fpdf2 writes them so). With a
Unicode TrueType font (`TABOT_PDF_FONT`, a path such as
/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf) every character the font has is written as
typed; without one, a character outside Latin-1 becomes its closest plain form ("ﬁ" -> "fi",
"—" -> "-") or "?", so no text can make the PDF fail.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

from fpdf import FPDF

log = logging.getLogger(__name__)

CORE_ENCODING = "latin-1"
# typographic marks people paste from documents, in the plain form Latin-1 has
PLAIN_FORMS = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "−": "-",
        "•": "*",
        "…": "...",
        "€": "EUR",
        "™": "(TM)",
        "\u00a0": " ",
    }
)
CORE_FONT = "helvetica"
TTF_FAMILY = "tabotunicode"


def core_safe(text: str) -> str:
    """`text` with every character the core fonts cannot show replaced (never raises)."""
    out = []
    for char in text.translate(PLAIN_FORMS):
        try:
            char.encode(CORE_ENCODING)
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        plain = unicodedata.normalize("NFKD", char)
        kept = "".join(c for c in plain if not unicodedata.combining(c) and _encodable(c))
        out.append(kept or "?")
    return "".join(out)


def _encodable(char: str) -> bool:
    try:
        char.encode(CORE_ENCODING)
        return True
    except UnicodeEncodeError:
        return False


def _unicode_font(pdf: FPDF, font_path: str | None) -> bool:
    """Register the TrueType font for every style write_html asks for; False when unusable."""
    if not font_path:
        return False
    path = Path(font_path)
    if not path.is_file():
        log.warning("TABOT_PDF_FONT %s is not a file; using the core font", font_path)
        return False
    try:
        for style in ("", "B", "I", "BI"):
            pdf.add_font(TTF_FAMILY, style, str(path))
    except Exception:  # a corrupt or unsupported font file: fall back, never fail the document
        log.warning("TABOT_PDF_FONT %s could not be loaded; using the core font", font_path, exc_info=True)
        return False
    return True


def html_to_pdf(html: str, *, title: str, font_path: str | None = None) -> bytes:
    """A PDF of `html` (already escaped: the tags in it are the template's own)."""
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    unicode = _unicode_font(pdf, font_path)
    if unicode:
        family = TTF_FAMILY
    else:
        family = CORE_FONT
        html, title = core_safe(html), core_safe(title)
    pdf.set_title(title)
    pdf.set_creator("tabot")
    pdf.add_page()
    pdf.set_font(family, size=10)
    pdf.write_html(html, font_family=family)
    return bytes(pdf.output())
