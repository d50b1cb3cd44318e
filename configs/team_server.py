"""The typed shape of the config's `server` block: how many runs `ml-intern web` runs at once.

Kept free of heavy imports: `ml-intern --help` loads settings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_TEAM_SERVER = (
    "several servers sharing runs are the team server now: `ml-intern web --db URL --redis URL` "
    "on each replica, `ml-intern worker --db URL --redis URL` for more workers"
)
# Keys the `server` block once had: ignored, the warning saying what to do instead.
RETIRED_KEYS = {"server.workers": _TEAM_SERVER, "server.takeover_after_s": _TEAM_SERVER}


class TeamServerSettings(BaseModel):
    """Runs in flight on one `ml-intern web` (or `studio`) server; one thread runs one at a time.

    `runs_at_once`: runs of different threads the server runs side by side (more wait, in the
    order they came). `runs_per_person`: where people sign in, how many of those one person
    may have going; the rest of theirs wait, so one person cannot starve the others.
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)

    runs_at_once: int = Field(32, ge=1, le=10_000)
    runs_per_person: int = Field(4, ge=1, le=10_000)
