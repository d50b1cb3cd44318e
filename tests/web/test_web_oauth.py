"""`ml-intern web` as on a Space with `hf_oauth`: people sign in with Hugging Face.

The real `ml-intern web` subprocess, bound to 0.0.0.0 with no access token, the Space's OAuth
variables pointing at a local provider (tests/fakes/hf_oauth_server.py), the Hub at the fake
Hub and the model at the scripted LLM serving as the Hugging Face router. Alice and Bob sign
in by following the real redirects (httpx). Alice's thread is hers: Bob gets 404 and never
sees it; each run's Hub and router calls carry its own person's token, never the Space
owner's; no token reaches the model, the thread store, the server's files or its log.

Most tests share one Space for the module (`shared`: each signs in afresh and checks only
threads, jobs and requests of its own); a test that stops its server, or needs another
configuration, starts its own (`space`).
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.cli_zygote import ZygotePopen
from tests.fakes.hf_oauth_server import FakeOAuth, FakeUser
from tests.fakes.hub_server import FakeHub
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import (
    Chromium,
    free_port,
    module_env,
    snap,
    start_web,
    stop_web,
    wait_for_ready,
)

pytest_plugins = ("tests.web.web_harness",)  # the fixture: chromium

ALICE = FakeUser("u-alice-0001", "alice", "hf_oauthAliceToken0123456789abcdef")
BOB = FakeUser("u-bob-0002", "bob", "hf_oauthBobToken0123456789abcdefgh")
OWNER_TOKEN = "hf_spaceOwnerToken0123456789abcdef"  # the Space's own HF_TOKEN: never used
ROUTER_MODEL = "scripted-org/scripted-model"  # not a litellm provider: the HF router
ALICE_MODEL, BOB_MODEL = "alice-org/alice-model", "bob-org/bob-model"  # router ids too
SPACE_HOST = "someone-ml-intern.hf.space"


@dataclass
class Space:
    url: str
    home: Path
    provider: FakeOAuth
    hub: FakeHub
    llm: ScriptedLLMServer
    cli_thread: str | None  # None: a Space made without one (`serve_space`'s `cli_thread_first`)
    proc: subprocess.Popen[bytes]
    workspace: Path


def cli_thread(llm: ScriptedLLMServer, workspace: Path) -> str:
    """A thread made in the CLI before the server starts (it has no owner)."""
    import asyncio

    async def make() -> str:
        llm.add(Turn(content="a private CLI answer"))
        async with open_session(fast_settings(llm.url), workspace) as session:
            await collect(session.send("cli secret question"))
            return str(session.thread_id)

    return asyncio.run(make())


def server_env(home: Path, config: Path, provider: FakeOAuth, hub: FakeHub, llm_url: str) -> dict:
    env = {**os.environ, "ML_INTERN_HOME": str(home), "ML_INTERN_CLI_CONFIG": str(config)}
    env.pop("ML_INTERN_WEB_TOKEN", None)
    env.pop("SPACE_HOST", None)
    env.update(
        OAUTH_CLIENT_ID=provider.client_id,
        OAUTH_CLIENT_SECRET=provider.client_secret,
        OAUTH_SCOPES="openid profile inference-api read-repos write-repos manage-repos",
        OPENID_PROVIDER_URL=provider.url,
        HF_ENDPOINT=hub.url,
        ML_INTERN_DATASETS_SERVER_URL=hub.url,
        HF_ROUTER_URL=llm_url,
        HF_TOKEN=OWNER_TOKEN,
    )
    return env


@pytest.fixture
def space(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> Iterator[Space]:
    """A Space of this test's own."""
    yield from serve_space(llm, isolated_home, workspace, tmp_path)


@pytest.fixture(scope="module")
def module_shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Space]:
    yield from module_space(tmp_path_factory)


@pytest.fixture
def shared(module_shared: Space) -> Space:
    """The module's Space, its scripted model emptied and its provider as new for this test."""
    module_shared.llm.reset()
    module_shared.provider.next_user = None
    module_shared.provider.expires_in = FakeOAuth.expires_in
    return module_shared


@pytest.fixture
def space_on_the_hub(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> Iterator[Space]:
    """As deployed: the Space sets SPACE_HOST and serves its page over https (its one test
    reads cookies only: no CLI thread is made first)."""
    yield from serve_space(
        llm, isolated_home, workspace, tmp_path, space_host=SPACE_HOST, cli_thread_first=False
    )


def module_space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Space]:
    """One Space for a module's tests (a module-scoped fixture yields from this): each signs
    in afresh and makes threads of its own; the module resets `space.llm` before each."""
    root = tmp_path_factory.mktemp("module-space")
    (root / "workspace").mkdir()
    with module_env(root) as home, ScriptedLLMServer() as llm:
        yield from serve_space(llm, home, root / "workspace", root)


def serve_space(
    llm: ScriptedLLMServer,
    home: Path,
    workspace: Path,
    tmp_path: Path,
    space_host: str | None = None,
    cli_thread_first: bool = True,
) -> Iterator[Space]:
    """A Space on `llm` while the generator is suspended; with `cli_thread_first`, a thread
    made in the CLI before it starts (an in-process run: skipped where no test reads it)."""
    thread = cli_thread(llm, workspace) if cli_thread_first else None
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_name": ROUTER_MODEL, "stream": False}))
    port = free_port()
    out = tmp_path / "web.out"
    with FakeOAuth(users={"alice": ALICE, "bob": BOB}) as provider, FakeHub(ALICE.token) as hub:
        env = server_env(home, config, provider, hub, llm.url)
        env.update({"SPACE_HOST": space_host} if space_host else {})
        argv = [sys.executable, "-m", "cli", "web", "--host", "0.0.0.0", "--port", str(port)]
        with out.open("w") as sink:
            proc = ZygotePopen(
                argv, cwd=workspace, env=env, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            wait_for_ready(proc, out)
            assert "people sign in with Hugging Face" in out.read_text()
            # Built at start with nobody signed in, so the first message does not wait for it
            # (it was not: the warm-up asked for a person's token, and the log said "signed out").
            log = (home / "web" / "server.log").read_text(errors="replace")
            assert "graph built in" in log and "could not be built" not in log, log[-3000:]
            url = f"http://127.0.0.1:{port}"
            yield Space(url, home, provider, hub, llm, thread, proc, workspace)
            assert stop_web(proc) == 0, out.read_text()
        finally:
            stop_web(proc)
            print((home / "web" / "server.log").read_text(errors="replace")[-4000:])


def signed_in(space: Space, who: FakeUser) -> httpx.Client:
    """A browser-like client that went through the whole sign-in, as `who`."""
    space.provider.next_user = who.username
    client = httpx.Client(base_url=space.url, trust_env=False, timeout=60, follow_redirects=True)
    landed = client.get("/oauth/login")
    assert landed.status_code == 200 and landed.url.path == "/", landed.text
    assert client.get("/oauth/me").json()["name"] == who.username
    return client


def run_turn(
    client: httpx.Client,
    thread_id: str,
    text: str,
    model: str | None = None,
    mode: str = "interactive",
) -> httpx.Response:
    """One turn through the LangGraph API, on the thread's model or `model`."""
    body = {
        "assistant_id": "ml_intern",
        "input": {
            "messages": [{"type": "human", "content": text}],
            **({"model": model} if model else {}),
        },
        "context": {"mode": mode, "workspace": client.get("/web/info").json()["workspace"]},
    }
    return client.post(f"/threads/{thread_id}/runs/wait", json=body)


def tool_results(client: httpx.Client, thread_id: str) -> dict[str, str]:
    """The thread's tool results by call id, as the page shows them."""
    state = client.get(f"/threads/{thread_id}/state").json()
    messages = state["values"]["messages"]
    return {m["tool_call_id"]: str(m["content"]) for m in messages if m["type"] == "tool"}


def jobs_ps() -> dict[str, object]:
    return {"name": "hf_jobs", "id": "j1", "arguments": {"operation": "ps"}}


def test_each_person_has_their_own_threads_and_token(shared: Space) -> None:
    space = shared
    alice = signed_in(space, ALICE)
    thread = alice.post("/threads", json={"metadata": {"title": "alice's"}}).json()
    assert thread["metadata"]["owner"] == ALICE.sub
    space.llm.add(Turn(tool_calls=[jobs_ps()]), Turn(content="Alice, you have no jobs."))
    hub_before, llm_before = len(space.hub.requests), len(space.llm.requests)
    answer = run_turn(alice, thread["thread_id"], "list my jobs", model=ALICE_MODEL)
    assert answer.status_code == 200, answer.text
    assert "Alice, you have no jobs." in json.dumps(answer.json())
    # Alice's run: the Hub (whoami, jobs) and the router got Alice's token, nothing else.
    hub_calls = space.hub.requests[hub_before:]
    assert any("/api/jobs/" in r.path for r in hub_calls), [r.path for r in hub_calls]
    assert {r.headers.get("authorization") for r in hub_calls} == {f"Bearer {ALICE.token}"}
    router = space.llm.request_headers[llm_before:]
    assert {h.get("authorization") for h in router} == {f"Bearer {ALICE.token}"}
    # The model is told the folder its tools work in: Alice's own, not the shared root.
    # (The workspace travels in the runtime note, outside the cached system prompt.)
    sent = json.dumps(space.llm.requests[llm_before]["messages"])
    assert f"/{ALICE.sub}" in sent, sent[-2000:]
    assert alice.get("/web/info").json()["workspace"].endswith(f"/{ALICE.sub}")  # and the page

    bob = signed_in(space, BOB)
    assert bob.get(f"/threads/{thread['thread_id']}").status_code == 404
    assert bob.get(f"/threads/{thread['thread_id']}/state").status_code == 404
    assert run_turn(bob, thread["thread_id"], "let me in").status_code == 404
    taken = bob.post("/threads", json={"thread_id": thread["thread_id"], "if_exists": "do_nothing"})
    assert taken.status_code == 409
    assert bob.post(f"/web/threads/{thread['thread_id']}/undo").status_code == 404
    assert owners(bob.post("/threads/search", json={}).json()) <= {BOB.sub}  # his own only
    mine = alice.post("/threads/search", json={}).json()
    assert thread["thread_id"] in {t["thread_id"] for t in mine}
    assert owners(mine) == {ALICE.sub}  # hers only: not the CLI thread, not Bob's

    # Bob's own run uses Bob's token for the router; the Space owner's token is used by nobody.
    bob_thread = bob.post("/threads", json={}).json()["thread_id"]
    space.llm.add(Turn(content="Hi Bob."))
    llm_before = len(space.llm.requests)
    assert run_turn(bob, bob_thread, "hello", model=BOB_MODEL).status_code == 200
    router = space.llm.request_headers[llm_before:]
    assert {h.get("authorization") for h in router} == {f"Bearer {BOB.token}"}
    everything_sent = json.dumps([r.headers for r in space.hub.requests]) + json.dumps(
        space.llm.request_headers
    )
    assert OWNER_TOKEN not in everything_sent
    # The model never reads a token.
    assert not any(t in json.dumps(space.llm.requests) for t in (ALICE.token, BOB.token))

    # The model picker offers the configured model and each person's own recent ones only
    # (not the other's, not the CLI thread's).
    assert alice.get("/web/models").json()["models"] == [ROUTER_MODEL, ALICE_MODEL]
    assert bob.get("/web/models").json()["models"] == [ROUTER_MODEL, BOB_MODEL]


def test_no_token_is_written_anywhere(space: Space) -> None:
    alice, bob = signed_in(space, ALICE), signed_in(space, BOB)
    for client, text in ((alice, "list my jobs"), (bob, "and mine")):
        thread = client.post("/threads", json={}).json()["thread_id"]
        space.llm.add(Turn(tool_calls=[jobs_ps()]), Turn(content="done"))
        assert run_turn(client, thread, text).status_code == 200
    alice.post("/oauth/logout")
    assert alice.post("/threads/search", json={}).status_code == 401
    assert bob.post("/threads/search", json={}).status_code == 200  # Bob is still signed in
    assert stop_web(space.proc) == 0  # the server writes its own state files as it stops
    log = (space.home / "web" / "server.log").read_text()
    assert "POST /threads/" in log or "/runs" in log  # the log is there and has the runs
    assert (space.home / "threads.sqlite").exists()
    found = files_holding(space.home, ALICE.token, BOB.token, OWNER_TOKEN)
    assert found == [], found


def owners(threads: list[dict]) -> set[str | None]:
    """Who owns each thread of a search's answer."""
    return {t["metadata"].get("owner") for t in threads}


def files_holding(home: Path, *secrets: str) -> list[str]:
    hits = []
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {s[:12]}..." for s in secrets if s.encode() in data]
    return hits


def test_signed_out_tampered_and_studio_requests_are_refused(shared: Space) -> None:
    space = shared
    with httpx.Client(base_url=space.url, trust_env=False, timeout=30) as anon:
        page = anon.get("/")
        assert page.status_code == 200 and "Sign in with Hugging Face" in page.text
        assert "<textarea" not in page.text  # the app itself is not served
        assert anon.get("/web/app.js").status_code == 401
        assert anon.get("/web/info").status_code == 401
        assert anon.post("/threads/search", json={}).status_code == 401
        assert anon.post("/threads", json={}).status_code == 401
        studio = {"x-auth-scheme": "langsmith"}  # Studio's sign-in is off: no way around
        assert anon.post("/threads/search", json={}, headers=studio).status_code == 401
        assert anon.get("/ok").status_code == 200
        stale = anon.get("/oauth/callback", params={"code": "x", "state": "not-started-here"})
        assert stale.status_code == 400

    alice = signed_in(space, ALICE)
    cookie = alice.cookies["ml_intern_session"]
    sid, _, mac = cookie.rpartition(".")
    forged = [f"{sid}.{mac[:-2]}xx", f"{sid[:-2]}xx.{mac}", sid, "made.up"]
    for value in forged:
        with httpx.Client(base_url=space.url, trust_env=False, timeout=30) as other:
            other.cookies.set("ml_intern_session", value)
            assert other.post("/threads/search", json={}).status_code == 401, value
            assert "<textarea" not in other.get("/").text
    page = alice.get("/")
    assert "<textarea" in page.text
    # The Hub shows a Space in an iframe: the page may be framed there, and only there.
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://huggingface.co" in policy
    assert "frame-ancestors 'none'" not in policy


def test_cli_threads_are_nobodys_on_a_space(shared: Space) -> None:
    space = shared
    alice = signed_in(space, ALICE)
    listed = alice.post("/threads/search", json={}).json()
    assert space.cli_thread not in {t["thread_id"] for t in listed}
    assert owners(listed) <= {ALICE.sub}
    assert alice.get(f"/threads/{space.cli_thread}/state").status_code == 404
    claim = alice.post("/threads", json={"thread_id": space.cli_thread})
    assert claim.status_code == 409
    assert alice.get(f"/threads/{space.cli_thread}/state").status_code == 404
    assert "cli secret question" not in alice.post("/threads/search", json={}).text
    # Its index row gone (say a crash between the two writes), its checkpoints still hold it.
    with sqlite3.connect(space.home / "threads.sqlite") as db:
        db.execute("DELETE FROM ml_intern_threads WHERE thread_id = ?", (space.cli_thread,))
    assert alice.post("/threads", json={"thread_id": space.cli_thread}).status_code == 409


async def test_a_browser_signs_in_and_chats(
    chromium: Chromium, shared: Space, tmp_path: Path
) -> None:
    """The page itself, unchanged, works on a signed-in session (a bonus over httpx)."""
    from playwright.async_api import expect

    space = shared
    before = {
        t["thread_id"] for t in signed_in(space, ALICE).post("/threads/search", json={}).json()
    }
    space.provider.next_user = ALICE.username
    space.llm.add(Turn(content="Hello Alice, signed in."))
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{space.url}/")
        async with page.expect_popup() as opened:  # the sign-in opens a tab, as the Hub advises
            await page.get_by_role("link", name="Sign in with Hugging Face").click()
        tab = await opened.value
        await tab.wait_for_load_state()
        await expect(tab.get_by_text("What should we work on?")).to_be_visible()  # JS is up
        await tab.get_by_label("Message").fill("hi")
        await tab.get_by_role("button", name="Send").click()
        await expect(tab.get_by_text("Hello Alice, signed in.")).to_be_visible(timeout=30_000)
        # Who is signed in shows, with a way out; signed out, the app is gone.
        await expect(tab.get_by_role("complementary", name="Threads")).to_contain_text(
            "Signed in as alice"
        )
        await snap(tab, tmp_path, "web-signed-in.png")
        await tab.get_by_role("button", name="Sign out").click()
        await expect(tab.get_by_role("link", name="Sign in with Hugging Face")).to_be_visible()
        await expect(tab.get_by_label("Message")).to_have_count(0)
        cookies = {c["name"]: c["value"] for c in await tab.context.cookies()}
        assert "ml_intern_session" not in cookies
        await tab.goto(f"{space.url}/web/info")
        await expect(tab.locator("body")).to_contain_text("Sign in with Hugging Face first")
    alice = signed_in(space, ALICE)
    made = [
        t for t in alice.post("/threads/search", json={}).json() if t["thread_id"] not in before
    ]
    assert [t["metadata"].get("title") for t in made] == ["hi"]


def uv_job(call_id: str, script: str) -> dict[str, object]:
    return {"name": "hf_jobs", "id": call_id, "arguments": {"operation": "uv", "script": script}}


def test_tools_reach_only_the_persons_own_folder(shared: Space) -> None:
    """A signed-in person's tools run inside the server, next to its secrets (its environment,
    everyone's threads): a local path outside their own folder is refused, approved or not."""
    space = shared
    own = space.workspace / ALICE.sub
    own.mkdir(exist_ok=True)
    jobs_before, hub_before = set(space.hub.jobs), len(space.hub.requests)
    (own / "train.py").write_text("print('alice trains')\n")
    (space.workspace / "owners-notes.py").write_text("print('not for alice')\n")
    alice = signed_in(space, ALICE)
    thread = alice.post("/threads", json={}).json()["thread_id"]
    upload = {"operation": "upload", "repo_id": "alice/stuff", "path": "t.sqlite"}
    upload["local_path"] = str(space.home / "threads.sqlite")
    calls = [
        uv_job("environ", "/proc/self/environ"),
        {"name": "hf_repo_files", "id": "threads", "arguments": upload},
        uv_job("owners", "../owners-notes.py"),
        uv_job("mine", "train.py"),
    ]
    space.llm.add(Turn(tool_calls=calls), Turn(content="done"))
    # Headless: every upload and job is approved without asking, as yolo would.
    assert run_turn(alice, thread, "go", mode="headless").status_code == 200
    results = tool_results(alice, thread)
    for refused in ("environ", "threads", "owners"):
        assert "is outside your workspace" in results[refused], results[refused]
    scripts = [
        base64.b64decode(job["environment"]["ML_INTERN_SCRIPT_B64"]).decode()
        for id_, job in space.hub.jobs.items()
        if id_ not in jobs_before
    ]
    assert scripts == ["print('alice trains')\n"]  # only her own file left the server
    sent = [r.path for r in space.hub.requests[hub_before:]]
    assert not any("preupload" in path or "commit" in path for path in sent), sent
    assert space.provider.client_secret.encode() not in b"".join(r.body for r in space.hub.requests)


def test_the_model_picker_switches_to_a_router_model(shared: Space) -> None:
    """The switch is checked (key, probe) in the server with the person's own token."""
    space = shared
    alice = signed_in(space, ALICE)
    thread = alice.post("/threads", json={}).json()["thread_id"]
    space.llm.add(Turn(content="ok"))  # the probe
    before = len(space.llm.request_headers)
    answer = alice.post(f"/web/threads/{thread}/settings", json={"model": ALICE_MODEL})
    assert answer.status_code == 200, answer.text
    assert answer.json()["model"] == ALICE_MODEL
    probe = space.llm.request_headers[before:]
    assert {h.get("authorization") for h in probe} == {f"Bearer {ALICE.token}"}


# A sign-in's lifetime, the provider's `expires_in`: the shortest within which the run reaches
# the model (its cookie's max-age is a second less). The first answer waits out that lifetime;
# on a machine too slow to reach the model before the sign-in ends, the run is tried again
# with the next one.
LIFETIMES_S = (3, 8, 20)


@dataclass
class AcrossExpiry:
    """A run whose first model call came while its sign-in was live, answered once it ended."""

    answer: httpx.Response
    asked: list[dict]  # the run's model requests
    asked_with: list[dict]  # and their headers
    hub_before: int  # how many Hub requests came before the run


def run_across_expiry(space: Space, lifetime: int) -> AcrossExpiry | None:
    """Alice signs in for `lifetime` s and asks for her jobs; the model's tool call comes only
    once the sign-in has expired. None when the run did not reach the model in that time."""
    space.llm.reset()
    space.provider.expires_in = lifetime
    hub_before = len(space.hub.requests)
    try:
        alice = signed_in(space, ALICE)
    finally:
        space.provider.expires_in = FakeOAuth.expires_in
    # The server set the expiry (its `time.time()` + lifetime) before signed_in returned.
    expired_at = time.time() + lifetime + 0.2
    thread = alice.post("/threads", json={}).json()["thread_id"]
    late = Turn(content="too late")
    answered: list[Turn] = []

    def answer_once_expired(_request: dict) -> Turn:
        """The first answer, a tool call, comes only after the sign-in has expired."""
        delay = max(0.0, expired_at - time.time())
        answered.append(Turn(tool_calls=[jobs_ps()], delay=delay) if not answered else late)
        return answered[-1]

    space.llm.responder = answer_once_expired
    answer = run_turn(alice, thread, "jobs?")
    if not space.llm.requests:
        return None
    return AcrossExpiry(
        answer, list(space.llm.requests), list(space.llm.request_headers), hub_before
    )


@pytest.mark.timeout(300)
def test_a_token_is_not_used_once_its_sign_in_expired(shared: Space) -> None:
    """A run outliving its person's sign-in stops using their token and says to sign in."""
    space = shared
    tried = None
    for lifetime in LIFETIMES_S:
        if (tried := run_across_expiry(space, lifetime)) is not None:
            break
    assert tried is not None, f"no run reached the model within {LIFETIMES_S[-1]} s"
    assert "sign in again" in tried.answer.text, tried.answer.text
    assert "too late" not in tried.answer.text
    # One model call in this run, made with Alice's live token, none after the expiry.
    assert len(tried.asked) == 1 and tried.asked[0]["messages"][1]["content"] == "jobs?"
    assert tried.asked_with[0].get("authorization") == f"Bearer {ALICE.token}"
    # While live, the token named Alice in the prompt (whoami at the run's start); the job
    # tool, after the expiry, had none: no Hub request but that whoami ever carried it.
    hub_calls = space.hub.requests[tried.hub_before :]
    carried = [r.path for r in hub_calls if ALICE.token in (r.headers.get("authorization") or "")]
    assert carried in ([], ["/api/whoami-v2"]), carried
    assert not any("/api/jobs" in r.path for r in hub_calls)


def test_session_cookies_are_sent_inside_the_hubs_frame(space_on_the_hub: Space) -> None:
    """On a Space the page lives in huggingface.co's iframe: its cookies must be
    `SameSite=None; Secure` or the browser never sends them there."""
    space = space_on_the_hub
    space.provider.next_user = ALICE.username
    with httpx.Client(base_url=space.url, trust_env=False, timeout=30) as browser:
        login = browser.get("/oauth/login")
        # The login's cookie goes to the callback only, a top-level navigation back from the
        # provider in the tab the page opened: Lax, and Secure (https).
        state_cookie = login.headers["set-cookie"].lower()
        assert "samesite=lax" in state_cookie and "secure" in state_cookie
        back = httpx.get(login.headers["location"], trust_env=False).headers["location"]
        assert back.startswith(f"https://{SPACE_HOST}/oauth/callback?")
        state = login.headers["set-cookie"].partition(";")[0].partition("=")[2]
        landed = browser.get(
            "/oauth/callback?" + back.partition("?")[2],
            headers={"cookie": f"ml_intern_oauth_state={state}"},
        )
        assert landed.status_code == 303, landed.text
        session = next(
            c for c in landed.headers.get_list("set-cookie") if c.startswith("ml_intern_session=")
        ).lower()
        assert "samesite=none" in session and "secure" in session and "httponly" in session
        # With cookies sent cross-site, only the Origin check stops another site's requests;
        # the page's own origin is the Space's address, whatever Host the proxy forwards.
        raw = next(c for c in landed.headers.get_list("set-cookie") if "ml_intern_session=" in c)
        cookie = {"cookie": raw.partition(";")[0]}
        evil = {**cookie, "Origin": "https://evil.example"}
        assert browser.post("/threads/search", json={}, headers=evil).status_code == 403
        own = {**cookie, "Origin": f"https://{SPACE_HOST}"}
        assert browser.post("/threads/search", json={}, headers=own).status_code == 200


def test_session_cookies_stay_lax_off_a_space(shared: Space) -> None:
    space = shared
    space.provider.next_user = ALICE.username
    with httpx.Client(base_url=space.url, trust_env=False, timeout=30) as browser:
        login = browser.get("/oauth/login")
        assert "samesite=lax" in login.headers["set-cookie"].lower()
        assert "secure" not in login.headers["set-cookie"].lower()
        back = httpx.get(login.headers["location"], trust_env=False).headers["location"]
        landed = browser.get(back)
        session = next(
            c for c in landed.headers.get_list("set-cookie") if c.startswith("ml_intern_session=")
        ).lower()
        assert "samesite=lax" in session and "secure" not in session


def test_an_approval_answered_with_the_query_token_is_accepted(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    """With an access token (not sign-in), a client passing it as `?token=` only can answer an
    approval: the server's check of the pending approval forwards that token to itself."""
    port, token = free_port(), "query-token-0123456789"
    (tmp_path / "token").write_text(token + "\n")
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, "--port", str(port),
                          "--token-file", str(tmp_path / "token"))  # fmt: skip
    try:
        wait_for_ready(proc, out)
        url, q = f"http://127.0.0.1:{port}", {"token": token}
        with httpx.Client(base_url=url, trust_env=False, timeout=60, params=q) as client:
            thread = client.post("/threads", json={}).json()["thread_id"]
            bash = {"name": "bash", "id": "b1", "arguments": {"command": "touch made.txt"}}
            llm.add(Turn(tool_calls=[bash]), Turn(content="made it"))
            context = {"mode": "interactive", "workspace": str(workspace)}
            asked = client.post(
                f"/threads/{thread}/runs/wait",
                json={"assistant_id": "ml_intern", "context": context,
                      "input": {"messages": [{"type": "human", "content": "make it"}]}},
            )  # fmt: skip
            assert asked.status_code == 200, asked.text
            resume = {"resume": {"decisions": [{"type": "approve"}]}}
            body = {"assistant_id": "ml_intern", "context": context, "command": resume}
            answered = client.post(f"/threads/{thread}/runs/wait", json=body)
            assert answered.status_code == 200, answered.text
            assert "made it" in answered.text and (workspace / "made.txt").exists()
        assert stop_web(proc) == 0
    finally:
        stop_web(proc)
