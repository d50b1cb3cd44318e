"""The typed shape of the config's `server` block: how many runs `ml-intern web` runs at once.

Kept free of heavy imports: `ml-intern --help` loads settings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_WORKERS = 32  # each is a whole server (~400 MB); past one per core they only compete
MAX_STREAMS = 5000  # each holds a Redis connection (redis-server's default maxclients: 10000)

# What each key expects, for configs/settings.py's messages about a bad value.
SERVER_EXPECTED = {
    "server.runs_at_once": "an integer from 1 to 10000",
    "server.runs_per_person": "an integer from 1 to 10000",
    "server.workers": f"an integer from 1 to {MAX_WORKERS}",
    "server.streams_per_replica": f"an integer from 1 to {MAX_STREAMS}",
    "server.streams_per_person": f"an integer from 1 to {MAX_STREAMS}",
}


class TeamServerSettings(BaseModel):
    """Runs in flight on one `ml-intern web` (or `studio`) server; one thread runs one at a time.

    `runs_at_once`: runs of different threads the server runs side by side (more wait, in the
    order they came). `runs_per_person`: where people sign in, how many of those one person
    may have going; the rest of theirs wait, so one person cannot starve the others.
    `takeover_after_s`: with several servers on one PostgreSQL, how long a server may stay
    silent (no heartbeat) before another takes its running runs over.
    `workers`: server processes one `ml-intern web` starts on one address and one PostgreSQL
    database (each runs up to `runs_at_once`); more than one needs PostgreSQL.
    On the team server (`--redis`), `runs_per_person` is a cap over all replicas and a run
    beyond it is refused (429), not kept waiting. `streams_per_replica` and
    `streams_per_person`: streams of runs (the page following a run) one replica serves at
    once, in all and to one signed-in person; one more is refused (429). Each holds a Redis
    connection, so a client that opens streams and never reads them cannot take the
    replica's Redis pool from everyone else.
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)

    runs_at_once: int = Field(32, ge=1, le=10_000)
    runs_per_person: int = Field(4, ge=1, le=10_000)
    takeover_after_s: float = Field(15.0, ge=1, le=3600)
    workers: int = Field(1, ge=1, le=MAX_WORKERS)
    streams_per_replica: int = Field(200, ge=1, le=MAX_STREAMS)
    streams_per_person: int = Field(16, ge=1, le=MAX_STREAMS)
