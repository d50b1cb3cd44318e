"""Figures a tool saved, shown to a model whose profile takes images.

A result keeps only the figures' names (its artifact, `{"figures": [...]}`): the image is
read from the workspace when a request is built, so the checkpoint stays small and a model
switch decides again. Where it goes depends on the API: Anthropic's tool results hold
images, so the figures join the result; OpenAI-shaped APIs take only text in a tool message,
so they follow the results of that turn in one user message marked as the runtime's.

Budget: at most IMAGES_PER_RESULT from one result and PROMPT_IMAGES in a request (the most
recent; older ones stay named only), each scaled to fit MAX_SIDE pixels; a file that is not
an image, is too large, or has gone is named as not attached.
"""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from models.messages import marked
from models.texts import IMAGES_OF_CALL, NOT_ATTACHED
from models.usage import IMAGE_TOKENS
from tools.kernel.figures import FIGURES, figure_version, read_figure

if TYPE_CHECKING:
    from configs.model_profile import ModelProfile

IMAGES_PER_RESULT = 4
PROMPT_IMAGES = 8
MAX_SIDE = 1024
MAX_PIXELS = 50_000_000  # a larger image is refused before it is decoded
PNG_BYTES = 1_000_000  # a scaled image over this goes as JPEG
IN_RESULT_PROVIDERS = ("anthropic",)


def figures_of(message: BaseMessage) -> list[str]:
    """The figure names a tool result carries (none for other messages)."""
    artifact = getattr(message, "artifact", None) if isinstance(message, ToolMessage) else None
    names = artifact.get("figures") if isinstance(artifact, dict) else None
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def sent_figures(history: Sequence[BaseMessage]) -> dict[int, list[str]]:
    """Index of a tool result -> the figures of it a request carries, within the budget."""
    chosen: dict[int, list[str]] = {}
    left = PROMPT_IMAGES
    for index in range(len(history) - 1, -1, -1):
        names = figures_of(history[index])[:IMAGES_PER_RESULT][:left]
        if names:
            chosen[index], left = names, left - len(names)
        if not left:
            break
    return chosen


def image_tokens(messages: Sequence[BaseMessage]) -> int:
    """What the figures in `messages` add to a request, at most (for context estimates)."""
    return IMAGE_TOKENS * sum(len(names) for names in sent_figures(messages).values())


async def with_images(
    history: list[BaseMessage], profile: ModelProfile, workspace: Path
) -> list[BaseMessage]:
    """`history` as `profile`'s model is sent it: with the chosen figures as image blocks."""
    chosen = sent_figures(history) if profile.takes_images else {}
    if not chosen:
        return history
    blocks = await asyncio.to_thread(_load_all, chosen, workspace)
    if profile.provider in IN_RESULT_PROVIDERS:
        return [_in_result(m, blocks[i]) if i in blocks else m for i, m in enumerate(history)]
    return _after_results(history, blocks)


def _load_all(chosen: dict[int, list[str]], workspace: Path) -> dict[int, list[dict[str, Any]]]:
    """Blocking: each chosen figure as an image block, or a text block saying why not."""
    return {index: [_block(workspace, name) for name in names] for index, names in chosen.items()}


def _block(workspace: Path, name: str) -> dict[str, Any]:
    seen = figure_version(workspace, name)
    url = _encoded(str(workspace), name, *seen) if seen else None
    if url is None:
        path = (FIGURES / name).as_posix()
        return {"type": "text", "text": NOT_ATTACHED.format(path=path)}
    return {"type": "image_url", "image_url": {"url": url}}


@lru_cache(maxsize=32)
def _encoded(workspace: str, name: str, mtime_ns: int, size: int) -> str | None:
    """The figure as a data URL, made once per version of the file (each request sends the
    recent figures again)."""
    data = read_figure(Path(workspace), name)
    return _data_url(data) if data is not None else None


def _data_url(data: bytes) -> str | None:
    """The image scaled to fit MAX_SIDE, as a data URL; None when it is not a usable image.
    A PNG or JPEG that already fits goes as it is."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            fits = max(image.size) <= MAX_SIDE and len(data) <= PNG_BYTES
            if fits and image.format in ("PNG", "JPEG"):
                return _url(f"image/{image.format.lower()}", data)
            image.seek(0)  # a GIF: its first frame
            picture = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, "PNG")
    media = "image/png"
    if out.tell() > PNG_BYTES:
        out = io.BytesIO()
        picture.convert("RGB").save(out, "JPEG", quality=85)
        media = "image/jpeg"
    return _url(media, out.getvalue())


def _url(media: str, data: bytes) -> str:
    return f"data:{media};base64,{base64.b64encode(data).decode()}"


def _in_result(message: BaseMessage, blocks: list[dict[str, Any]]) -> BaseMessage:
    text = message.content if isinstance(message.content, str) else str(message.content)
    return message.model_copy(update={"content": [{"type": "text", "text": text}, *blocks]})


def _after_results(
    history: list[BaseMessage], blocks: dict[int, list[dict[str, Any]]]
) -> list[BaseMessage]:
    """Each turn's figures in one user message after that turn's last tool result."""
    out: list[BaseMessage] = []
    waiting: list[dict[str, Any]] = []
    for index, message in enumerate(history):
        out.append(message)
        if index in blocks:
            call = getattr(message, "tool_call_id", "")
            waiting += [{"type": "text", "text": IMAGES_OF_CALL.format(call=call)}, *blocks[index]]
        following = history[index + 1] if index + 1 < len(history) else None
        if waiting and not isinstance(following, ToolMessage):
            out.append(HumanMessage(content=waiting, additional_kwargs=marked("images")))
            waiting = []
    return out
