"""A real photo with a sign on it, for the OCR tests and bench.

No photo of a sign can be downloaded here, so the sign is painted: a board with dark letters in
a TrueType font (DejaVu Sans Bold from Debian's fonts-dejavu-core when present, else Pillow's
bundled font at the same size) on a real CC0 photo from scikit-image.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf")


def font(size: int):
    """A TrueType font of `size` px: DejaVu Sans Bold if installed, else Pillow's default."""
    from PIL import ImageFont

    for p in FONT_CANDIDATES:
        if Path(p).is_file():
            return ImageFont.truetype(p, size)
    return ImageFont.load_default(size=size)


def sign_photo(text: str = "FISH MARKET", photo: str = "coffee", at: tuple[int, int] = (60, 40),
               size: int = 44) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """(RGB photo with a light board saying `text` painted at `at`, the board's box x1,y1,x2,y2)."""
    from PIL import Image, ImageDraw
    from skimage import data

    im = Image.fromarray(getattr(data, photo)()).convert("RGB")
    draw = ImageDraw.Draw(im)
    f = font(size)
    l, t, r, b = draw.textbbox(at, text, font=f)
    board = (l - 16, t - 12, r + 16, b + 12)
    draw.rectangle(board, fill=(245, 240, 225), outline=(60, 40, 20), width=4)
    draw.text(at, text, font=f, fill=(20, 20, 30))
    return np.asarray(im), board
