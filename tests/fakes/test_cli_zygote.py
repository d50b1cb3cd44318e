"""The zygote's runs behave as fresh `python -m cli` processes do, to the tests that use them."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import cli_env
from tests.fakes import import_watch
from tests.fakes.cli_zygote import (
    LITELLM_ENV,
    ML_ENV,
    InstalledScriptPopen,
    UvRunPopen,
    Zygote,
    ZygotePopen,
    forked_cpu_s,
)
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.import_watch import Watch
from tests.fakes.llm_server import ScriptedLLMServer, Turn

CLI = [sys.executable, "-m", "cli"]
REPO = Path(__file__).resolve().parents[2]


def test_a_run_has_its_own_output_exit_code_and_place(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "200"}
    for args in (["--version"], ["--no-such-flag"]):
        forked = zygote_run([*CLI, *args], cwd=tmp_path, env=env, text=True, timeout=60)
        fresh = subprocess.run(
            [*CLI, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert (forked.returncode, forked.stdout, forked.stderr) == (
            fresh.returncode,
            fresh.stdout,
            fresh.stderr,
        )
    assert forked.returncode == 2 and "no-such-flag" in forked.stderr


def test_this_checkouts_uv_run_forks_and_says_what_uv_run_says(tmp_path: Path) -> None:
    """The ML-task runner's command for ours forks; any other command starts as it is."""
    argv = ["uv", "run", "--project", str(REPO), "ml-intern", "--version"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with UvRunPopen(argv, cwd=tmp_path, **pipes) as forked:
        out, err = forked.communicate(timeout=60)
    fresh = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert not forked._fresh and (forked.returncode, out) == (0, fresh.stdout), err
    with UvRunPopen(["uv", "--version"], cwd=tmp_path, **pipes) as other:
        out, _ = other.communicate(timeout=60)
    assert other._fresh and out.startswith("uv ")


def test_the_venvs_python_c_forks_as_a_fresh_python_c_runs(tmp_path: Path) -> None:
    """`.venv/bin/python -c CODE ARGS` (the start-up bench's `import litellm`): `__main__`,
    `sys.argv` and `sys.path[0]` as a fresh interpreter has them, its exit code and stderr."""
    code = "import sys; print(__name__, sys.argv, repr(sys.path[0])); sys.exit('no')"
    argv = [str(REPO / ".venv" / "bin" / "python"), "-c", code, "a"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with InstalledScriptPopen(argv, cwd=tmp_path, **pipes) as forked:
        out, err = forked.communicate(timeout=60)
    fresh = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert not forked._fresh and forked.cpu_s is not None
    assert (
        (forked.returncode, out, err)
        == (fresh.returncode, fresh.stdout, fresh.stderr)
        == (1, "__main__ ['-c', 'a'] ''\n", "no\n")
    )


def test_a_killed_run_reports_the_signal_like_popen(tmp_path: Path) -> None:
    env = {**os.environ, "ML_INTERN_HOME": str(tmp_path / "home")}
    with ZygotePopen(
        [*CLI, "-"], cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    ) as run:  # fmt: skip
        assert run.pid != os.getpid() and run.poll() is None  # waiting on its stdin
        run.send_signal(signal.SIGKILL)
        assert run.wait(30) == -signal.SIGKILL
        assert run.poll() == -signal.SIGKILL


def _hang_up_after_asking(request: dict[str, object], stdin: int) -> int:
    """Ask the CLI zygote for a run as the `langgraph` shim does, then hang up: its pid."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn, open(os.devnull, "wb") as out:
        conn.connect(Zygote.shared("cli").path)
        socket.send_fds(
            conn, [json.dumps(request).encode() + b"\n"], [stdin, out.fileno(), out.fileno()]
        )
        return int(conn.makefile().readline())


def test_a_tied_run_dies_with_its_client_and_the_zygote_serves_on(tmp_path: Path) -> None:
    """The shim's server (tied) goes when the shim does; an untied run outlives its client."""
    stdin, held = os.pipe()  # the runs read stdin to its end: they wait until `held` closes
    try:
        request = {"code": "import sys; sys.stdin.read()", "argv": [], "cwd": str(tmp_path),
                   "env": dict(os.environ), "new_session": True}  # fmt: skip
        untied = os.pidfd_open(_hang_up_after_asking(request, stdin))
        tied = os.pidfd_open(_hang_up_after_asking({**request, "tied": True}, stdin))
        assert select.select([tied], [], [], 30)[0]  # killed, not waiting on stdin
        assert not select.select([untied], [], [], 0)[0]  # still waiting on stdin
    finally:
        os.close(held)
        os.close(stdin)
    assert select.select([untied], [], [], 30)[0]
    done = zygote_run([*CLI[:1], "-c", "print('served')"], cwd=tmp_path, env=dict(os.environ))
    assert (done.returncode, done.stdout) == (0, b"served\n")


SCRIPT = """import json, os, random, sys
seen = [__name__, sys.argv, sys.path[0], os.getcwd(), os.environ["ASKED"]]
print(json.dumps(seen), "torch" in sys.modules)
print(random.random(), file=sys.stderr)
sys.exit(3)
"""


def test_a_script_runs_as_main_with_its_argv_place_and_environment(tmp_path: Path) -> None:
    script = tmp_path / "tool" / "train.py"
    script.parent.mkdir()
    script.write_text(SCRIPT)
    env = {**os.environ, **ML_ENV, "ASKED": "yes"}
    argv = [sys.executable, str(script), "--steps", "3"]
    forked = [zygote_run(argv, cwd=tmp_path, env=env, text=True, timeout=60) for _ in range(2)]
    fresh = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True)
    seen = json.loads(fresh.stdout.rsplit(" ", 1)[0])
    assert seen == ["__main__", argv[1:], str(script.parent), str(tmp_path), "yes"]
    for run in forked:
        assert run.returncode == fresh.returncode == 3
        assert run.stdout.replace("True", "False") == fresh.stdout  # torch is only preloaded
    assert forked[0].stderr != forked[1].stderr  # each run's RNG is seeded afresh
    with pytest.raises(ValueError, match="OMP_NUM_THREADS"):
        zygote_run(argv, cwd=tmp_path, env={**env, "OMP_NUM_THREADS": "4"}, timeout=60)


def test_the_cpu_of_a_forked_run_is_counted_for_the_process_that_waited_for_it(
    tmp_path: Path,
) -> None:
    """bench/suite_profile.py reads it per test: a zygote run is no child of the test worker."""
    script = tmp_path / "spin.py"
    script.write_text(
        "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end:\n    pass\n"
    )
    before = forked_cpu_s()
    run = zygote_run([sys.executable, str(script)], cwd=tmp_path, env={**os.environ, **ML_ENV})
    assert run.returncode == 0
    assert forked_cpu_s() - before >= 0.3


def test_a_run_finds_with_the_prebuilt_secret_rules_what_a_fresh_process_finds(
    tmp_path: Path,
) -> None:
    text = "token ghp_" + "a1B2c3D4e5" * 3 + "aBcDeF\nkey=AKIA" + "Z7QW3RTY5UIO2PAS" + "\n"
    argv = [sys.executable, "-m", "tests.fakes.prebuilt_secret_rules"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    forked = zygote_run(argv, input=text, cwd=tmp_path, env=env, text=True, timeout=60)
    fresh = subprocess.run(
        argv, input=text, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert forked.returncode == 0 == fresh.returncode, (forked.stderr, fresh.stderr)
    forked_found, fresh_found = json.loads(forked.stdout), json.loads(fresh.stdout)
    assert forked_found["prebuilt"] and not fresh_found["prebuilt"]
    assert forked_found["found"] == fresh_found["found"] != []


def test_a_run_starts_with_the_tools_formats_made_and_makes_the_ones_a_fresh_process_makes(
    tmp_path: Path,
) -> None:
    argv = [sys.executable, "-m", "tests.fakes.prebuilt_tool_formats"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    forked = zygote_run(argv, cwd=tmp_path, env=env, text=True, timeout=60)
    fresh = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert forked.returncode == 0 == fresh.returncode, (forked.stderr, fresh.stderr)
    forked_found, fresh_found = json.loads(forked.stdout), json.loads(fresh.stdout)
    assert forked_found["started_with"] >= 20 and fresh_found["started_with"] == 0
    assert forked_found["formats"] == fresh_found["formats"] != []


def test_a_run_starts_with_the_cli_commands_built_as_typer_builds_them(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "tests.fakes.prebuilt_commands"]
    forked = zygote_run(argv, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, text=True)
    assert forked.returncode == 0, forked.stderr
    seen = json.loads(forked.stdout)
    assert len(seen) >= 7 and all(app == {"prebuilt": True, "same": True} for app in seen.values())


def test_a_run_starts_with_our_modules_unless_its_environment_differs_in_what_they_read(
    tmp_path: Path,
) -> None:
    argv = [sys.executable, "-m", "tests.fakes.import_watch", "graph.session", "cli.launch"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("TYPER_USE_RICH", None)
    forked = zygote_run(argv, cwd=tmp_path, env=env, text=True, timeout=60)
    assert json.loads(forked.stdout)["started_with"] == ["graph.session", "cli.launch"]
    # typer reads it when `cli` imports it: a run that sets it imports `cli` itself
    assert json.loads(forked.stdout)["read_at_import"]["TYPER_USE_RICH"] is None
    differs = zygote_run(argv, cwd=tmp_path, env={**env, "TYPER_USE_RICH": "0"}, text=True)
    assert json.loads(differs.stdout) == {"started_with": [], "read_at_import": {}}
    assert differs.returncode == 0, differs.stderr


def test_configs_sets_the_litellm_environment_each_forked_cli_run_gets(
    tmp_path: Path, llm: ScriptedLLMServer
) -> None:
    without = {k: v for k, v in os.environ.items() if k not in LITELLM_ENV}
    code = "import json, os; seen = dict(os.environ); import configs; " + (
        "print(json.dumps({k: v for k, v in os.environ.items() if seen.get(k) != v}))"
    )
    fresh = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=without,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert json.loads(fresh.stdout) == LITELLM_ENV, fresh.stderr
    env = {k: v for k, v in cli_env(tmp_path).items() if k not in LITELLM_ENV}
    env["OPENAI_API_BASE"] = llm.url
    command = "printenv LITELLM_LOCAL_MODEL_COST_MAP LITELLM_MODE > seen.txt"
    llm.add(Turn(tool_calls=[{"name": "bash", "arguments": {"command": command}}]))
    llm.add(Turn(content="Done."))
    args = [*CLI, "--model", "openai/scripted-model", "--yolo", "-"]
    done = zygote_run(args, input="go\n", cwd=tmp_path, env=env, text=True, timeout=100)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "seen.txt").read_text().split() == list(LITELLM_ENV.values())


def test_an_import_that_reads_what_a_run_sees_differently_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "probe_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "reads_env.py").write_text("import os\nMODE = os.environ.get('PROBE_MODE')\n")
    (package / "reads_cwd.py").write_text("from pathlib import Path\nHERE = Path.cwd()\n")
    (package / "keeps_stdout.py").write_text("import sys\nOUT = sys.stdout\n")
    (package / "writes_env.py").write_text("import os\nos.environ['PROBE_SET'] = '1'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PROBE_MODE", "fast")
    readable = (str(tmp_path), *import_watch.READABLE)
    watch = import_watch.watched_import(
        ("probe_pkg.reads_env",), ("probe_pkg",), Watch(readable=readable)
    )
    assert watch.environment == {"PROBE_MODE": "fast"}
    assert watch.differs({"PROBE_MODE": "slow"}) == ["PROBE_MODE"] and not watch.differs(
        {"PROBE_MODE": "fast"}
    )
    for name, said in [("reads_cwd", "probe_pkg.reads_cwd reads the working directory"),
                       ("keeps_stdout", "probe_pkg.keeps_stdout.OUT keeps a standard stream"),
                       ("writes_env", "probe_pkg.writes_env writes the environment")]:  # fmt: skip
        monkeypatch.delenv("PROBE_SET", raising=False)
        with pytest.raises(import_watch.ImportWatchError, match=said):
            import_watch.watched_import(
                (f"probe_pkg.{name}",), ("probe_pkg",), Watch(readable=readable)
            )
