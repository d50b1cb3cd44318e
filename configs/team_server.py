"""The typed shape of the config's `server` block: how many runs `ml-intern web` runs at once.

Kept free of heavy imports: `ml-intern --help` loads settings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_STREAMS = 5000  # each holds a Redis connection (redis-server's default maxclients: 10000)

# What each key expects, for configs/settings.py's messages about a bad value.
SERVER_EXPECTED = {
    "server.runs_at_once": "an integer from 1 to 10000",
    "server.runs_per_person": "an integer from 1 to 10000",
    "server.streams_per_replica": f"an integer from 1 to {MAX_STREAMS}",
    "server.streams_per_person": f"an integer from 1 to {MAX_STREAMS}",
}
_TEAM_SERVER = (
    "several servers sharing runs are the team server now: `ml-intern web --db URL --redis URL` "
    "on each replica, `ml-intern worker --db URL --redis URL` for more workers"
)
# Keys the `server` block once had: ignored, the warning saying what to do instead.
RETIRED_KEYS = {"server.workers": _TEAM_SERVER, "server.takeover_after_s": _TEAM_SERVER}


class TeamServerSettings(BaseModel):
    """Runs in flight on one `ml-intern web` (or `studio`) server; one thread runs one at a time.

    `runs_at_once`: runs of different threads the server runs side by side (more wait, in the
    order they came). `runs_per_person`: where people sign in, how many runs one person may
    have waiting or running; one more is refused (429), not kept waiting, the same on the
    embedded server and on the team server (`--redis`: over all replicas). `streams_per_replica` and
    `streams_per_person`: streams of runs (the page following a run) one replica serves at
    once, in all and to one signed-in person; one more is refused (429). Each holds a Redis
    connection, so a client that opens streams and never reads them cannot take the
    replica's Redis pool from everyone else.
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)

    runs_at_once: int = Field(32, ge=1, le=10_000)
    runs_per_person: int = Field(4, ge=1, le=10_000)
    streams_per_replica: int = Field(200, ge=1, le=MAX_STREAMS)
    streams_per_person: int = Field(16, ge=1, le=MAX_STREAMS)
