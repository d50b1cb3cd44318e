"""`ml-intern web --redis URL` and `ml-intern worker`: the team server on Aegra.

Aegra (a maintained, self-hosted LangGraph Agent Server) keeps the runs in PostgreSQL and
queues them in Redis; every process runs worker loops that claim runs with leases, and a
reaper gives a dead worker's runs to another. Any replica streams, joins and cancels any
run. Here one replica is one `uvicorn aegra_api.main:app` process on the config this module
writes: our graph (serve/aegra/graph_file.py), our page and guards (serve/aegra/app.py) and,
where people sign in, our per-person authorization (serve/auth.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cli.server_address import local_url
from cli.studio import PACKAGE_ROOT, OneServer
from store.database import masked

NEEDS_SECRET = (
    "ml-intern {command}: a team server needs one shared secret: set ML_INTERN_SESSION_SECRET "
    "to the same random value on every replica and worker (for example the output of "
    "`python -c 'import secrets; print(secrets.token_hex(32))'`). It keys the approvals they "
    "record and check (a run approved on one may be carried out by another) and the sign-in "
    "cookies; keep it out of the workspace."
)
# A run may take days (a Job followed to its end): Aegra's default kills it after an hour.
RUN_TIMEOUT_S = 7 * 24 * 3600
REDIS_ROOM = 64


def write_team_config(directory: Path, *, sign_in: bool = False) -> Path:
    """aegra.json in `directory`: our graph by file, our app by module, our auth if asked."""
    directory.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {
        "dependencies": [str(PACKAGE_ROOT)],
        "graphs": {"ml_intern": f"{PACKAGE_ROOT / 'serve' / 'aegra' / 'graph_file.py'}:make_graph"},
        "http": {"app": "serve.aegra.app:app"},
    }
    if sign_in:
        config["auth"] = {"path": f"{PACKAGE_ROOT / 'serve' / 'auth.py'}:auth"}
    path = directory / "aegra.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def team_env(
    config: Path, *, database: str, redis: str, workers: int, jobs: int, streams: int
) -> dict[str, str]:
    """Aegra's settings (it reads them from the environment) for one replica; its Redis pool
    holds the `streams` serve/aegra/stream_cap.py lets it serve, plus room for its own work."""
    return {
        "REDIS_MAX_CONNECTIONS": str(redis_connections(streams, jobs)),
        "AEGRA_CONFIG": str(config),
        "DATABASE_URL": database,
        "REDIS_BROKER_ENABLED": "true",
        "REDIS_URL": redis,
        "WORKER_COUNT": str(workers),
        "N_JOBS_PER_WORKER": str(jobs),
        "BG_JOB_TIMEOUT_SECS": str(RUN_TIMEOUT_S),
        "CRON_ENABLED": "false",
        "RUN_MIGRATIONS_ON_STARTUP": "false",  # serve/aegra/schema.py, once, under a lock
        # A run whose claim failed (PostgreSQL away for a moment) is queued again after this,
        # not after Aegra's two minutes; a run queued twice is still claimed once.
        "STUCK_PENDING_THRESHOLD_SECONDS": os.environ.get("STUCK_PENDING_THRESHOLD_SECONDS", "30"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(PACKAGE_ROOT),
    }


def secret_problem(command: str) -> str | None:
    """Why this process cannot be a replica or worker (no shared secret), or None."""
    from configs.server_secret import shared_secret

    return None if shared_secret() is not None else NEEDS_SECRET.format(command=command)


def redis_connections(streams: int, jobs: int) -> int:
    """A replica's Redis pool: a pub/sub connection per open stream (server.streams_per_replica
    caps them), one per run it executes (each publishes its events), and REDIS_ROOM for the
    rest (its cancel listener, queue pushes, replay reads, done keys)."""
    return streams + jobs + REDIS_ROOM


def streams_per_replica() -> int:
    """The config's `server.streams_per_replica` (a bad config is an error at start)."""
    from configs.settings import load_settings

    return load_settings().server.streams_per_replica


class TeamReplica(OneServer):
    """One Aegra process (cli/studio.py's `Servers`), its log beside its config."""

    def __init__(self, *, database: str, redis: str, workers: int) -> None:
        super().__init__()
        self.database, self.redis, self.workers = database, redis, workers

    def start(self, config: Path, env: dict[str, str], host: str, port: int,
              jobs: int | None) -> None:  # fmt: skip
        team = write_team_config(config.parent, sign_in=env.get("ML_INTERN_WEB_AUTH") == "oauth")
        env = {**env, **team_env(team, database=self.database, redis=self.redis,
                                 workers=self.workers, jobs=jobs or 1,
                                 streams=streams_per_replica())}  # fmt: skip
        made = subprocess.run([sys.executable, "-m", "serve.aegra.schema"], env=env,
                              capture_output=True, text=True, cwd=config.parent)  # fmt: skip
        if made.returncode != 0:
            said = made.stderr[-2000:].replace(self.database, masked(self.database))
            raise RuntimeError(f"the team server's tables could not be made:\n{said}")
        argv = [sys.executable, "-m", "uvicorn", "aegra_api.main:app", "--host", host,
                "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "30"]  # fmt: skip
        self.url, self.log = local_url(host, port), config.parent / f"team-{port}.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                argv, cwd=config.parent, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def notes(self) -> list[str]:
        return [f"Team server on Aegra: runs queued in {masked_redis(self.redis)}."]


def masked_redis(url: str) -> str:
    """The Redis URL without its password."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://***@{tail}"
