"""A prompt's content blocks as the one user message the agent takes: its text, and its
images when the thread's model takes images (`ModelProfile.takes_images`).

Attached text (an embedded resource, or a linked workspace file read for the user) is cut
to MAX_ATTACHED_CHARS and masked like tool output: a key in a pasted file never reaches the
model. Audio, and images for a model without vision, are refused with what to do instead.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from acp import RequestError

from tools.secrets import mask_secrets

MAX_PROMPT_CHARS = 2_000_000  # ~500k tokens: beyond any model's window, refused up front
MAX_ATTACHED_CHARS = 200_000  # one attached file's text; the rest is cut with a note
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # what providers take for one image, roughly
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")

# uri -> that file's text, or None to leave the link as a link (not a workspace file)
LinkReader = Callable[[str], str | None]


@dataclass(frozen=True)
class PromptContent:
    text: str
    images: tuple[str, ...] = ()  # data URLs


def prompt_content(
    blocks: Sequence[Any], *, model: str, takes_images: bool, read_link: LinkReader
) -> PromptContent:
    """Text blocks as they are, attachments as labelled parts, images as data URLs."""
    parts: list[str] = []
    images: list[str] = []
    for block in blocks:
        kind = getattr(block, "type", None)
        resource = getattr(block, "resource", None)
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource" and isinstance(getattr(resource, "text", None), str):
            parts.append(attached(resource.uri, resource.text))
        elif kind == "resource_link":
            text = read_link(block.uri)
            parts.append(
                f"[{block.name}]({block.uri})" if text is None else attached(block.uri, text)
            )
        elif kind == "image" or (kind == "resource" and _is_image(resource)):
            data, mime = (
                (block.data, block.mime_type)
                if kind == "image"
                else (resource.blob, resource.mime_type)
            )
            images.append(image_url(data, mime, model=model, takes_images=takes_images))
        else:
            raise RequestError(
                -32602,
                f"This agent takes text and images only: a {kind or 'binary'} block cannot be "
                "sent to the model. Attach text files or describe the content instead.",
            )
    text = "".join(parts).strip()
    if not text and not images:
        raise RequestError(-32602, "The prompt is empty: send some text.")
    if len(text) > MAX_PROMPT_CHARS:
        raise RequestError(
            -32602,
            f"The prompt is {len(text):,} characters, more than {MAX_PROMPT_CHARS:,}: no model "
            "takes that much. Attach less, or point the agent at the files instead.",
        )
    return PromptContent(text, tuple(images))


def attached(uri: str, text: str) -> str:
    """An attached file as the model reads it: cut to size, secrets masked."""
    if len(text) > MAX_ATTACHED_CHARS:
        more = len(text) - MAX_ATTACHED_CHARS
        text = text[:MAX_ATTACHED_CHARS] + f"\n[... {more:,} more characters not attached]"
    return f"\n<file uri={uri!r}>\n{mask_secrets(text)}\n</file>"


def image_url(data: str, mime: str | None, *, model: str, takes_images: bool) -> str:
    """An image block as a data URL, or the reason it cannot go to the model."""
    if not takes_images:
        raise RequestError(
            -32602,
            f"{model} does not take images, so the image was not sent. Switch to a model "
            "that does (/model), or describe the image; if this model does take images, set "
            f'"takes_images": {{"{model}": true}} in the config.',
        )
    if mime not in IMAGE_TYPES:
        raise RequestError(-32602, f"Images must be one of {', '.join(IMAGE_TYPES)}, not {mime}.")
    try:
        size = len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        raise RequestError(-32602, "The image's data is not valid base64.") from None
    if size > MAX_IMAGE_BYTES:
        raise RequestError(
            -32602,
            f"The image is {size:,} bytes, more than {MAX_IMAGE_BYTES:,}: send a smaller one.",
        )
    return f"data:{mime};base64,{data}"


def _is_image(resource: Any) -> bool:
    return isinstance(getattr(resource, "blob", None), str) and str(
        getattr(resource, "mime_type", "") or ""
    ).startswith("image/")
