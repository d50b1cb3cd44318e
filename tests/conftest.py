"""Shared fixtures: an isolated ML_INTERN_HOME per test, offline env, the scripted LLM server."""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

# Offline hygiene, before anything imports litellm or huggingface_hub.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["LANGSMITH_TRACING"] = "false"
os.environ["LANGGRAPH_CLI_NO_ANALYTICS"] = "1"
os.environ["LANGGRAPH_NO_VERSION_CHECK"] = "true"
# Every server a test starts fails a run that blocks its event loop (cli/studio.py).
os.environ["ML_INTERN_CHECK_BLOCKING"] = "1"
# No saved Hugging Face login is ever used: a test gets a token only from the local Hub.
os.environ["HF_TOKEN_PATH"] = "/nonexistent/ml-intern-tests/hf-token"
os.environ.pop("HF_TOKEN", None)
# Kingfisher compiles its secret rules (~4.5 s of CPU) unless its cache holds them, and the
# cache lives under HOME, which the CLI tests point at a temporary directory: every child
# uses the user's cache instead, as a real run would.
os.environ.setdefault(
    "KF_RULE_CACHE_DIR",
    str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kingfisher/rule-cache"),
)

from tests.fakes.llm_server import ScriptedLLMServer
from tests.fakes.postgres import PostgresCluster, running_cluster
from tests.fakes.redis import RedisServer, running_redis

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "cli", "serve", "graph", "store", "nodes", "tools", "configs", "models", "adaptations", "compat",
)  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    """Before any worker or child starts: our own modules' bytecode (with
    PYTHONDONTWRITEBYTECODE set, every process compiled them again: ~0.2 s each) and, under
    xdist, that rule cache (the workers would all compile it at once)."""
    if hasattr(config, "workerinput"):
        return
    import compileall

    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    if getattr(config.option, "numprocesses", None):
        from tools.secrets.rules import warm_up

        warm_up()
        serve_zygotes(early=("cli",) if runs_cli_tests(config) else ())
        rewrite_test_modules(config)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (the libraries, our modules, the test modules) lives until the
    test process ends: frozen out of the cyclic collector, as the zygotes' is, so the
    collections during tests and pytest's last one at the end walk only what came after
    (~440,000 of the ~860,000 objects a run of tests/graph and tests/nodes holds at its end).
    Reference counting still frees frozen objects; a test's garbage is collected as before."""
    import gc

    gc.collect()  # the garbage collecting made is freed, not frozen
    gc.freeze()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After `--durations`' slowest tests: the costliest test files."""
    from tests.file_durations import summarize

    summarize(terminalreporter)


def runs_cli_tests(config: pytest.Config) -> bool:
    """Whether the paths pytest was given hold tests/cli (none given: the whole suite)."""
    cli = ROOT / "tests" / "cli"
    given = [Path(arg.split("::")[0]).resolve() for arg in config.args] or [ROOT]
    return any(cli.is_relative_to(path) or path.is_relative_to(cli) for path in given)


def serve_zygotes(early: tuple[str, ...] = ()) -> None:
    """The warm processes the workers fork runs from, one of each kind for all of them; the
    kinds in `early` start now, beside the controller's own start-up work (rewriting the test
    modules: ~10 s of one core while the other waits), not when a worker first asks."""
    from tests.fakes import zygote_broker
    from tests.fakes.cli_zygote import Zygote
    from tests.faults.forkserver import ForkServer

    servers: list[ForkServer] = []

    def fork_server() -> dict[str, str]:
        if not servers or servers[-1].proc is None or servers[-1].proc.poll() is not None:
            servers.append(ForkServer())
            atexit.register(servers[-1].close)
        servers[-1].wait_ready()
        return {"path": servers[-1].socket_path}

    def zygote(kind: str) -> dict[str, str]:
        where = Zygote.started(kind).where()
        return {"path": where.path, "bin": str(where.bin)}

    kinds = {kind: partial(zygote, kind) for kind in ("cli", "ml", "table")}
    zygote_broker.serve({**kinds, "fork": fork_server}, early)


def rewrite_test_modules(config: pytest.Config) -> None:
    """Under xdist, the test modules' rewritten asserts, cached once for every worker (each
    rewrote all of them, ~4 s of CPU, when PYTHONDONTWRITEBYTECODE kept pytest from caching).
    pytest reads this cache itself; its helpers are private, so a pytest without them skips."""
    from fnmatch import fnmatch

    try:
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        for path in sorted((ROOT / "tests").rglob("*.py")):
            if path.name != "conftest.py" and not any(
                fnmatch(path.name, pattern) for pattern in config.getini("python_files")
            ):
                continue
            pyc = rewrite.get_cache_dir(path) / (path.name[:-3] + rewrite.PYC_TAIL)
            if rewrite._read_pyc(path, pyc, state.trace) is None and rewrite.try_makedirs(
                pyc.parent
            ):
                try:
                    source_hash, code = rewrite._rewrite_test(path, config)
                except (OSError, SyntaxError, ValueError):
                    continue  # its worker reports it as a collection error
                rewrite._write_pyc(state, code, source_hash, pyc)
    except (AttributeError, ImportError, KeyError, TypeError):
        return


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ML_INTERN_HOME and config dir; the user's are never read."""
    home = tmp_path / "ml-intern-home"
    monkeypatch.setenv("ML_INTERN_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("ML_INTERN_CLI_CONFIG", raising=False)
    monkeypatch.delenv("ML_INTERN_DATABASE_URL", raising=False)  # SQLite unless a test sets one
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    return home


@pytest.fixture(autouse=True)
def rules_not_dropped() -> Iterator[None]:
    """Each test runs as a process of its own: the rules whose hook raised in it (dropped for
    the rest of the process, tools/adaptation_guard.py) are back for the next, their records
    written into its own ML_INTERN_HOME first."""
    yield
    if (guard := sys.modules.get("tools.adaptation_guard")) is not None:
        guard.records_written()
        guard.FAILED_RULES.clear()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace"
    path.mkdir()
    return path


@pytest.fixture
def llm() -> Iterator[ScriptedLLMServer]:
    """A scripted OpenAI-compatible server; add Turns to it, read `.requests` afterwards."""
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture
def small_llm(llm: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch) -> ScriptedLLMServer:
    """`llm` serving the `llamacpp/` models (a small window's profile: the rules for weaker
    models apply to them)."""
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    return llm


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway cluster per test process; skipped outside CI when PostgreSQL is absent."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A throwaway redis-server for one test; skipped outside CI when Redis is absent."""
    with running_redis() as server:
        yield server


@pytest.fixture
def pg_url(postgres_cluster: PostgresCluster) -> str:
    """A fresh, empty database on the test process's cluster."""
    return postgres_cluster.new_database()
