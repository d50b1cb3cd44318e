"""MCP servers: config translation, real stdio servers, HTTP with auth, failures, an agent run.

The real servers (mcp-server-git, mcp-server-time) start once for the module, on one event
loop; the failure cases use tests/fakes/mcp_stdio_server.py, which starts in milliseconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.fakes.mcp_http_server import McpHttpServer
from tests.fakes.mcp_servers import real_servers_bin
from tools.external.mcp import (
    McpConfigError,
    McpManager,
    format_status,
    open_mcp,
    server_config,
    tool_name,
)
from tools.policy import PolicyContext, decide

module_loop = pytest.mark.asyncio(loop_scope="module")
ROOT = Path(__file__).resolve().parents[2]
FAKE = {"command": sys.executable, "args": ["-m", "tests.fakes.mcp_stdio_server"], "cwd": str(ROOT)}


# --- config ---------------------------------------------------------------------------------


def test_stdio_config_becomes_an_adapters_connection() -> None:
    raw = {"command": "uvx", "args": ["mcp-server-git", 3], "env": {"A": "${X}"}, "cwd": "~/x"}
    config = server_config("git", raw, env={"X": "1"})
    assert config.connection == {
        "transport": "stdio",
        "command": "uvx",
        "args": ["mcp-server-git", "3"],
        "env": {"A": "1"},
        "cwd": str(Path("~/x").expanduser()),
    }
    assert config.approval is None and config.timeout_s == 60


@pytest.mark.parametrize("kind", ["http", "streamable_http", "streamable-http"])
def test_http_config_uses_transport_never_type(kind: str) -> None:
    raw = {"type": kind, "url": "https://x/mcp", "headers": {"Authorization": "Bearer ${T:-dflt}"}}
    config = server_config("docs", {**raw, "approval": "auto", "timeout": 5}, env={})
    assert config.connection == {
        "transport": "streamable_http",
        "url": "https://x/mcp",
        "headers": {"Authorization": "Bearer dflt"},
        "timeout": 5.0,
    }
    assert "type" not in config.connection and config.approval == "auto"
    assert server_config("s", {"transport": "sse", "url": "u"}).connection["transport"] == "sse"
    assert server_config("u", {"url": "https://x"}).connection["transport"] == "streamable_http"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"command": "x", "env": {"K": "${NOPE}"}}, "NOPE"),
        ({"transport": "websocket", "url": "ws://x"}, "needs a known transport"),
        ({"transport": "http"}, 'needs a "url"'),
        ({"args": ["x"]}, 'needs a "command" (stdio) or a "url"'),
        ({"command": "x", "approval": "never"}, "key 'approval': Input should be 'auto' or 'ask'"),
        ({"command": "x", "args": "--flag"}, "key 'args'"),
    ],
)
def test_bad_configs_name_the_server_and_the_fix(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(McpConfigError, match="'bad'") as error:
        server_config("bad", raw, env={})
    assert message in str(error.value)


def test_tool_names_are_sanitised_and_short() -> None:
    assert tool_name("my server", "get.time") == "my_server__get_time"
    long = tool_name("s" * 40, "t" * 40)
    assert len(long) == 64 and long.startswith("s" * 40 + "__")
    assert long != tool_name("s" * 40, "t" * 39 + "u")
    taken = {"a__b"}
    assert tool_name("a", "b", taken) != "a__b"


# --- real servers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def git_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("repo")
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "train.py").write_text("print('train')\n")
    subprocess.run([*git, "add", "train.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "Add the training script"], check=True)
    return repo


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def real(
    git_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[McpManager]:
    bin_dir = real_servers_bin()
    servers = {
        "git": {
            "command": str(bin_dir / "mcp-server-git"),
            "args": ["--repository", str(git_repo)],
        },
        "time": {"command": str(bin_dir / "mcp-server-time"), "args": ["--local-timezone", "UTC"]},
    }
    async with open_mcp(servers, log_dir=tmp_path_factory.mktemp("logs")) as manager:
        yield manager


def specs_of(manager: McpManager) -> dict[str, Any]:
    return {spec.name: spec for spec in manager.specs()}


@module_loop
async def test_real_servers_list_prefixed_tools_with_approval_from_hints(real: McpManager) -> None:
    specs = specs_of(real)
    assert {"time__get_current_time", "time__convert_time", "git__git_log"} <= set(specs)
    ctx = PolicyContext(mode="interactive")
    assert decide("git__git_log", {}, specs["git__git_log"].approval, ctx) == "auto"
    assert decide("git__git_commit", {}, specs["git__git_commit"].approval, ctx) == "ask"
    assert (
        decide("time__get_current_time", {}, specs["time__get_current_time"].approval, ctx)
        == "auto"
    )
    listing = format_status(real.status())
    assert "git (stdio): connected" in listing and "time__convert_time" in listing
    assert real.take_warnings() == []


@module_loop
async def test_real_servers_answer_over_one_persistent_session(
    real: McpManager, git_repo: Path
) -> None:
    specs = specs_of(real)
    log = await specs["git__git_log"].tool.ainvoke({"repo_path": str(git_repo), "max_count": 5})
    assert "Add the training script" in log
    task = real.connections["time"]._task
    now = await specs["time__get_current_time"].tool.ainvoke({"timezone": "UTC"})
    assert '"timezone": "UTC"' in now
    started = time.monotonic()
    await specs["time__get_current_time"].tool.ainvoke({"timezone": "Europe/Paris"})
    assert time.monotonic() - started < 1.0  # no new process per call
    assert real.connections["time"]._task is task


@module_loop
async def test_a_tool_error_reaches_the_model_as_an_error(real: McpManager) -> None:
    tool = specs_of(real)["time__get_current_time"].tool
    message = await tool.ainvoke(
        {"type": "tool_call", "id": "t1", "name": tool.name, "args": {"timezone": "Mars/Olympus"}}
    )
    assert message.status == "error" and "Mars/Olympus" in str(message.content)


@module_loop
async def test_agent_reads_git_history_and_a_commit_needs_approval(
    real: McpManager, git_repo: Path, llm: Any, workspace: Path
) -> None:
    from tests.fakes.agent import collect, fast_settings, open_session
    from tests.fakes.llm_server import Turn
    from tests.fakes.transcript_checks import tool_results
    from tools.families import build_catalog

    repo = str(git_repo)
    llm.add(
        Turn(tool_calls=[call("git__git_log", "l1", repo_path=repo, max_count=3)]),
        Turn(tool_calls=[call("git__git_commit", "c1", repo_path=repo, message="wip")]),
        Turn(content="The last commit added the training script."),
    )
    settings = fast_settings(llm.url)
    catalog = build_catalog(settings).extended(real.specs())
    async with open_session(settings, workspace, catalog=catalog) as session:
        events = await collect(session.send("What changed last in the repo? Then commit."))
        asked = [e for e in events if e.type == "approval_required"]
        assert [r["name"] for r in asked[0].data["action_requests"]] == ["git__git_commit"]
        events = await collect(session.resume([{"type": "reject", "message": "no commits"}]))
    assert "Add the training script" in tool_results(llm.requests[1])["l1"]
    assert "no commits" in tool_results(llm.requests[2])["c1"]
    assert "git__git_log" in {t["function"]["name"] for t in llm.requests[0]["tools"]}
    assert events[-1].data["stop_reason"] == "done"


# --- failures (fast fake server) ------------------------------------------------------------


@module_loop
async def test_dead_missing_and_hung_servers_warn_once_and_others_carry_on(
    tmp_path: Path,
) -> None:
    servers = {
        "fake": FAKE,
        "missing": {"command": "no-such-mcp-server-command"},
        "hung": {**FAKE, "args": [*FAKE["args"], "--hang"], "timeout": 0.5},
        "off": {**FAKE, "disabled": True},
    }
    started = time.monotonic()
    async with open_mcp(servers, log_dir=tmp_path) as manager:
        assert time.monotonic() - started < 10
        assert {s.name.split("__")[0] for s in manager.specs()} == {"fake"}
        warnings = manager.take_warnings()
        assert len(warnings) == 2 and manager.take_warnings() == []
        assert any("'missing'" in w and "command not found" in w for w in warnings)
        assert any("'hung'" in w and "did not answer within 0.5 s" in w for w in warnings)
        status = {s.name: s for s in manager.status()}
        assert status["missing"].status == "failed" and status["missing"].tools == []
        assert "off" not in status
        echo = specs_of(manager)["fake__echo"].tool
        assert await echo.ainvoke({"text": "still here"}) == "still here"


@module_loop
async def test_a_server_that_dies_is_reported_once_and_reconnected_on_next_use() -> None:
    async with open_mcp({"fake": FAKE}) as manager:
        specs = specs_of(manager)
        crash = await specs["fake__crash"].tool.ainvoke(
            {"type": "tool_call", "id": "x", "name": "fake__crash", "args": {}}
        )
        assert crash.status == "error" and "restarted on next use" in str(crash.content)
        assert manager.status()[0].status == "failed"
        assert len(manager.take_warnings()) == 1
        assert await specs["fake__echo"].tool.ainvoke({"text": "back"}) == "back"
        assert manager.status()[0].status == "connected"

        # Killed while idle: shown as failed at once; the next call starts a new server.
        before = child_pids("tests.fakes.mcp_stdio_server")
        assert len(before) == 1, before  # exactly this manager's server
        os.kill(before[0], signal.SIGKILL)
        await until(lambda: manager.status()[0].status == "failed")
        assert not alive(before[0])
        assert await specs["fake__echo"].tool.ainvoke({"text": "again"}) == "again"
        after = child_pids("tests.fakes.mcp_stdio_server")
        assert len(after) == 1 and after != before


@module_loop
async def test_in_a_run_a_crash_is_one_warning_event_and_the_agent_carries_on(
    llm: Any, workspace: Path
) -> None:
    from tests.fakes.agent import collect, fast_settings, open_session
    from tests.fakes.llm_server import Turn
    from tests.fakes.transcript_checks import tool_results
    from tools.families import build_catalog

    llm.add(
        Turn(tool_calls=[call("fake__crash", "c1"), call("glob", "g1", pattern="*")]),
        Turn(tool_calls=[call("fake__crash", "c2")]),
        Turn(tool_calls=[call("fake__echo", "e1", text="recovered")]),
        Turn(content="ok"),
    )
    settings = fast_settings(llm.url)
    async with open_mcp({"fake": FAKE}) as manager:
        catalog = build_catalog(settings).extended(manager.specs())
        async with open_session(settings, workspace, catalog=catalog, mode="headless") as session:
            events = await collect(session.send("try the fake server"))
    warnings = [e for e in events if e.type == "error" and e.data.get("warning")]
    assert len(warnings) == 1 and "'fake'" in warnings[0].data["message"]
    assert "restarted on next use" in tool_results(llm.requests[1])["c1"]
    assert tool_results(llm.requests[3])["e1"] == "recovered"
    assert events[-1].data["stop_reason"] == "done"


@module_loop
async def test_servers_get_only_their_env_and_approval_can_be_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_FOR_TEST_TOKEN", "do-not-leak")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-do-not-leak")
    monkeypatch.setenv("GCP_CREDENTIALS_JSON", "{do-not-leak}")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")  # a shell that works offline
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/corp-ca.pem")
    servers = {"fake": {**FAKE, "env": {"GIVEN": "yes"}, "approval": "auto"}}
    async with open_mcp(servers) as manager:
        specs = specs_of(manager)
        env = specs["fake__env"].tool
        assert await env.ainvoke({"name": "GIVEN"}) == "yes"
        for secret in ("SECRET_FOR_TEST_TOKEN", "AWS_SECRET_ACCESS_KEY", "GCP_CREDENTIALS_JSON"):
            assert await env.ainvoke({"name": secret}) == "<unset>", secret
        assert await env.ainvoke({"name": "PATH"}) != "<unset>"
        # The rest of the user's environment is inherited: proxies and CA bundles work.
        assert await env.ainvoke({"name": "HTTPS_PROXY"}) == "http://proxy.example:3128"
        assert await env.ainvoke({"name": "SSL_CERT_FILE"}) == "/etc/corp-ca.pem"
        ctx = PolicyContext(mode="interactive")
        assert decide("fake__write_note", {}, specs["fake__write_note"].approval, ctx) == "auto"
        failed = await specs["fake__fail"].tool.ainvoke(
            {"type": "tool_call", "id": "f", "name": "fake__fail", "args": {}}
        )
        assert failed.status == "error" and "failed on purpose" in str(failed.content)
    async with open_mcp({"fake": FAKE}) as manager:
        specs = specs_of(manager)
        assert decide("fake__write_note", {}, specs["fake__write_note"].approval, ctx) == "ask"
        assert decide("fake__echo", {}, specs["fake__echo"].approval, ctx) == "auto"


@module_loop
async def test_a_call_that_hangs_times_out_and_the_server_restarts() -> None:
    # The timeout bounds every request, initialize too: the server's start and its restart
    # must fit in it on a loaded machine (a Python start there can take seconds), and the
    # call must never answer within it (the sleeping server exits when the test closes it).
    async with open_mcp({"fake": {**FAKE, "timeout": 3}}) as manager:
        assert manager.take_warnings() == []  # it started
        specs = specs_of(manager)
        slow = await specs["fake__slow"].tool.ainvoke(
            {"type": "tool_call", "id": "s", "name": "fake__slow", "args": {"seconds": 60}}
        )
        assert slow.status == "error" and "did not answer within 3 s" in str(slow.content)
        assert await specs["fake__echo"].tool.ainvoke({"text": "ok"}) == "ok"


@module_loop
async def test_http_server_gets_the_authorization_header_from_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_MCP_TOKEN", "s3cret")
    with McpHttpServer(token="s3cret") as server:
        headers = {"Authorization": "Bearer ${FAKE_MCP_TOKEN}"}
        servers = {
            "calc": {"transport": "http", "url": server.url, "headers": headers},
            # Its timeout is far longer than a loaded machine needs to get the 401 back.
            "nokey": {"transport": "http", "url": server.url, "timeout": 30},
        }
        started = time.monotonic()
        async with open_mcp(servers) as manager:
            assert time.monotonic() - started < 30  # a 401 fails fast, not after the timeout
            specs = specs_of(manager)
            assert set(specs) == {"calc__add", "calc__shout"}
            assert await specs["calc__add"].tool.ainvoke({"a": 2, "b": 40}) == "42"
            ctx = PolicyContext(mode="interactive")
            assert decide("calc__add", {}, specs["calc__add"].approval, ctx) == "auto"
            assert decide("calc__shout", {}, specs["calc__shout"].approval, ctx) == "ask"
            warning = manager.take_warnings()[0]
            assert "'nokey'" in warning and "401" in warning  # not "did not answer within"
        assert "Bearer s3cret" in server.auth_headers and None in server.auth_headers


def alive(pid: int) -> bool:
    """Running (a zombie, killed but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def until(condition: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def child_pids(marker: str) -> list[int]:
    """Our running child processes whose command line contains `marker` (zombies left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and marker in cmdline and stat[0] != "Z":
            found.append(int(entry.name))
    return found


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


@module_loop
async def test_a_server_that_fails_to_start_is_reported_with_its_stderr(tmp_path: Path) -> None:
    script = (
        "import sys; print('starting'); "
        "print('error: cannot reach the index via proxy', file=sys.stderr); "
        "print('token hf_abcdefghijklmnopqrstuvwxyz12 rejected', file=sys.stderr); sys.exit(3)"
    )
    servers = {"broken": {"command": sys.executable, "args": ["-c", script]}}
    async with open_mcp(servers, log_dir=tmp_path) as manager:
        (warning,) = manager.take_warnings()
    assert "'broken' is unavailable" in warning
    assert "error: cannot reach the index via proxy" in warning
    assert "hf_abcdefghijklmnopqrstuvwxyz12" not in warning  # stderr is redacted
    assert str(tmp_path / "mcp-broken__stderr.log") in warning


# --- a server's own stderr log -----------------------------------------------------------------

PLANTED_TOKEN = "acme_" + "Zr7pV2kWq9Ls4Nd1Xt6Hy3"  # the server's token (shares no run with
# test_secrets's values: masking remembers a server's token for the whole process)
DUMP_ENV = (
    "import os, sys; print('config: ACME_TOKEN=' + os.environ['ACME_TOKEN'], file=sys.stderr)"
)


def planted_runs(value: str) -> list[str]:
    return [value[i : i + 12] for i in range(len(value) - 11)]


def leaked(text: str) -> list[str]:
    return [run for run in planted_runs(PLANTED_TOKEN) if run in text]


@module_loop
async def test_a_failing_server_that_prints_its_token_leaves_no_token_in_its_log(
    tmp_path: Path,
) -> None:
    """A server that dumps its config to stderr and exits: the log is kept, masked."""
    script = DUMP_ENV + "; print('giving up', file=sys.stderr); sys.exit(3)"
    server = {
        "command": sys.executable,
        "args": ["-c", script],
        "env": {"ACME_TOKEN": PLANTED_TOKEN},
    }
    async with open_mcp({"leaky": server}, log_dir=tmp_path) as manager:
        (warning,) = manager.take_warnings()
    log = (tmp_path / "mcp-leaky__stderr.log").read_text()
    assert "giving up" in warning and "giving up" in log
    assert "config: ACME_TOKEN=[REDACTED:ACME_TOKEN]" in log
    assert leaked(log) == [] and leaked(warning) == []


@module_loop
async def test_a_running_server_that_prints_its_token_leaves_no_token_in_its_log(
    tmp_path: Path,
) -> None:
    """A server that logs its token to stderr while it serves: the log has the line, masked."""
    serve = "import runpy; runpy.run_module('tests.fakes.mcp_stdio_server', run_name='__main__')"
    script = DUMP_ENV.replace("file=sys.stderr)", "file=sys.stderr, flush=True)") + "; " + serve
    server = {**FAKE, "args": ["-c", script], "env": {"ACME_TOKEN": PLANTED_TOKEN}}
    log = tmp_path / "mcp-leaky__stderr.log"
    async with open_mcp({"leaky": server}, log_dir=tmp_path) as manager:
        assert await manager.call("leaky", "echo", {"text": "hi"}) == "hi"
        await until(lambda: "config:" in log.read_text(), timeout=30)
    assert "config: ACME_TOKEN=[REDACTED:ACME_TOKEN]" in log.read_text()
    assert leaked(log.read_text()) == []
