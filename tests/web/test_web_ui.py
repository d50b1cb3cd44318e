"""`ml-intern web` end to end: the real server, the scripted LLM, a real browser.

A person chats, approves one bash call and rejects another with feedback, reloads the page,
and the thread then continues in the CLI. Also: a public bind needs a token, and the token
guards the page and the API alike; `--workers` is refused, pointing at the team server.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import (
    TIMEOUT_MS,
    bash,
    free_port,
    say,
    snap,
    start_web,
    stop_web,
    wait_for_ready,
)

pytest_plugins = ("tests.web.web_harness",)  # the fixtures: web, browser, page


async def test_chat_approve_reject_reload_then_the_cli_resumes(
    page: Page, web: str, llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    llm.add(Turn(content="Hello! Here is **bold**, `code` and a list:\n\n- one\n- two"))
    await say(page, "hi there")
    answer = page.locator(".msg.assistant").last
    await expect(answer).to_contain_text("Hello! Here is bold, code and a list:")
    await expect(answer.locator("strong")).to_have_text("bold")
    await expect(answer.locator("li")).to_have_count(2)
    chunks = await page.locator("#log").get_attribute("data-chunks")
    assert int(chunks or 0) > 1  # the answer arrived in pieces, rendered as they came
    assert "#thread=" in page.url

    llm.add(
        Turn(tool_calls=[bash("b1", "touch made.txt && echo made-it")]), Turn(content="Made it.")
    )
    await say(page, "make a file")
    await expect(page.get_by_role("button", name="Approve")).to_be_visible()
    await snap(page, tmp_path, "web-ui-approval.png")
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_text("Made it.")).to_be_visible()
    assert (workspace / "made.txt").exists()
    card = page.locator("details.tool").first
    await card.locator("summary").click()
    await expect(card.locator("pre.output")).to_contain_text("made-it")

    llm.add(Turn(tool_calls=[bash("b2", "touch other.txt")]), Turn(content="Understood, skipped."))
    await say(page, "make another")
    await page.get_by_role("button", name="Reject").click()
    await page.get_by_label("Feedback").fill("please use python instead")
    await page.get_by_role("button", name="Send feedback").click()
    await expect(page.get_by_text("Understood, skipped.")).to_be_visible()
    assert not (workspace / "other.txt").exists()
    tool_results = [m for m in llm.requests[-1]["messages"] if m["role"] == "tool"]
    assert "please use python instead" in str(tool_results[-1]["content"])
    await expect(page.locator("#usage")).to_contain_text(" in · ")
    await expect(page.get_by_role("button", name="Sign out")).to_have_count(0)  # no sign-in here

    await snap(page, tmp_path, "web-ui.png")
    await page.emulate_media(color_scheme="dark")
    await snap(page, tmp_path, "web-ui-dark.png")

    thread_id = page.url.split("#thread=")[1]
    await page.reload()
    await expect(page.get_by_text("Understood, skipped.")).to_be_visible()
    await expect(page.locator(".msg.user")).to_have_count(3)
    await expect(page.locator(".thread[aria-current]")).to_contain_text("hi there")
    await page.get_by_label("Search threads").fill("no such thread")
    await expect(page.locator(".thread")).to_have_count(0)

    # Another website open in the same browser cannot drive this tokenless loopback server:
    # neither a cross-site "simple" POST nor a DNS-rebound host name.
    async with httpx.AsyncClient(base_url=web, trust_env=False) as http:
        run = {
            "assistant_id": "ml_intern",
            "input": {"messages": [{"role": "user", "content": "rm"}]},
        }
        forged = await http.post(
            f"/threads/{thread_id}/runs", content=json.dumps(run),
            headers={"Origin": "https://evil.example", "Content-Type": "text/plain"},
        )  # fmt: skip
        assert forged.status_code == 403 and "evil.example" in forged.text
        host = web.removeprefix("http://").replace("127.0.0.1", "evil.example")
        rebound = await http.get(f"/threads/{thread_id}/state", headers={"Host": host})
        assert rebound.status_code == 403
        assert (await http.get(f"/threads/{thread_id}/state")).status_code == 200

    llm.add(Turn(content="back in the CLI"))
    async with open_session(fast_settings(llm.url), workspace, thread_id=thread_id) as session:
        events = await collect(session.send("and now?"))
        messages = await session.messages()
    assert events[-1].data["final_text"] == "back in the CLI"
    humans = [m.content for m in messages if m.type == "human"]
    assert humans == ["hi there", "make a file", "make another", "and now?"]


def test_a_public_bind_without_a_token_is_refused(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    args = ("--host", "0.0.0.0", "--port", str(free_port()))
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, *args)
    assert proc.wait(timeout=60) == 2
    assert "refusing to serve on 0.0.0.0 without an access token" in out.read_text()
    assert "ML_INTERN_WEB_TOKEN" in out.read_text() and "--token-file" in out.read_text()


def test_a_token_on_the_command_line_is_refused(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    """`ps` shows every process's argv to everyone on the machine."""
    args = ("--host", "0.0.0.0", "--port", str(free_port()), "--token", "s3cret")
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, *args)
    assert proc.wait(timeout=60) == 2
    assert "visible to everyone on this machine" in out.read_text()
    assert "--token-file" in out.read_text()


def test_workers_are_gone_and_the_command_and_config_say_where_they_went(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    """`--workers` and `server.workers` / `server.takeover_after_s` made several embedded
    servers share runs; the team server does that now, and both say so."""
    args = ("--port", str(free_port()), "--workers", "2")
    retired = {"server": {"workers": 2, "takeover_after_s": 15}}
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, *args, settings=retired)
    assert proc.wait(timeout=60) == 2
    said = out.read_text()
    assert "--workers is gone" in said and "--redis URL" in said and "ml-intern worker" in said
    for key in ("server.workers", "server.takeover_after_s"):
        assert f"key '{key}' in" in said and "is no longer used (ignored)" in said
    assert "Open:" not in said and "Traceback" not in said


def test_with_a_token_the_page_and_the_api_need_it(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    port = free_port()
    (tmp_path / "token").write_text("s3cret\n")
    args = ("--host", "0.0.0.0", "--port", str(port), "--token-file", str(tmp_path / "token"))
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, *args)
    try:
        wait_for_ready(proc, out)
        assert not [argv for argv in process_tree_argv(proc.pid) if "s3cret" in argv]
        url = f"http://127.0.0.1:{port}"
        assert f"Open: {url}/?token=s3cret" in out.read_text()
        with httpx.Client(base_url=url, trust_env=False, timeout=10) as client:
            assert client.get("/").status_code == 401
            assert client.get("/web/app.js").status_code == 401
            assert client.post("/threads/search", json={}).status_code == 401
            assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert client.get("/ok").status_code == 200
            # A WebSocket (LangGraph's v2 event streaming can start runs) is held to the same
            # token and origin rules: refused at the handshake.
            ws = f"ws://127.0.0.1:{port}/threads/{uuid.uuid4()}/stream/events"
            for headers in (
                {},
                {"Origin": "https://evil.example", "Cookie": "ml_intern_token=s3cret"},
            ):
                with pytest.raises(InvalidStatus) as refused:
                    connect(ws, additional_headers=headers, open_timeout=10).close()
                assert refused.value.response.status_code == 403
            entry = client.get("/?token=s3cret")
            assert (
                entry.status_code == 303 and "ml_intern_token=s3cret" in entry.headers["set-cookie"]
            )
            client.cookies.set("ml_intern_token", "s3cret")
            page = client.get("/")
            assert "<textarea" in page.text
            # Not a Space: no site may show this page in a frame.
            assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
            assert "huggingface.co" not in page.headers["content-security-policy"]
            assert client.get("/web/info").json()["sign_in"] is False
            assert client.post("/threads/search", json={}).json() == []  # nothing was started
        assert stop_web(proc) == 0
    finally:
        stop_web(proc)


def process_tree_argv(pid: int) -> list[str]:
    """The command lines of `pid`'s process group (the CLI, the server, its workers)."""
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pid:
                    lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except (OSError, ProcessLookupError):
                continue
    assert lines, "the server's processes were not found"
    return lines


@pytest.mark.parametrize("command", ["web", "worker"])
def test_a_team_server_without_a_shared_secret_does_not_start(
    command: str, isolated_home: Path, workspace: Path
) -> None:
    """Replicas and workers check each other's approval records: without one secret they
    share, a run one approved would be refused by another (or, worse, keyed by nothing)."""
    env = {k: v for k, v in os.environ.items() if k not in ("ML_INTERN_SESSION_SECRET",
                                                              "OAUTH_CLIENT_SECRET")}  # fmt: skip
    argv = [sys.executable, "-m", "cli", command, "--db", "postgresql://me@127.0.0.1:1/none",
            "--redis", "redis://127.0.0.1:1/0"]  # fmt: skip
    done = zygote_run(argv, cwd=workspace, env=env, text=True, timeout=60)
    assert done.returncode == 2
    assert (
        "set ML_INTERN_SESSION_SECRET" in done.stderr and "every replica and worker" in done.stderr
    )
    assert "Traceback" not in done.stderr and not any(isolated_home.glob("**/team-*.log"))
