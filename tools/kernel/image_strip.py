"""Images re-encoded from their pixels alone, before they are saved or sent.

A picture a kernel shows (or a file in the figures folder) is the agent's data: a PNG can carry
any text in tEXt, zTXt and iTXt chunks, a JPEG in EXIF, XMP and comments, a GIF in comment
and application blocks, and any of them in an ICC profile. `stripped` decodes the picture
and writes a fresh file of the same kind from its pixels, with nothing else, so a token a
cell hid in the metadata never reaches the figure file, the notebook or the model. (What
the pixels themselves show is the picture; it is not this module's to read.)

Example::

    clean = stripped(png_bytes, "png")  # None: not a PNG Pillow can read, or too large
"""

from __future__ import annotations

import io

FORMATS = {"png": "PNG", "jpg": "JPEG", "gif": "GIF"}  # a figure's suffix -> Pillow's format
MAX_PIXELS = 50_000_000  # a larger picture is refused before it is decoded
JPEG_QUALITY = 92


def stripped(data: bytes, suffix: str) -> bytes | None:
    """`data` (a picture of the kind `suffix` names: png, jpg or gif) re-encoded from its
    first frame's pixels, with no text, EXIF, comment, colour profile or other metadata; None
    when it is not such a picture, cannot be decoded, or is over MAX_PIXELS."""
    from PIL import Image, UnidentifiedImageError

    wanted = FORMATS.get(suffix)
    try:
        with Image.open(io.BytesIO(data), formats=[wanted] if wanted else []) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.seek(0)
            alpha = "A" in image.getbands() or "transparency" in image.info
            picture = image.convert("RGBA" if alpha and suffix != "jpg" else "RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    pixels = Image.frombytes(picture.mode, picture.size, picture.tobytes())  # no info at all
    out = io.BytesIO()
    if suffix == "jpg":
        pixels.save(out, "JPEG", quality=JPEG_QUALITY)
    else:
        pixels.save(out, FORMATS[suffix])
    return out.getvalue()
