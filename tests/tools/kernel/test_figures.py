"""Figures and the agent's symlinks: saving one never writes through a symlink planted in
the figures folder (its `.gitignore`, the folder itself), and a figure read (the web route's
and the prompt's) serves only a figure in the workspace's own folder, never one reached
through a folder flipped with a symlink."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image, PngImagePlugin

from tests.fakes.path_flipper import PathFlipper
from tests.fakes.tool_calls import call_tool
from tools.kernel.figures import FIGURES, figure_version, read_figure
from tools.kernel.pool import KernelPool
from tools.kernel.python import python_spec

PNG = b"\x89PNG\r\n\x1a\n"
NAME = "0123456789-1.png"
PLOT = "from PIL import Image\nImage.new('RGB', (30, 20), (200, 30, 30))"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pool() -> AsyncIterator[KernelPool]:
    """One kernel for the module: the host, not the kernel, saves a figure, into the folder
    of the workspace each call names."""
    pool = KernelPool()
    yield pool
    await pool.close()


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("planted", ["gitignore", "folder"])
async def test_a_symlink_in_the_figures_folder_never_makes_the_host_write_elsewhere(
    tmp_path: Path, planted: str, pool: KernelPool
) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "host"
    ws.mkdir()
    outside.mkdir()
    (outside / "config").write_text("host file\n")
    figures = ws / ".ml-intern" / "figures"
    if planted == "gitignore":
        figures.mkdir(parents=True)
        (figures / ".gitignore").symlink_to(outside / "created-by-host")
    else:
        (ws / ".ml-intern").mkdir()
        figures.symlink_to(outside, target_is_directory=True)
    message = await call_tool(python_spec(pool).tool, {"code": PLOT}, ws, as_tool_call=True)
    out = str(message.content)
    assert sorted(p.name for p in outside.iterdir()) == ["config"]
    if planted == "gitignore":
        assert "image saved to .ml-intern/figures/" in out
        assert len(list(figures.glob("*.png"))) == 1
    else:
        assert "image not saved" in out and ".ml-intern/figures" in out


def test_a_figures_folder_flipping_with_a_symlink_never_serves_another_folders_figure(
    tmp_path: Path,
) -> None:
    ws, other = tmp_path / "ws", tmp_path / "other"
    (ws / FIGURES).mkdir(parents=True)
    (other / FIGURES).mkdir(parents=True)
    (ws / FIGURES / NAME).write_bytes(PNG + b"ours")
    (other / FIGURES / NAME).write_bytes(PNG + b"theirs")
    swap = ws / ".ml-intern" / ".swap"
    swap.symlink_to(other / FIGURES, target_is_directory=True)
    seen: set[bytes | None] = set()
    with PathFlipper(ws / FIGURES, swap) as flipper:
        while not flipper.at_least(2000):
            for _ in range(50):
                with contextlib.suppress(OSError):
                    seen.add(read_figure(ws, NAME))
    assert PNG + b"theirs" not in seen
    assert seen <= {PNG + b"ours", None}


def test_a_figure_that_is_a_symlink_fifo_or_page_is_not_served(tmp_path: Path) -> None:
    (tmp_path / FIGURES).mkdir(parents=True)
    (tmp_path / "secret.png").write_bytes(PNG + b"secret")
    (tmp_path / FIGURES / NAME).symlink_to(tmp_path / "secret.png")
    assert read_figure(tmp_path, NAME) is None and figure_version(tmp_path, NAME) is None
    (tmp_path / FIGURES / NAME).unlink()
    os.mkfifo(tmp_path / FIGURES / NAME)
    assert read_figure(tmp_path, NAME) is None  # no hang
    (tmp_path / FIGURES / NAME).unlink()
    (tmp_path / FIGURES / NAME).write_bytes(b"<html>")
    assert read_figure(tmp_path, NAME) is None
    (tmp_path / FIGURES / NAME).write_bytes(PNG + b"not a picture past its magic")
    assert read_figure(tmp_path, NAME) is None
    (tmp_path / FIGURES / NAME).write_bytes(red_png())
    assert Image.open(io.BytesIO(read_figure(tmp_path, NAME) or b"")).getpixel((0, 0)) == RED
    assert figure_version(tmp_path, NAME) is not None
    assert read_figure(tmp_path, "../../secret.png") is None


RED = (200, 30, 30)


def red_png(**text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value, zip=key.startswith("z"))
        info.add_itxt(f"i{key}", value)
    out = io.BytesIO()
    Image.new("RGB", (30, 20), RED).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_a_planted_figure_is_served_and_sent_without_its_text_chunks(tmp_path: Path) -> None:
    """The agent's code writes a figure with a token in tEXt, zTXt and iTXt chunks straight
    into the folder: what the page and the model get is the picture alone."""
    token = "hf_" + "Pq2" * 12
    (tmp_path / FIGURES).mkdir(parents=True)
    (tmp_path / FIGURES / NAME).write_bytes(red_png(Comment=token, zipped=token))
    served = read_figure(tmp_path, NAME)
    assert served is not None and token.encode() not in served
    with Image.open(io.BytesIO(served)) as image:
        assert image.info == {} or token not in repr(image.info)
        assert image.getpixel((0, 0)) == RED and image.size == (30, 20)
    chunks, at = [], 8
    while at < len(served):
        size = int.from_bytes(served[at : at + 4], "big")
        chunks.append(served[at + 4 : at + 8].decode())
        at += 12 + size
    assert set(chunks) <= {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}, chunks


def test_the_figure_not_saved_note_snapshot() -> None:
    from tests.configs.test_prompt_snapshot import check_snapshot
    from tools.result_texts.kernel import NOT_SAVED

    check_snapshot("figure_not_saved.md", NOT_SAVED.format(folder=".ml-intern/figures") + "\n")
