"""Tool calls whose arguments could not be used: how they are marked and what the model hears.

A call whose arguments were not valid JSON (or that a model wrote as malformed text) is kept
as a call carrying the raw text under RAW_ARGUMENTS, so execute_tools can answer it with an
error the model can act on instead of dropping it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

RAW_ARGUMENTS = "_raw_arguments"


def raw_arguments_error(args: Mapping[str, Any]) -> str | None:
    """The error to show the model for a call whose arguments were not valid JSON."""
    if RAW_ARGUMENTS not in args:
        return None
    raw = str(args[RAW_ARGUMENTS])
    return (
        "Error: the arguments of this call were not a valid JSON object, so it was not run. "
        f"Received: {json.dumps(raw[:500])}. Send the call again with arguments as a JSON object "
        "matching the tool's schema."
    )
