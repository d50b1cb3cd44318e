"""Where a Space's app answers, as the Hub says: never built from the Space's name.

The Hub names a Space's host after its id (`https://<user>-<name>.hf.space`, lower case, other
characters as dashes), so `a-b/c` and `a/b-c` would share one if it were built from the name,
and whatever was meant for one would reach the other's app. `find_space` asks the Hub instead
(`GET /api/spaces/<id>`: its `host`, else `subdomain`), without following a redirect off the
Hub, and says whether the Space is private. The caller names an environment variable that
replaces the answer (a self-hosted app, or tests), with no Hub lookup, and the sentence to
raise when the Hub gives no host (a Space that has never run), a template of the caller's
own family in the catalogue (tools/result_texts/: hub_sandbox.NO_HOST, trackio.NO_HOST).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import ToolException

from tools.hub.client import hub_endpoint, hub_get


@dataclass(frozen=True)
class SpaceHost:
    url: str  # where the Space's app answers, e.g. https://acme-trackio.hf.space
    private: bool  # the Spaces proxy wants the owner's token


async def find_space(space: str, *, override_env: str, no_host: str) -> SpaceHost:
    """Where the Space `user/name` answers and whether it is private, as the Hub says.

    `$override_env`, when set, is the answer (not private, no lookup); `no_host` is the
    ToolException's message when the Hub gives the Space no host."""
    override = os.environ.get(override_env)
    if override:
        return SpaceHost(override.rstrip("/"), private=False)
    response = await hub_get(
        f"{hub_endpoint()}/api/spaces/{space}",
        action=f"Looking up Space {space} on the Hub",
        offsite=False,  # only the Hub says where a Space is
    )
    info = _json(response)
    info = info if isinstance(info, dict) else {}
    host = info.get("host") or (
        f"https://{info['subdomain']}.hf.space" if info.get("subdomain") else ""
    )
    if not host:
        raise ToolException(no_host)
    return SpaceHost(str(host).rstrip("/"), bool(info.get("private")))


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
