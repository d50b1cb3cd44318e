"""Wait for a shared model server to finish what earlier runs left on it before a run starts.

`wait_until_idle(base_url)` polls llama.cpp's `GET /slots` until no slot is processing and
returns the seconds it waited (a row records them as `server_busy_s`); a server without that
endpoint (another OpenAI-compatible server) is taken as idle at once.
Why: a run that starts while the one slot still serves a killed run's request gets no call.
"""

from __future__ import annotations

import json
import time
import urllib.request

IDLE_LIMIT_S = 900.0


def wait_until_idle(base_url: str, limit_s: float = IDLE_LIMIT_S, every_s: float = 0.5) -> float:
    """Seconds spent waiting until `base_url`'s server (…/v1 or its root) has no slot
    processing; at most `limit_s` (then the run starts anyway and the row says how long)."""
    slots_url = base_url.rstrip("/").removesuffix("/v1") + "/slots"
    started = time.monotonic()
    while busy(slots_url) and time.monotonic() - started < limit_s:
        time.sleep(every_s)
    return time.monotonic() - started


def busy(slots_url: str) -> bool:
    """Whether any slot at `slots_url` is processing (False when the server has no such list)."""
    try:
        with urllib.request.urlopen(slots_url, timeout=10) as reply:
            slots = json.loads(reply.read())
    except (OSError, ValueError):  # urllib.error.URLError/HTTPError are OSErrors
        return False
    return isinstance(slots, list) and any(
        isinstance(slot, dict) and slot.get("is_processing") for slot in slots
    )
