"""The frozen build's entry script: the same ``main`` as the ``doorloop`` console script.

One check for ``packaging/build.py`` lives here, outside the app: with
``DOORLOOP_CHECK_PDFIUM=FILE`` the frozen program renders the first page of the PDF FILE
with the bundled PDFium (what the report dialog's preview and printing use), prints
``pdfium: N pages, page 1 WxH px, D dark pixels`` and exits 0. That proves the native
library is in the build and loads, which no smoke start shows (the dialog is not opened).
"""

import os


def check_pdfium(path: str) -> int:
    """Render page 1 of ``path`` at 50 dpi in grey and report it on stdout."""
    from pathlib import Path

    from desktop.reports.raster import PdfPages

    with PdfPages(Path(path).read_bytes()) as pages:
        count = len(pages)
        image = pages.render(0, 50, grayscale=True)
    ink = bytes(range(128))
    dark = 0
    for start in range(0, image.height * image.stride, image.stride):
        row = image.data[start : start + image.width]
        dark += len(row) - len(row.translate(None, ink))
    print(f"pdfium: {count} pages, page 1 {image.width}x{image.height} px, {dark} dark pixels")
    return 0


if __name__ == "__main__":
    if os.environ.get("DOORLOOP_CHECK_PDFIUM"):
        raise SystemExit(check_pdfium(os.environ["DOORLOOP_CHECK_PDFIUM"]))
    from desktop.__main__ import main

    raise SystemExit(main())
