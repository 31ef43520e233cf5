"""Draw Doorloop's app icon and write it in each platform's format.

    python packaging/icons/make_icons.py

Writes ``doorloop.png`` (512 px, Linux and the window icon), ``doorloop.ico``
(Windows, 16-256 px) and ``doorloop.icns`` (macOS) next to this file. The picture: an
open door with an arrow passing through it ("doorlopen": flowing through), white on the
app's calm blue. Drawn with Pillow (a reportlab dependency), so no image tools needed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SIZE = 1024  # drawn large, scaled down with antialiasing
BLUE = (31, 94, 140, 255)
WHITE = (255, 255, 255, 255)
LIGHT = (170, 205, 230, 255)


def draw(size: int = SIZE) -> Image.Image:
    """The icon at ``size`` pixels, transparent outside the rounded square."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    unit = size / 32
    pen.rounded_rectangle((unit, unit, size - unit, size - unit), radius=6 * unit, fill=BLUE)
    # the door frame and the opened door leaf (a trapezium swung towards the viewer)
    pen.rectangle((9 * unit, 7 * unit, 19 * unit, 26 * unit), outline=LIGHT, width=round(unit))
    pen.polygon(
        [
            (9 * unit, 7 * unit),
            (14 * unit, 9 * unit),
            (14 * unit, 24 * unit),
            (9 * unit, 26 * unit),
        ],
        fill=LIGHT,
    )
    # the arrow through the doorway
    shaft = (6 * unit, 16 * unit, 22 * unit, 18.5 * unit)
    pen.rectangle(shaft, fill=WHITE)
    pen.polygon(
        [(21 * unit, 12 * unit), (27 * unit, 17.25 * unit), (21 * unit, 22.5 * unit)], fill=WHITE
    )
    return image


def main() -> None:
    big = draw()
    big.resize((512, 512), Image.Resampling.LANCZOS).save(HERE / "doorloop.png", optimize=True)
    big.save(
        HERE / "doorloop.ico",
        sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)],
    )
    big.save(HERE / "doorloop.icns")


if __name__ == "__main__":
    main()
