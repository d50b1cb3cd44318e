"""`python -m cli ...` in a process forked from one that already imported the libraries.

Importing litellm, openai, LangChain and LangGraph costs ~3.5 s of CPU per process, most of
an end-to-end test's run on a 2-core machine. A zygote (one per test worker) imports those
third-party libraries once, then our own modules (WATCHED_PRELOAD, ~0.2 s of CPU a run), their
import watched (tests/fakes/import_watch.py): an import that reads what differs between the
zygote and a run is refused, and a run whose environment differs in a variable they read at
import is a fresh interpreter instead. Each run is a fork that sets the run's argv,
environment, working directory and stdio, then runs `cli` as `-m` would; as `import configs`
does in a fresh process, it sets litellm's mode in its environment (LITELLM_ENV). Kingfisher's
rule set, which our secret masking builds in every run, is built once too
(tests/fakes/prebuilt_secret_rules.py). The run is a real separate process with its own pid:
signals, exit codes and pipes behave as with `subprocess.Popen`, which `ZygotePopen` is.

Tests that measure start-up or what a command imports spawn a fresh interpreter instead.

A second kind of zygote runs the skills' templates (`python SCRIPT ARGS`, run as `__main__`):
it imports torch and the other libraries that read no Hugging Face setting when imported
(~5 of the ~7 s of CPU a template's imports take). transformers, datasets, TRL and
huggingface_hub read HF_ENDPOINT and HF_HOME at import, so a run imports those itself, unless
it is a `TemplatePopen`'s: then it is forked from a zygote the ML zygote forked for its Hub
setup, which has imported them too (tests/fakes/hub_readers.py).

A third kind, the table zygote, imports numpy, pandas and pyarrow only (~1 s of CPU in each
fresh interpreter that imports pandas): the agent's `python3 - <<'EOF'` and `python3 -c`
programs in tests, sent to it by the `python3` shim (tests/fakes/python_shim.py) or started by
`TablePopen`. A run of `-` reads its program from its stdin, as `python -` does.

Protocol: the client sends one JSON line `{"argv", "cwd", "env", "new_session",
"controlling_tty"}` with the run's stdin, stdout and stderr as file descriptors (SCM_RIGHTS).
The zygote forks the run, answers `<pid>\\n`, waits for it and answers `<exit code> <CPU
seconds>\\n` (the code negative: the signal that ended it; the CPU the run's and its reaped
children's, which `forked_cpu_s()` sums per test worker for bench/suite_profile.py). To
`{"hub_setup": true, "env"}` (no fds) the ML zygote answers `<socket path>\n`: where the
zygote of that environment's Hub setup listens. The zygote exits when its stdin closes (the
test worker ended), the zygotes and runs it forked with it.

    python -m tests.fakes.cli_zygote SOCKET_PATH
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
import types
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from tests.fakes import (
    hub_readers,
    import_watch,
    prebuilt_secret_rules,
    prebuilt_tokenizer,
    zygote_broker,
)
from tests.fakes.fork_loop import Watched, serve_forks
from tests.fakes.hub_readers import HF_READERS
from tests.fakes.langgraph_shim import SOCKET_ENV
from tests.fakes.langgraph_shim import install as install_langgraph_shim
from tests.fakes.os_threads import require_one_thread

REPO = Path(__file__).resolve().parents[2]
# What a team-server replica (`-m uvicorn aegra_api.main:app`) and its schema step import
# beside PRELOAD (~1.5 s of CPU each). Aegra reads its settings at import: `aegra_api` itself
# is each run's to import. From `asyncpg` on: its database driver and the tracing and metrics
# libraries it imports whether or not they are on (~0.2 s of CPU a replica, worker or schema
# step; `langgraph dev` imports the metrics exporters too). Of the environment they read at
# import only wsgiref's copy (prometheus_client's) differs, for a WSGI server no run starts.
TEAM_PRELOAD = (
    "fastapi", "starlette.applications", "sse_starlette", "uvicorn.main", "sqlalchemy.orm",
    "sqlalchemy.ext.asyncio", "sqlalchemy.dialects.postgresql.asyncpg", "alembic.command",
    "redis.asyncio", "structlog", "langgraph_sdk", "psycopg_pool", "croniter",
    "asyncpg", "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.exporter.otlp.proto.http.metric_exporter", "opentelemetry.exporter.prometheus",
    "openinference.instrumentation.langchain", "prometheus_fastapi_instrumentator",
    "langgraph_sdk.runtime",
)  # fmt: skip
PRELOAD = (
    "litellm",
    "openai",
    "langsmith",
    "langchain_core.messages",
    "langchain_core.language_models",
    "langchain_core.tools",
    "langchain_litellm",
    "langgraph.graph",
    "aiohttp",
    "kingfisher_sdk",
    "rich.console",
    "yaml",
    "jinja2",
    "acp",
    # what a run imports on its first model call or thread lookup (~0.35 s of CPU a run)
    "openai.resources",
    "filelock",
    "sqlite3",
    "ahocorasick_rs",
    "langgraph.checkpoint.memory",
    # ... its model client's transport and its first rendered answer (~0.1 s of CPU a run)
    "httpcore",
    "h11",
    "h2.connection",
    "anyio",
    "markdown_it",
    "rich.markdown",
    "anyio._backends._asyncio",  # what a run's first connection loads (~0.02 s of CPU)
    *TEAM_PRELOAD,
)
# Imported under watch (tests/fakes/import_watch.py): our modules every kind of run starts with
# (what they import comes along: headless, the REPL, `threads`, `web` and its server,
# `studio`, `acp`, `worker`), and what they import on first use, typer's included (it reads
# TYPER_USE_RICH at import).
WATCHED_PRELOAD = (
    "cli", "cli.startup_heap", "cli.launch", "cli.config_command", "cli.hf_token",
    "cli.walls_warning", "cli.headless", "cli.render", "cli.repl", "cli.threads", "cli.web",
    "cli.studio", "cli.acp", "cli.worker", "configs.effective", "store.thread_index",
    "tools.local.sandbox", "tools.hub.job_budget", "adaptations.resolve", "models.chat_model",
    "models.openai_chat", "models.anthropic_chat", "graph.session", "graph.research_agent",
    "serve.app", "serve.web_session", "serve.web_actions", "compat.langsmith",
    "typer._adapters", "typer._click.decorators", "langchain_core.tools.simple",
    "langchain_core.tracers.stdout", "langchain_core.messages.block_translators.langchain_v0",
)  # fmt: skip
# What the product builds on first use from its installed code alone, built once under the
# same watch: litellm's price list read as data (~0.03 s of CPU in each run that looks a model
# up), the settings' validator (`defer_build`, ~0.015 s), a session's tools' formats (~0.065 s,
# tests/fakes/prebuilt_tool_formats.py), the bundled skills read (~0.01 s), the CLI's click
# commands (~0.02 s, tests/fakes/prebuilt_commands.py).
WARMED = (
    "configs.model_profile:_price_list", "configs.settings:Settings.model_rebuild",
    "tests.fakes.prebuilt_tool_formats:install", "configs.skills:_bundled",
    "tests.fakes.prebuilt_commands:install",
)  # fmt: skip
# What `import configs` sets in a fresh process's environment (when unset) before litellm
# reads it: the zygote's own, and each run's (tests/fakes/test_cli_zygote.py holds them equal).
LITELLM_ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_MODE": "PRODUCTION"}
# What a run starts with `[sys.executable, "-m", MODULE, ...]` that is forked from this zygote
# too (see `ForwardedPopen`): a team-server replica, its schema step, and the web page's undo
# and settle (serve/web_actions.py runs each in a child process).
FORWARDED = ("uvicorn", "serve.aegra.schema", "serve.web_session")
# What a template run's environment must hold for the preloaded libraries to be the ones it
# would have imported (they read these at import); each run reseeds the global RNGs.
# pyarrow's jemalloc starts a purging thread at import unless told not to: a zygote forks
# only with one OS thread (tests/fakes/os_threads.py).
ML_ENV = {
    "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}  # fmt: skip
ML_PRELOAD = (
    "numpy", "torch", "torch._dynamo", "torch.distributed.tensor", "torch._inductor.utils",
    "torch.fx.experimental.symbolic_shapes", "sympy", "scipy.optimize", "sklearn.metrics",
    "pandas", "pyarrow", "boto3", "fsspec", "multiprocess", "httpx", "requests", "aiohttp",
    "PIL.Image", "regex", "rich", "tokenizers", "safetensors", "jinja2", "filelock",
)  # fmt: skip
# The table zygote's: what a pandas program imports, read with ML_ENV as the ML zygote's is.
TABLE_PRELOAD = ("numpy", "pandas", "pyarrow")
KIND_PRELOAD = {"ml": ML_PRELOAD, "table": TABLE_PRELOAD}
OURS = (
    "cli", "serve", "graph", "store", "nodes", "tools", "configs", "models", "adaptations", "compat",
)  # fmt: skip
MAX_REQUEST = 1 << 20
FRESH_ENV = "ML_INTERN_TESTS_FRESH_CLI"  # "1": every run spawns a fresh interpreter instead

# --- the zygote ----------------------------------------------------------------------------


def preload(kind: str = "cli") -> None:
    """The libraries, with the environment `configs` sets before litellm reads it (cli), or
    the one every template run has (ml, table); then (cli) our own modules, watched."""
    import importlib

    if kind in KIND_PRELOAD:
        os.environ.update(ML_ENV)
    else:
        _set_defaults(os.environ, LITELLM_ENV)
    for name in KIND_PRELOAD.get(kind, PRELOAD):
        importlib.import_module(name)
    if kind == "cli":
        prebuilt_secret_rules.install()
        prebuilt_tokenizer.install()
    forbidden = OURS + HF_READERS if kind in KIND_PRELOAD else OURS
    ours = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
    if ours:
        raise RuntimeError(f"the libraries' preload imported modules of ours: {ours[:5]}")
    if kind == "cli":
        import_watch.watched_import(WATCHED_PRELOAD, OURS, warm=WARMED)
        from compat.litellm import drop_leftovers

        drop_leftovers()  # what each run's start-up frees (cli/startup_heap.py), freed once
    require_one_thread("after preload")


def _set_defaults(environ: Any, defaults: dict[str, str]) -> None:
    for key, value in defaults.items():
        environ.setdefault(key, value)


def serve(socket_path: str, kind: str) -> None:
    preload(kind)
    # What the preload built lives as long as each run: frozen, a run's collections (and the
    # one a web server makes at start, serve/studio.py `settle_heap`) do not walk it, nor
    # copy its pages by touching their objects (~0.2 s of CPU a collection).
    gc.freeze()
    serve_forks(socket_path, _fork_run)


def _fork_run(listener: socket.socket, conn: socket.socket) -> int | Watched:
    request, fds = _receive(conn)
    try:
        if request.get("hub_setup"):  # a template run's question (tests/fakes/hub_readers.py)
            return hub_readers.answer(listener, conn, request["env"], _fork_run)
        return _fork_the_run(listener, conn, request, fds)
    finally:
        for fd in fds:
            os.close(fd)


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, MAX_REQUEST, 3)
    while not data.endswith(b"\n"):
        more = conn.recv(MAX_REQUEST)
        if not more:
            raise RuntimeError("the client hung up mid-request")
        data += more
    return json.loads(data), list(fds)


def _fork_the_run(
    listener: socket.socket, conn: socket.socket, request: dict[str, Any], fds: list[int]
) -> Watched:
    """The run, forked from this process, which answers its pid on `conn` and waits for it
    (tests/fakes/fork_loop.py): a fork of this ~400 MB process costs ~45 ms of CPU in page
    tables, so no process stands between the zygote and the run."""
    run = os.fork()
    if run == 0:
        listener.close()
        _become_the_run(request, fds, conn)  # never returns
    with contextlib.suppress(OSError):  # a client gone: its run's end goes unheard too
        conn.sendall(f"{run}\n".encode())
    return Watched(run, conn, tied=bool(request.get("tied")))


def _become_the_run(request: dict[str, Any], fds: list[int], conn: socket.socket) -> None:
    """In the forked run: this process's stdio, place and environment, then `-m cli`."""
    code = 1
    try:
        conn.close()
        if request["new_session"]:
            os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        if request.get("controlling_tty"):  # the pty on stdin, as a terminal's session has it
            import fcntl
            import termios

            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        os.closerange(3, 65536)  # what close_fds=True leaves a fresh process
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # read from TMPDIR again, as a fresh process does
        _fresh_if_preload_differs(request)  # returns only when forking matches a fresh run
        if _runs_ours(request):
            _set_defaults(os.environ, LITELLM_ENV)  # as its `import configs` would
        _fresh_stdio()
        if SOCKET_ENV in os.environ:
            subprocess.Popen = ForwardedPopen  # type: ignore[misc]
        code = _run(request)
    except BaseException:
        traceback.print_exc()
    finally:
        _exit(code)


def _fresh_if_preload_differs(request: dict[str, Any]) -> None:
    """A run whose environment (as `configs` leaves it) differs in a variable our preloaded
    modules read at import becomes a fresh interpreter: this process, exec'ed."""
    if not import_watch.WATCH.differs({**LITELLM_ENV, **os.environ}):
        return
    os.execve(sys.executable, [sys.executable, *_head(request), *request["argv"]], dict(os.environ))


def _runs_ours(request: dict[str, Any]) -> bool:
    """Whether the run is `-m` of one of our modules (whose `import configs` sets LITELLM_ENV)."""
    if request.get("program") is not None or request.get("code") is not None:
        return False
    return request.get("module", "cli").split(".")[0] in OURS


def _head(request: dict[str, Any]) -> list[str]:
    """What comes before the run's argv on a fresh interpreter's command line."""
    if request.get("code") is not None:
        return ["-c", request["code"]]
    if request.get("program") is not None:
        return [request["program"]]
    return ["-m", request.get("module", "cli")]


def _fresh_stdio() -> None:
    """Standard streams made for the new fds, as a fresh interpreter makes them."""
    encoding = os.environ.get("PYTHONIOENCODING", "utf-8").split(":")[0] or "utf-8"
    sys.stdin = sys.__stdin__ = open(0, encoding=encoding, closefd=False)  # noqa: SIM115
    sys.stdout = sys.__stdout__ = _output(1, encoding, "strict", line=os.isatty(1))
    sys.stderr = sys.__stderr__ = _output(2, encoding, "backslashreplace", line=True)


def _output(fd: int, encoding: str, errors: str, *, line: bool) -> io.TextIOWrapper:
    """An output stream on `fd`; under PYTHONUNBUFFERED (`-u`) each write reaches the fd at
    once, as in a fresh interpreter (its output and a traceback keep their order in a pipe)."""
    if os.environ.get("PYTHONUNBUFFERED"):
        raw = io.FileIO(fd, "w", closefd=False)
        return io.TextIOWrapper(raw, encoding=encoding, errors=errors, write_through=True)
    stream = open(fd, "w", encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115
    stream.reconfigure(line_buffering=line)
    return stream


def _run(request: dict[str, Any]) -> int:
    """`python -m MODULE ARGV` (`cli`, a test's helper), `python PROGRAM ARGV` (the
    `langgraph` console script, a template), `python -c CODE ARGV`, or `python - ARGV` (the
    program read from stdin)."""
    import runpy

    program, code, argv = request.get("program"), request.get("code"), request["argv"]
    _reseed()
    try:
        # what `python -m` puts first (`-c`, `-`: ""; a script: its folder), then PYTHONPATH's
        if code is not None or program == "-":
            sys.path[0] = ""
        else:
            sys.path[0] = os.getcwd() if program is None else os.path.dirname(program)
        extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        sys.path[1:1] = [p for p in extra if p not in sys.path]
        if code is not None:
            sys.argv = ["-c", *argv]
            return _run_main(code, "<string>")
        if program == "-":
            sys.argv = ["-", *argv]
            return _run_main(sys.stdin.buffer.read(), "<stdin>")
        if program is None:
            sys.argv = ["-m", *argv]
            runpy.run_module(request.get("module", "cli"), run_name="__main__", alter_sys=True)
        else:
            sys.argv = [program, *argv]
            runpy.run_path(program, run_name="__main__")
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    return 0


def _run_main(source: str | bytes, filename: str) -> int:
    """`source` run as `__main__` (SystemExit left to the caller); an uncaught exception is
    printed as the interpreter prints it, from the program's own frame on, and ends it with 1
    (KeyboardInterrupt: by SIGINT)."""
    main = sys.modules["__main__"] = types.ModuleType("__main__")
    if filename == "<stdin>":
        main.__file__ = filename  # as `python -` sets it
    try:
        exec(compile(source, filename, "exec"), main.__dict__)
    except SystemExit:
        raise
    except BaseException as error:
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != filename:
            tb = tb.tb_next  # the zygote's own frames: a fresh interpreter has none
        sys.excepthook(type(error), error.with_traceback(tb), tb)
        if isinstance(error, KeyboardInterrupt):
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        return 1
    return 0


def _reseed() -> None:
    """Global RNGs seeded afresh, as in a new interpreter (a fork copies the zygote's)."""
    import random

    random.seed()
    if (np := sys.modules.get("numpy")) is not None:
        np.random.seed()


def _exit(code: int) -> None:
    """The end of a Python process: non-daemon threads, atexit, flushed streams."""
    with contextlib.suppress(BaseException):
        threading._shutdown()  # type: ignore[attr-defined]
    with contextlib.suppress(BaseException):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    os._exit(code)


# --- the test side -------------------------------------------------------------------------


class Where(NamedTuple):
    """A zygote's socket, and the directory of its `langgraph` shim."""

    path: str
    bin: Path


class Zygote:
    """One zygote process of each kind per test process (or per xdist run), on first use."""

    _instances: ClassVar[dict[str, Zygote]] = {}

    def __init__(self, kind: str = "cli") -> None:
        self.dir = tempfile.mkdtemp(prefix="ml-intern-zygote-")
        self.path = os.path.join(self.dir, "sock")
        self.bin = Path(self.dir) / "bin"  # the `langgraph` shim, first on the runs' PATH
        self.bin.mkdir()
        install_langgraph_shim(self.bin, REPO)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.cli_zygote", self.path, kind],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if ready.strip() != "ready":
            raise RuntimeError(f"the CLI zygote did not start: {ready!r}")
        atexit.register(self.close)

    @classmethod
    def shared(cls, kind: str = "cli") -> Where:
        """Where this test process's zygote of `kind` listens: under xdist the controller's
        (tests/fakes/zygote_broker.py), else this process's own."""
        found = zygote_broker.ask(kind)
        if found is not None:
            return Where(found["path"], Path(found["bin"]))
        return cls.started(kind).where()

    @classmethod
    def started(cls, kind: str = "cli") -> Zygote:
        """This process's zygote of `kind`, started on first use or after it died."""
        zygote = cls._instances.get(kind)
        if zygote is None or zygote.process.poll() is not None:
            zygote = cls._instances[kind] = cls(kind)
        return zygote

    def where(self) -> Where:
        return Where(self.path, self.bin)

    def close(self) -> None:
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        if self.process.poll() is None:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


_FORKED_CPU_S = [0.0]  # the CPU of the forked runs this process has waited for


def forked_cpu_s() -> float:
    """The CPU seconds of the zygote runs this process started and saw end (their children's
    too): the share of a test's CPU that is neither its own nor its children's."""
    return _FORKED_CPU_S[0]


class ZygotePopen(subprocess.Popen):  # type: ignore[type-arg]
    """`subprocess.Popen([sys.executable, "-m", MODULE, ...])` or `([sys.executable, SCRIPT,
    ...])`, forked from the zygote of that kind."""

    _fresh = False
    controlling_tty = False  # with start_new_session: stdin (a pty) becomes the run's terminal
    cpu_s: float | None = None  # a forked run's CPU seconds and its reaped children's, once ended
    hub_readers = False  # a script forked from the zygote of its Hub setup (TemplatePopen)

    def _execute_child(  # type: ignore[override]
        self, args: Any, executable: Any, preexec_fn: Any, close_fds: Any, pass_fds: Any,
        cwd: Any, env: Any, startupinfo: Any, creationflags: Any, shell: Any,
        p2cread: int, p2cwrite: int, c2pread: int, c2pwrite: int, errread: int, errwrite: int,
        restore_signals: Any, gid: Any, gids: Any, uid: Any, umask: Any,
        start_new_session: bool, process_group: Any,
    ) -> None:  # fmt: skip
        self._fresh = os.environ.get(FRESH_ENV) == "1" or not self._forks(args)
        if self._fresh:  # a fresh interpreter, as subprocess.Popen starts it
            super()._execute_child(  # type: ignore[misc]
                args, executable, preexec_fn, close_fds, pass_fds, cwd, env, startupinfo,
                creationflags, shell, p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite,
                restore_signals, gid, gids, uid, umask, start_new_session, process_group,
            )  # fmt: skip
            return
        if preexec_fn or shell or pass_fds:
            raise ValueError("a zygote run takes no preexec_fn, shell or pass_fds")
        fds = [fd if fd != -1 else n for n, fd in enumerate((p2cread, c2pwrite, errwrite))]
        kind, request = _request([os.fspath(a) for a in args], env)
        kind = self._kind(kind, request)
        request.update(
            cwd=os.fspath(cwd) if cwd is not None else os.getcwd(),
            new_session=bool(start_new_session),
            controlling_tty=self.controlling_tty,
        )
        zygote = self._zygote(kind)
        if kind == "ml" and self.hub_readers:
            zygote = Where(hub_readers.zygote_for(zygote.path, request["env"]), zygote.bin)
        if kind == "cli":
            path = f"{zygote.bin}{os.pathsep}{request['env'].get('PATH', os.defpath)}"
            request["env"].update({"PATH": path, SOCKET_ENV: zygote.path})
        self._status = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._answer = b""
        try:
            self._status.connect(zygote.path)
            socket.send_fds(self._status, [json.dumps(request).encode() + b"\n"], fds)
            self.pid = int(self._line(block=True))
            self._child_created = True
        finally:
            self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite)

    def _forks(self, args: Any) -> bool:
        """Whether `args` runs forked from a zygote (else as `subprocess.Popen` runs it)."""
        return True

    def _kind(self, kind: str, request: dict[str, Any]) -> str:
        """The kind of zygote that forks `request` (`_request` chose `kind`)."""
        return kind

    def _zygote(self, kind: str) -> Where:
        return Zygote.shared(kind)

    def _line(self, *, block: bool) -> str | None:
        while b"\n" not in self._answer:
            if not block and not select.select([self._status], [], [], 0)[0]:
                return None
            chunk = self._status.recv(64)
            if not chunk:
                raise RuntimeError("the zygote hung up before the run ended")
            self._answer += chunk
        line, self._answer = self._answer.split(b"\n", 1)
        return line.decode()

    def _settle(self, line: str | None) -> None:
        if line is not None:
            code, cpu = line.split()
            self.returncode = int(code)
            self.cpu_s = float(cpu)
            _FORKED_CPU_S[0] += self.cpu_s
            self._status.close()

    def _internal_poll(self, _deadstate: Any = None, **kwargs: Any) -> int | None:
        if self._fresh:
            return super()._internal_poll(_deadstate, **kwargs)  # type: ignore[misc]
        if self.returncode is None:
            self._settle(self._line(block=False))
        return self.returncode

    def _wait(self, timeout: float | None) -> int:
        if self._fresh:
            return super()._wait(timeout)  # type: ignore[misc]
        if self.returncode is not None:
            return self.returncode
        if timeout is not None and not select.select([self._status], [], [], max(timeout, 0))[0]:
            raise subprocess.TimeoutExpired(self.args, timeout)
        self._settle(self._line(block=True))
        assert self.returncode is not None
        return self.returncode


class TemplatePopen(ZygotePopen):
    """`([sys.executable, SCRIPT, ...])` forked from a zygote that has imported the Hugging
    Face libraries with the run's Hub setup (tests/fakes/hub_readers.py)."""

    hub_readers = True


class TablePopen(ZygotePopen):
    """`([sys.executable, "-c", CODE, ...])` forked from the table zygote, which has imported
    numpy, pandas and pyarrow; the run's environment holds ML_ENV, as the zygote's does."""

    def _kind(self, kind: str, request: dict[str, Any]) -> str:
        if request.get("code") is None:
            raise ValueError("the table zygote runs `python -c CODE ...` here")
        env = request["env"]
        differs = {k: env.get(k) for k, v in ML_ENV.items() if env.get(k) != v}
        if differs:
            raise ValueError(f"the table zygote preloaded with {ML_ENV}; this run has {differs}")
        return "table"


class ForwardedPopen(ZygotePopen):
    """`subprocess.Popen` inside a zygote run: `[sys.executable, "-m", MODULE, ...]` for a
    MODULE in FORWARDED is forked from the zygote that forked the run (a replica skips
    importing litellm, LangChain and FastAPI again); anything else is a fresh process."""

    def _forks(self, args: Any) -> bool:
        argv = [os.fspath(a) for a in args] if isinstance(args, (list, tuple)) else []
        return argv[:2] == [sys.executable, "-m"] and len(argv) > 2 and argv[2] in FORWARDED

    def _zygote(self, kind: str) -> Where:
        path = os.environ[SOCKET_ENV]
        return Where(path, Path(path).parent / "bin")


class UvRunPopen(ZygotePopen):
    """`uv run --project REPO ml-intern ARGS` forked from the CLI zygote as `python -m cli ARGS`
    (the program uv would start: this venv's, whose `bin` the test's PATH already leads with);
    any other command (another checkout, a peer) as `subprocess.Popen` starts it."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        argv = [os.fspath(a) for a in args]
        self._ours = argv[:5] == ["uv", "run", "--project", str(REPO), "ml-intern"]
        super().__init__([sys.executable, "-m", "cli", *argv[5:]] if self._ours else args,
                         *rest, **kwargs)  # fmt: skip

    def _forks(self, args: Any) -> bool:
        return self._ours


class InstalledScriptPopen(ZygotePopen):
    """This checkout's installed script (`REPO/.venv/bin/ml-intern ARGS`, as the launch benches
    start it) forked from the CLI zygote as `python -m cli ARGS`, and its venv's `python -c
    CODE ARGS` as that; any other command as `subprocess.Popen` starts it."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        argv = [os.fspath(a) for a in args]
        venv_bin = REPO / ".venv" / "bin"
        forked = None
        if argv[:1] == [str(venv_bin / "ml-intern")]:
            forked = [sys.executable, "-m", "cli", *argv[1:]]
        elif argv[:1] == [str(venv_bin / "python")] and argv[1:2] == ["-c"]:
            forked = [sys.executable, *argv[1:]]
        self._ours = forked is not None
        super().__init__(forked or args, *rest, **kwargs)

    def _forks(self, args: Any) -> bool:
        return self._ours


class FreshOnce:
    """A launcher with `subprocess.Popen`'s signature for a launch bench's smoke test: its first
    launch is a fresh interpreter (the start-up the bench's figures measure), every later one
    is forked from the CLI zygote (InstalledScriptPopen)."""

    def __init__(self) -> None:
        self.launches = 0

    def __call__(self, args: Any, *rest: Any, **kwargs: Any) -> subprocess.Popen[Any]:
        self.launches += 1
        launch = subprocess.Popen if self.launches == 1 else InstalledScriptPopen
        return launch(args, *rest, **kwargs)


def _request(argv: list[str], env: Any) -> tuple[str, dict[str, Any]]:
    """Which zygote runs `argv` (`python -m MODULE ...` or `python SCRIPT.py ...`), and how."""
    env = dict(env) if env is not None else dict(os.environ)
    if len(argv) >= 3 and argv[:2] == [sys.executable, "-m"]:
        return "cli", {"module": argv[2], "argv": argv[3:], "env": env}
    if len(argv) >= 3 and argv[:2] == [sys.executable, "-c"]:
        return "cli", {"code": argv[2], "argv": argv[3:], "env": env}
    if len(argv) >= 2 and argv[0] == sys.executable and argv[1].endswith(".py"):
        differs = {k: env.get(k) for k, v in ML_ENV.items() if env.get(k) != v}
        if differs:
            raise ValueError(f"the ML zygote preloaded with {ML_ENV}; this run has {differs}")
        return "ml", {"program": argv[1], "argv": argv[2:], "env": env}
    raise ValueError(
        f"a zygote runs `{sys.executable} -m MODULE ...`, `-c CODE ...` or a script: {argv[:3]}"
    )


def run(args: list[str], *, input: str | None = None, timeout: float | None = None,
        popen: type[ZygotePopen] = ZygotePopen,
        **kwargs: Any) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """`subprocess.run` for a zygote run (stdout and stderr captured), started by `popen`."""
    kwargs.pop("capture_output", None)  # always captured
    kwargs.setdefault("stdin", subprocess.PIPE if input is not None else None)
    with popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs) as process:
        try:
            out, err = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    return subprocess.CompletedProcess(args, process.returncode, out, err)


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "cli")
