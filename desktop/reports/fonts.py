"""The fonts embedded in Doorloop's PDFs: DejaVu Sans, shipped in this package.

DejaVu Sans covers Dutch (ë, ï, é, ’, —, €) and the names and words a crisis line
meets (Turkish, Polish, Cyrillic, ...). The TTF files live in ``desktop/reports/fonts``
(licence in ``LICENSE.md`` there) and are read through :mod:`importlib.resources`, so
they work from a wheel or a frozen build; nothing is downloaded at run time.
"""

from __future__ import annotations

import io
import threading
from importlib import resources

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "DoorloopSans"
BOLD = "DoorloopSans-Bold"

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the report fonts with reportlab once per process (thread-safe)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in _FILES.items():
            data = resources.files(__package__).joinpath("fonts", filename).read_bytes()
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        pdfmetrics.registerFontFamily(
            REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
        )
        _registered = True


def covers(text: str) -> bool:
    """Whether the regular report font has a glyph for every character of ``text``."""
    register_fonts()
    # a TTFont (registered above); the stubs type getFont as the base Font, without .face
    face = pdfmetrics.getFont(REGULAR).face  # type: ignore[attr-defined]
    return all(ord(char) in face.charToGlyph for char in text if not char.isspace())
