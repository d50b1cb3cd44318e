"""The script a `uv run` job runs: inline source, a workspace file's text, or a URL."""

from __future__ import annotations

import re

from langchain_core.tools import ToolException

from tools.call_context import CallContext
from tools.local.file_checks import opened_file, place_of
from tools.result_texts import tool_text
from tools.result_texts.hub_jobs import NO_SCRIPT, PASS_SCRIPT
from tools.safe_paths import is_regular_at

SCRIPT_MAX_BYTES = 1 << 20  # a job's script, sent inline


def script_source(call: CallContext, script: str) -> tuple[str | None, str | None]:
    """(source, url): inline text, or a workspace file's text read by descriptor (no link
    followed, a regular file of at most SCRIPT_MAX_BYTES), or a URL for uv to fetch."""
    if re.match(r"^https?://\S+$", script.strip()):
        return None, script.strip()
    if "\n" not in script and len(script) < 4096:
        place = place_of(call, script.strip(), "read", None)
        if is_regular_at(place.anchor, place.rel):
            hint = tool_text("hf_jobs", PASS_SCRIPT)
            with opened_file(place, hint, SCRIPT_MAX_BYTES) as file:
                return file.read().decode("utf-8"), None
        if script.strip().endswith(".py"):
            raise ToolException(tool_text("hf_jobs", NO_SCRIPT, path=place.target))
    return script, None
