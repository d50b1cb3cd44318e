"""Saves a thumbnail grid of sample images for the report."""

import math
from pathlib import Path

from PIL import Image


def thumbnail_grid(paths: list[Path], out: Path, size: int = 96) -> None:
    side = math.ceil(math.sqrt(len(paths)))
    grid = Image.new("RGB", (side * size, side * size), "white")
    for i, path in enumerate(paths):
        with Image.open(path) as image:
            image.thumbnail((size, size))
            grid.paste(image, ((i % side) * size, (i // side) * size))
    grid.save(out)
