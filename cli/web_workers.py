"""`ml-intern web --workers N`: N server processes on one address and one PostgreSQL database.

One server process runs its runs' steps on one core (the model call through litellm alone is
~19 ms of CPU a step), so many runs at once queue for it. Here N `langgraph dev` servers
share the served port (SO_REUSEPORT, serve/worker.py: the kernel deals the connections out
among them; no proxy in between), each also on a loopback port of its own. They are the
several servers of one database that a team's setup already knows: a request about a run
another worker holds is relayed to that worker's own port (serve/run_forwarding.py), a
thread made on one is listed by all (serve/thread_sync.py), a thread runs one run at a time
(its PostgreSQL lock), and the runs of a worker that dies are taken over by another after
`server.takeover_after_s` (serve/run_takeover.py) while this process starts a new worker in
its place. That machinery lives in PostgreSQL, so more than one worker needs it: on SQLite
the runs a server holds are known only to its memory. Each worker stops when this process
is gone (serve/parent_watch.py); Ctrl-C stops them all.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer

from cli.server_address import free_port, is_loopback
from cli.studio import dev_args, langgraph_program, wait_until_up
from configs.team_server import MAX_WORKERS

WATCH_S = 0.5  # how often this process looks for a worker that stopped


def workers_problem(
    workers: int, *, database: str | None, signs_in: bool, named: str = "--workers"
) -> str | None:
    """Why `workers` server processes cannot serve here (None: they can), said for a person
    (`named`: where the number came from, the flag or the config's `server.workers`)."""
    if not 1 <= workers <= MAX_WORKERS:
        return (
            f"{named} must be from 1 to {MAX_WORKERS}, not {workers}: one server process "
            f"per free core helps (this machine has {os.cpu_count()}); more only compete."
        )
    if workers == 1:
        return None
    if database is None:
        return (
            f"{named} {workers} needs the threads in PostgreSQL (--db URL or "
            "ML_INTERN_DATABASE_URL): the workers find each other's runs, locks and threads "
            "there, and on SQLite a server's runs are known only to its own memory. Use "
            "--workers 1 with SQLite."
        )
    if signs_in:
        return (
            f"{named} must be 1 where people sign in with Hugging Face: their sign-ins and "
            "tokens live in the memory of the worker they signed in on."
        )
    from serve.run_takeover import ADDRESS_ENV

    if os.environ.get(ADDRESS_ENV):
        return (
            f"{named} {workers} cannot share {ADDRESS_ENV}: each worker is reached at an "
            f"address of its own. Unset it, or run one worker per `ml-intern web`."
        )
    return None


@dataclass
class Worker:
    """One server process: its own port, its directory (runtime files, log), its process."""

    number: int
    workdir: Path
    own_port: int
    proc: subprocess.Popen[bytes] | None = None
    ready: bool = False
    given_up: bool = False  # it stopped again before it ever answered

    @property
    def log(self) -> Path:
        return self.workdir / "server.log"

    @property
    def own_url(self) -> str:
        return f"http://127.0.0.1:{self.own_port}"

    def start(self, config: Path, env: dict[str, str], host: str, jobs: int | None) -> None:
        """Start it (its log appended to, when it is a restart)."""
        from serve.origin_guard import HOSTS_ENV, loopback_hosts
        from serve.run_takeover import WORKER_URL_ENV

        env = {**env, WORKER_URL_ENV: self.own_url}
        if is_loopback(host):  # requests relayed to it name its own port
            env[HOSTS_ENV] = f"{env[HOSTS_ENV]},{loopback_hosts('127.0.0.1', self.own_port)}"
        argv = [langgraph_program(), *dev_args(config, host, self.own_port, jobs, env)]
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("a" if self.proc else "w") as out:
            self.proc = subprocess.Popen(
                argv, cwd=self.workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.ready = False


class WorkerPool:
    """`count` workers on the served port, each started again when it stops (`Servers`)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.workers: list[Worker] = []
        self.logs = Path()
        self.launch: Callable[[Worker], None] = lambda _worker: None

    def start(self, config: Path, env: dict[str, str], host: str, port: int,
              jobs: int | None) -> None:  # fmt: skip
        from serve.worker import SHARED_PORT_ENV

        env = {**env, SHARED_PORT_ENV: str(port)}
        self.launch = lambda worker: worker.start(config, env, host, jobs)
        self.logs = config.parent / "worker-N" / "server.log"
        self.workers = [
            Worker(n, config.parent / f"worker-{n}", free_port()) for n in range(1, self.count + 1)
        ]
        for worker in self.workers:
            self.launch(worker)

    def wait_until_up(self) -> None:
        for worker in self.workers:
            assert worker.proc is not None
            wait_until_up(worker.own_url, worker.proc, worker.log)
            worker.ready = True

    def notes(self) -> list[str]:
        return [f"{self.count} workers on this address; logs: {self.logs}"]

    def run(self) -> None:
        while any(not worker.given_up for worker in self.workers):
            time.sleep(WATCH_S)
            for worker in self.workers:
                look_after(worker, self.launch)
        raise RuntimeError(f"no worker could start again; see {self.logs}")

    def stop(self) -> None:
        stop_all(self.workers)


def look_after(worker: Worker, start: Callable[[Worker], None]) -> None:
    """Start a worker again when it stops; one started again that stops before it ever
    answered is left stopped (it would fail the same way again), the others serving on."""
    proc = worker.proc
    assert proc is not None
    if worker.given_up or proc.poll() is None:
        worker.ready = worker.ready or worker.given_up or answers(worker.own_url)
        return
    if not worker.ready:
        worker.given_up = True
        typer.echo(
            f"ml-intern web: worker {worker.number} could not start again ({proc.returncode}); "
            f"the other workers serve on. See {worker.log}.",
            err=True,
        )
        return
    typer.echo(
        f"ml-intern web: worker {worker.number} (pid {proc.pid}) stopped ({proc.returncode}); "
        "starting another. Another worker takes its runs over.",
        err=True,
    )
    start(worker)


def answers(url: str) -> bool:
    import httpx

    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/ok", timeout=1, trust_env=False).status_code == 200
    return False


def stop_all(pool: list[Worker]) -> None:
    """SIGTERM every worker at once (each ends its runs and closes its database), then wait;
    one still there after 15 s is killed."""
    running = [w.proc for w in pool if w.proc is not None and w.proc.poll() is None]
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in running:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
