"""A report PDF's pages as pixels and text, for the report dialog's preview and printing.

Qt-free: PDF bytes in (from :func:`desktop.session.printing.report_pdf`), plain data out, so what
the dialog shows and prints is the very PDF that "Opslaan als PDF" writes. PDFium does
the rendering (the ``pypdfium2`` package, which ships the PDFium library).

- :class:`PdfPages`: an open PDF. ``len()``, :meth:`PdfPages.page_size` (points),
  :meth:`PdfPages.render` (one page at a given resolution, as a :class:`PageImage`) and
  :meth:`PdfPages.text` (a page's text, for screen readers). Close it (or use ``with``):
  PDFium's memory is freed then, not whenever the garbage collector runs.
- :class:`PageImage`: width, height, stride, pixel bytes and their format: ``"RGBX"``
  (four bytes a pixel: red, green, blue, unused; ``QImage.Format_RGBX8888``) or ``"L"``
  (one grey byte a pixel; ``QImage.Format_Grayscale8``).
- :func:`page_count` and :func:`render_page`: one-off helpers that open and close.

``pypdfium2`` is imported on first use, so importing this module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self

if TYPE_CHECKING:
    import pypdfium2

PixelFormat = Literal["RGBX", "L"]

#: PDF user space: 72 points to the inch.
POINTS_PER_INCH = 72.0
#: The largest side of a rendered page, in pixels (A4 at 1200 dpi is 14,032 pixels high).
MAX_SIDE = 16_000


@dataclass(frozen=True, repr=False)
class PageImage:
    """One rendered page: ``height`` rows of ``stride`` bytes, top row first."""

    width: int
    height: int
    stride: int
    data: bytes
    format: PixelFormat

    @property
    def bytes_per_pixel(self) -> int:
        return 4 if self.format == "RGBX" else 1

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        """The ``(red, green, blue)`` of one pixel (grey pixels give three equal values)."""
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise IndexError(f"pixel ({x}, {y}) is outside {self.width}x{self.height}")
        at = y * self.stride + x * self.bytes_per_pixel
        if self.format == "L":
            return (self.data[at],) * 3
        red, green, blue = self.data[at : at + 3]
        return red, green, blue

    def __repr__(self) -> str:  # the pixel bytes would flood a test failure
        return f"PageImage({self.width}x{self.height}, {self.format}, stride={self.stride})"


class PdfPages:
    """An open PDF whose pages can be rendered and read; close it when done.

    Raises :class:`ValueError` when ``pdf`` is not a PDF PDFium can read.
    """

    def __init__(self, pdf: bytes) -> None:
        import pypdfium2

        try:
            self._document: pypdfium2.PdfDocument | None = pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError as error:
            raise ValueError(f"not a readable PDF: {error}") from error
        document = self._document
        self._sizes = tuple(document.get_page_size(index) for index in range(len(document)))

    def __len__(self) -> int:
        return len(self._sizes)

    @property
    def closed(self) -> bool:
        return self._document is None

    def page_size(self, index: int) -> tuple[float, float]:
        """Width and height of page ``index`` (from 0) in points (1/72 inch)."""
        return self._sizes[index]

    def render(self, index: int, dpi: float, *, grayscale: bool = False) -> PageImage:
        """Page ``index`` (from 0) at ``dpi`` pixels per inch, on white.

        ``grayscale`` renders one grey byte a pixel (for a black-and-white printer).
        """
        if dpi <= 0:
            raise ValueError(f"dpi must be positive, not {dpi}")
        width, height = self.page_size(index)
        scale = dpi / POINTS_PER_INCH
        if max(width, height) * scale > MAX_SIDE:
            raise ValueError(f"{dpi} dpi makes page {index + 1} larger than {MAX_SIDE} pixels")
        page = self._open().get_page(index)
        try:
            bitmap = page.render(
                scale=scale,
                fill_color=(255, 255, 255, 255),
                grayscale=grayscale,
                prefer_bgrx=True,
                rev_byteorder=True,
            )
            try:
                pixel_format: PixelFormat = "L" if grayscale else "RGBX"
                if bitmap.mode != pixel_format:  # a PDFium change of its format choice
                    raise RuntimeError(f"PDFium rendered {bitmap.mode}, not {pixel_format}")
                return PageImage(
                    width=bitmap.width,
                    height=bitmap.height,
                    stride=bitmap.stride,
                    data=bytes(bitmap.buffer),
                    format=pixel_format,
                )
            finally:
                bitmap.close()
        finally:
            page.close()

    def text(self, index: int) -> str:
        """The text of page ``index`` (from 0) in reading order, lines ending in ``\\n``."""
        page = self._open().get_page(index)
        try:
            text_page = page.get_textpage()
            try:
                text = text_page.get_text_bounded()
            finally:
                text_page.close()
        finally:
            page.close()
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def close(self) -> None:
        """Free PDFium's copy of the document; further renders raise ``ValueError``."""
        if self._document is not None:
            self._document.close()
            self._document = None

    def _open(self) -> pypdfium2.PdfDocument:
        if self._document is None:
            raise ValueError("the PDF is closed")
        return self._document

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def page_count(pdf: bytes) -> int:
    """How many pages ``pdf`` has."""
    with PdfPages(pdf) as pages:
        return len(pages)


def render_page(pdf: bytes, index: int, dpi: float, *, grayscale: bool = False) -> PageImage:
    """Page ``index`` (from 0) of ``pdf`` at ``dpi``; see :meth:`PdfPages.render`."""
    with PdfPages(pdf) as pages:
        return pages.render(index, dpi, grayscale=grayscale)
