"""The signed-in Hugging Face user's name, asked once per process (the prompt names it).

Without a token it is None at once; offline or refused it is None after at most
`TIMEOUT_S`, and that answer is kept too, so a dead network costs one wait per session.
"""

from __future__ import annotations

import hashlib

from tools.hub.client import async_client, hub_endpoint

TIMEOUT_S = 3.0
_known: dict[tuple[str, str], str | None] = {}


async def hub_user(token: str | None) -> str | None:
    """The name of `token`'s user (`hf_token()`'s, read off the loop by the caller: it may
    read huggingface_hub's saved token file)."""
    if not token:
        return None
    key = (hub_endpoint(), hashlib.sha256(token.encode()).hexdigest()[:16])
    if key not in _known:
        _known[key] = await _ask(key[0])
    return _known[key]


async def _ask(endpoint: str) -> str | None:
    try:
        async with async_client(timeout=TIMEOUT_S) as client:
            response = await client.get(f"{endpoint}/api/whoami-v2")
        name = response.json().get("name") if response.status_code == 200 else None
    except Exception:  # offline, refused, not JSON: the prompt simply names no user
        return None
    return name if isinstance(name, str) and name else None
