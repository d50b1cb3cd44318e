"""Security: tokens reach only their own hosts, secrets stay out of everything that leaves the
thread, and the approval policy holds on every path by which a tool runs.

Local servers stand in for every host: FakeHub (the Hub and the dataset viewer), a second
FakeHub (an arbitrary site), the GitHub API, Slack, an MCP server over HTTP and the model
provider (the scripted LLM server). Each records the Authorization header of every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.github_server import GitHubServer
from tests.fakes.hub_server import FakeHub
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.mcp_http_server import McpHttpServer
from tests.fakes.slack_server import SlackServer
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results
from tools.policy import PolicyContext, Verdict, decide
from tools.secrets import mask_secrets, masked_tool_message

RUN_TIMEOUT_S = 60
OPENAI_KEY = "sk-test-not-a-real-key"  # tests/conftest.py sets it
HF = "hf_RoutingTestTokenAbcdefghij0123456789"
GH = "ghp_RoutingTestToken0123456789abcdefghij"
SLACK = "xoxb-routing-test-token-0123456789"
MCP = "mcp-routing-test-token-0123456789"
TOKENS = {"model provider": OPENAI_KEY, "Hub": HF, "GitHub": GH, "Slack": SLACK, "MCP": MCP}


def call(name: str, call_id: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "id": call_id, "arguments": args}


@dataclass
class Hosts:
    hub: FakeHub
    site: FakeHub  # an arbitrary host: redirects end here, and the model may name it
    github: GitHubServer
    slack: SlackServer
    mcp: McpHttpServer
    llm: ScriptedLLMServer


@pytest.fixture
def hosts(llm: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hosts]:
    repos = {"acme/trainer": {"files": {"train.py": "from peft import LoraConfig\n"}}}
    with (
        FakeHub(token=HF) as hub,
        FakeHub(token="the-site-has-no-token") as site,
        GitHubServer(repos=repos) as github,
        SlackServer() as slack,
        McpHttpServer(token=MCP) as mcp,
    ):
        site.pages["/page"] = {"text/markdown": "# a page elsewhere"}
        env = {
            "HF_TOKEN": HF,
            "HF_ENDPOINT": hub.url,
            "ML_INTERN_DATASETS_SERVER_URL": hub.url,
            "GITHUB_TOKEN": GH,
            "GITHUB_API_URL": github.url,
            "SLACK_BOT_TOKEN": SLACK,
            "SLACK_CHANNEL_ID": "C-agent",
            "ML_INTERN_SLACK_API_URL": slack.url,
            "ROUTING_MCP_TOKEN": MCP,
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield Hosts(hub, site, github, slack, mcp, llm)


@asynccontextmanager
async def full_catalog(
    settings: Any, home: Path, mcp_servers: dict[str, Any] | None = None
) -> AsyncIterator[Any]:
    """Every tool the agent can have: built-in, Hub, GitHub, notify, research and MCP."""
    from graph.research_agent import with_research
    from tools.external.family import external_specs
    from tools.external.mcp import open_mcp
    from tools.families import build_catalog

    async with AsyncExitStack() as stack:
        specs = list(external_specs(settings))
        if mcp_servers:
            manager = await stack.enter_async_context(open_mcp(mcp_servers))
            assert not manager.take_warnings()
            specs += manager.specs()
        base = build_catalog(settings).extended(specs)
        yield with_research(base, settings, home)


# --- tokens go only to their own hosts ------------------------------------------------------


def headers_seen(hosts: Hosts) -> dict[str, list[dict[str, str]]]:
    """Every request's headers (lower-cased names), per host."""
    return {
        "Hub": [r.headers for r in hosts.hub.requests],
        "arbitrary site": [r.headers for r in hosts.site.requests],
        "GitHub": [r.headers for r in hosts.github.requests],
        "Slack": [{"authorization": f"Bearer {m['token']}"} for m in hosts.slack.messages],
        "MCP": [{"authorization": a} if a else {} for a in hosts.mcp.auth_headers],
        "model provider": hosts.llm.request_headers,
    }


# host -> the only Authorization values it may receive
EXPECTED_AUTH: dict[str, set[str | None]] = {
    "Hub": {f"Bearer {HF}"},
    "arbitrary site": {None},
    "GitHub": {f"Bearer {GH}"},
    "Slack": {f"Bearer {SLACK}"},
    "MCP": {f"Bearer {MCP}"},
    "model provider": {f"Bearer {OPENAI_KEY}"},
}


async def test_each_token_reaches_only_its_own_host(
    hosts: Hosts, workspace: Path, isolated_home: Path
) -> None:
    hub_page = "/docs/moved-away"
    hosts.hub.redirects[hub_page] = f"{hosts.site.url}/page"  # the Hub sends us elsewhere
    hosts.hub.repo("models", "acme/tiny-bert").redirects["config.json"] = f"{hosts.site.url}/page"
    hosts.github.redirects["/repos/acme/moved/contents/train.py"] = (
        f"{hosts.site.url}/repos/acme/trainer/contents/train.py"
    )
    calls = [
        call("hf_repo_details", "hub1", repo_ids=["acme/tiny-bert"]),
        call(
            "hf_repo_files", "hub2", operation="read", repo_id="acme/tiny-bert", path="config.json"
        ),
        call("hf_docs_fetch", "docs1", url=f"{hosts.site.url}/page"),
        call("hf_docs_fetch", "docs2", url=hub_page),
        call("github_search_code", "gh1", query="LoraConfig"),
        call("github_read_file", "gh2", repo="acme/moved", path="train.py"),
        call("notify", "slack1", message="Training finished."),
        call("calc__add", "mcp1", a=2, b=40),
    ]
    hosts.llm.add(Turn(tool_calls=calls), Turn(content="Checked every service."))
    settings = fast_settings(hosts.llm.url)
    servers = {
        "calc": {
            "transport": "http",
            "url": hosts.mcp.url,
            "headers": {"Authorization": "Bearer ${ROUTING_MCP_TOKEN}"},
        }
    }
    async with (
        full_catalog(settings, isolated_home, servers) as catalog,
        open_session(settings, workspace, mode="headless", catalog=catalog) as session,
    ):
        events = await asyncio.wait_for(collect(session.send("check everything")), RUN_TIMEOUT_S)
    assert events[-1].data["stop_reason"] == "done"
    results = tool_results(hosts.llm.requests[1])

    # The tools did reach their hosts (so the table below means something).
    assert "acme/tiny-bert" in results["hub1"] and "a page elsewhere" in results["hub2"]
    assert "acme/trainer" in results["gh1"] and results["mcp1"] == "42"
    assert "Sent to slack.default" in results["slack1"]
    # hf_docs_fetch refuses another host, and a Hub page redirecting to one.
    assert "only fetches Hugging Face pages" in results["docs1"]
    assert "not a Hugging Face host, so it was not followed" in results["docs2"]
    assert [r.path for r in hosts.site.requests].count("/page") == 1  # only hub2's redirect

    seen = headers_seen(hosts)
    table = {host: {h.get("authorization") for h in requests} for host, requests in seen.items()}
    assert all(seen.values()), {host: len(r) for host, r in seen.items()}  # every host was used
    assert table == EXPECTED_AUTH
    for host, requests in seen.items():  # and no token hides in another header either
        sent = json.dumps(requests)
        foreign = [name for name, token in TOKENS.items() if name != host and token in sent]
        assert not foreign, f"{host} received the token of {foreign}"


# --- secrets stay out of transcripts, Slack and logs ----------------------------------------

ENV_SECRET = "planted-env-secret-4f9c2a71d3"  # no known shape: found by being an env value
USER_SECRET = "ghp_PlantedByTheUser0123456789abcdefgh"  # typed by the user
FILE_SECRET = "sk-planted-in-a-file-0123456789abcdef"  # printed by a tool
PLANTED = {"env": ENV_SECRET, "user text": USER_SECRET, "tool output": FILE_SECRET, "HF_TOKEN": HF}


@dataclass
class Leaks:
    thread_id: str
    messages: list[Any]
    slack_texts: list[str]
    log_records: list[str]
    home_files: dict[str, str] = field(default_factory=dict)


async def run_with_planted_secrets(
    hosts: Hosts,
    workspace: Path,
    home: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> Leaks:
    """An interactive run that meets each planted secret, with Slack notifications on."""
    from tools.external.notify import SlackNotifier, messaging_config

    monkeypatch.setenv("ML_INTERN_PLANTED_TOKEN", ENV_SECRET)
    (workspace / "creds.env").write_text(f"OPENAI_API_KEY={FILE_SECRET}\n")
    show = 'echo "$ML_INTERN_PLANTED_TOKEN"; printenv HF_TOKEN; cat creds.env'
    push = f"git push https://{USER_SECRET}@github.com/acme/trainer main"
    hosts.llm.add(
        Turn(tool_calls=[call("bash", "b1", command=show)]),
        Turn(tool_calls=[call("bash", "b2", command=push)]),
        Turn(tool_calls=[call("notify", "n1", message=f"Deployed with {ENV_SECRET}")]),
        Turn(content=f"Done: {ENV_SECRET}, {HF}, {FILE_SECRET} and your {USER_SECRET}."),
    )
    settings = fast_settings(hosts.llm.url)
    notifier = SlackNotifier(messaging_config(settings.messaging))
    ours = ("graph", "nodes", "tools", "configs", "cli")
    for name in ours:  # only our loggers: litellm's DEBUG output is not ours to police
        caplog.set_level(logging.DEBUG, logger=name)
    async with (
        full_catalog(settings, home) as catalog,
        open_session(settings, workspace, catalog=catalog) as session,
    ):
        text = f"Deploy it; use my GitHub token {USER_SECRET} to push."
        await collect(notifier.watch(session.send(text)))
        for _ in range(2):  # both bash calls ask; approve them
            await collect(notifier.watch(session.resume([{"type": "approve"}])))
        messages = await session.messages()
    await notifier.aclose()
    assert messages[-1].type == "ai" and USER_SECRET in messages[-1].content  # the run ended
    records = [r.getMessage() for r in caplog.records if r.name.split(".")[0] in ours]
    files = {
        str(p.relative_to(home)): p.read_text(errors="replace")
        for p in home.rglob("*")
        if p.is_file() and not p.name.startswith("threads.sqlite")
    }
    return Leaks(
        session.thread_id, messages, [m["text"] for m in hosts.slack.messages], records, files
    )


def leaked(text: str) -> list[str]:
    return [where for where, secret in PLANTED.items() if secret in text]


async def test_planted_secrets_never_appear_in_exported_or_uploaded_transcripts_or_logs(
    hosts: Hosts,
    workspace: Path,
    isolated_home: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from graph.transcript import SESSIONS_DATASET, to_jsonl, to_markdown, upload_transcript

    run = await run_with_planted_secrets(hosts, workspace, isolated_home, caplog, monkeypatch)
    # Each secret is really in the thread (the export has something to redact).
    stored = json.dumps([m.model_dump() for m in run.messages], default=str)
    assert not {"user text", "tool output", "env"} - set(leaked(stored))

    jsonl = to_jsonl(run.messages, thread_id=run.thread_id, model="m", cwd=str(workspace))
    markdown = to_markdown(run.messages, thread_id=run.thread_id, title="deploy")
    await asyncio.to_thread(
        upload_transcript, jsonl, run.thread_id, endpoint=hosts.hub.url, token=HF
    )
    repo = next(r for (kind, _), r in hosts.hub.repos.items() if r.id.endswith(SESSIONS_DATASET))
    uploaded = repo.files[f"sessions/{run.thread_id}.jsonl"].decode()
    outlets = {
        "jsonl export": jsonl,
        "markdown export": markdown,
        "uploaded transcript": uploaded,
        "our log records": "\n".join(run.log_records),
        **{f"$ML_INTERN_HOME/{name}": text for name, text in run.home_files.items()},
    }
    found = {where: leaked(text) for where, text in outlets.items() if leaked(text)}
    assert not found, f"planted secrets found in: {found}"


async def test_planted_secrets_never_appear_in_slack_messages(
    hosts: Hosts,
    workspace: Path,
    isolated_home: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = await run_with_planted_secrets(hosts, workspace, isolated_home, caplog, monkeypatch)
    assert len(run.slack_texts) >= 4  # two approvals, the notify call, the end of the turn
    found = {text[:80]: leaked(text) for text in run.slack_texts if leaked(text)}
    assert not found, f"planted secrets in Slack messages: {found}"


# --- the model-visible copy of tool output --------------------------------------------------

MASK_ENV = {
    "HF_TOKEN": "hf_abcdefghij0123456789",
    "OPENAI_API_KEY": "sk-test-abcdefghij",
    "MY_SERVICE_SECRET": "s3cr3t-value-xyz",
    "SHORT_TOKEN": "abc",  # too short to mask without mangling ordinary words
    "HOME": "/home/someone-long-enough",  # not a secret name
}


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("HF_TOKEN=hf_abcdefghij0123456789\n", "HF_TOKEN=[REDACTED:HF_TOKEN]\n"),
        ("key sk-test-abcdefghij and s3cr3t-value-xyz", "key [REDACTED:OPENAI_API_KEY] and [REDACTED:MY_SERVICE_SECRET]"),
        ("abc is not masked, /home/someone-long-enough neither", "abc is not masked, /home/someone-long-enough neither"),
        ("twice: s3cr3t-value-xyzs3cr3t-value-xyz", "twice: [REDACTED:MY_SERVICE_SECRET][REDACTED:MY_SERVICE_SECRET]"),
        ("hf_abcdefghij0123456789XYZ", "[REDACTED:HF_TOKEN]XYZ"),
        ("", ""),
    ],
)  # fmt: skip
def test_mask_secrets_replaces_the_values_of_secret_env_vars(text: str, masked: str) -> None:
    assert mask_secrets(text, MASK_ENV) == masked


def test_masked_tool_message_masks_strings_and_text_blocks_and_keeps_the_rest() -> None:
    from langchain_core.messages import ToolMessage

    plain = ToolMessage(content="nothing secret", tool_call_id="a", name="bash", status="error")
    assert masked_tool_message(plain, MASK_ENV) is plain
    text = ToolMessage(content="token hf_abcdefghij0123456789", tool_call_id="b", name="bash")
    masked = masked_tool_message(text, MASK_ENV)
    assert masked.content == "token [REDACTED:HF_TOKEN]"
    assert (masked.tool_call_id, masked.name, masked.status) == ("b", "bash", "success")
    blocks = ToolMessage(
        content=[{"type": "text", "text": "sk-test-abcdefghij"}, {"type": "image", "url": "x"}],
        tool_call_id="c",
    )
    assert masked_tool_message(blocks, MASK_ENV).content == [
        {"type": "text", "text": "[REDACTED:OPENAI_API_KEY]"},
        {"type": "image", "url": "x"},
    ]


async def test_the_model_never_sees_the_values_of_secret_env_vars_in_tool_output(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", HF)
    monkeypatch.setenv("ML_INTERN_PLANTED_TOKEN", ENV_SECRET)
    big = "seq 1 5000; printenv HF_TOKEN"  # long enough to be capped and spilled
    llm.add(
        Turn(tool_calls=[call("bash", "b1", command='echo "$ML_INTERN_PLANTED_TOKEN $HF_TOKEN"')]),
        Turn(tool_calls=[call("bash", "b2", command=big)]),
        Turn(content="done"),
    )
    settings = fast_settings(llm.url, tool_output_max_chars=2000)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("show the tokens"))
    sent = json.dumps(llm.requests)
    assert ENV_SECRET not in sent and HF not in sent
    assert (
        "[REDACTED:ML_INTERN_PLANTED_TOKEN] [REDACTED:HF_TOKEN]"
        in tool_results(llm.requests[1])["b1"]
    )
    assert not [e for e in events if e.type == "tool_output" and HF in e.data["output"]]
    spills = [p.read_text() for p in (isolated_home / "spill").rglob("*.txt")]
    assert spills and not [s for s in spills if HF in s]


# --- the approval policy holds on every path ------------------------------------------------

OUTSIDE = "OUTSIDE"  # replaced by a file outside the workspace


@dataclass(frozen=True)
class Route:
    """A tool call on one path, and the verdict the policy gives it there."""

    path: str  # main graph | research sub-agent | MCP
    mode: str
    tool: str
    args: dict[str, Any]
    verdict: Verdict
    ran: str  # the result contains this when the call ran
    overrides: dict[str, Verdict] = field(default_factory=dict)
    server_approval: str | None = None  # the MCP server's "approval" in the config


MAIN, RESEARCH, MCP_PATH = "main graph", "research sub-agent", "MCP"
READ_OUT = {"path": OUTSIDE}
SCHEDULE = {
    "operation": "scheduled_run",
    "image": "python:3.12",
    "command": ["true"],
    "schedule": "@daily",
}
ROUTES = [
    Route(MAIN, "interactive", "bash", {"command": "touch made.txt && echo made"}, "ask", "made"),
    Route(MAIN, "interactive", "bash", {"command": "ls"}, "auto", "notes.txt"),
    Route(MAIN, "headless", "bash", {"command": "touch made.txt && echo made"}, "auto", "made"),
    Route(MAIN, "interactive", "read", READ_OUT, "ask", "outside secret"),
    Route(MAIN, "interactive", "read", {"path": "link.txt"}, "ask", "outside secret"),
    Route(MAIN, "headless", "hf_jobs", SCHEDULE, "deny", "scheduled"),
    Route(MAIN, "headless", "bash", {"command": "ls"}, "deny", "notes.txt", overrides={"bash": "deny"}),
    Route(RESEARCH, "interactive", "read", READ_OUT, "ask", "outside secret"),
    Route(RESEARCH, "interactive", "read", {"path": "link.txt"}, "ask", "outside secret"),
    Route(RESEARCH, "interactive", "read", {"path": "notes.txt"}, "auto", "inside note"),
    Route(RESEARCH, "headless", "read", READ_OUT, "auto", "outside secret"),
    Route(RESEARCH, "interactive", "read", {"path": "notes.txt"}, "deny", "inside note", overrides={"read": "deny"}),
    Route(MCP_PATH, "interactive", "calc__add", {"a": 2, "b": 40}, "auto", "42"),
    Route(MCP_PATH, "interactive", "calc__shout", {"text": "hi"}, "ask", "HI"),
    Route(MCP_PATH, "headless", "calc__shout", {"text": "hi"}, "auto", "HI"),
    Route(MCP_PATH, "interactive", "calc__add", {"a": 2, "b": 40}, "deny", "42", overrides={"calc__add": "deny"}),
    Route(MCP_PATH, "interactive", "calc__add", {"a": 2, "b": 40}, "ask", "42", server_approval="ask"),
]  # fmt: skip


def route_id(route: Route) -> str:
    what = route.args.get("path") or route.args.get("command") or route.args.get("operation")
    extra = f" {what}" if isinstance(what, str) and route.tool != "bash" else ""
    extra += f", {route.overrides}" if route.overrides else ""
    extra += f", server approval {route.server_approval}" if route.server_approval else ""
    command = f" {route.args['command'].split()[0]}" if route.tool == "bash" else ""
    return f"{route.path}: {route.tool}{command} {route.mode}{extra} -> {route.verdict}"


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
async def test_the_approval_policy_holds_on_every_path(
    route: Route, llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, isolated_home: Path
) -> None:
    from graph.research_agent import NO_HUMAN, research_catalog

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside secret\n")
    (workspace / "notes.txt").write_text("inside note\n")
    (workspace / "link.txt").symlink_to(outside / "secret.txt")
    args = {k: str(outside / "secret.txt") if v == OUTSIDE else v for k, v in route.args.items()}
    settings = fast_settings(llm.url, approval={"overrides": route.overrides})
    with contextlib.ExitStack() as stack:
        servers = None
        if route.path == MCP_PATH:
            server = stack.enter_context(McpHttpServer(MCP))
            auth = {"Authorization": f"Bearer {MCP}"}
            servers = {"calc": {"transport": "http", "url": server.url, "headers": auth}}
            if route.server_approval:
                servers["calc"]["approval"] = route.server_approval
        async with full_catalog(settings, isolated_home, servers) as catalog:
            # The table agrees with the one policy function, for the spec this path uses.
            specs = research_catalog(catalog) if route.path == RESEARCH else catalog
            spec = specs.get(route.tool)
            ctx = PolicyContext(mode=route.mode, workspace=workspace, overrides=route.overrides)  # type: ignore[arg-type]
            assert decide(route.tool, args, spec.approval, ctx) == route.verdict
            observed, result = await observe(route, args, llm, settings, workspace, catalog)

    assert observed == route.verdict, result
    if route.verdict == "auto":
        assert route.ran in result
    else:  # asked and rejected, or denied: it never ran
        assert route.ran not in result and "not run" in result.lower()
        assert not (workspace / "made.txt").exists()
    if route.path == RESEARCH and route.verdict == "ask":
        assert NO_HUMAN in result  # nobody can approve inside the sub-agent: rejected
    for request in llm.requests:
        assert_valid_tool_pairing(request["messages"])


async def observe(
    route: Route,
    args: dict[str, Any],
    llm: ScriptedLLMServer,
    settings: Any,
    workspace: Path,
    catalog: Any,
) -> tuple[Verdict, str]:
    """Run the call on its path: what happened to it, and the result the model got."""
    probe = call(route.tool, "x1", **args)
    if route.path == RESEARCH:
        llm.add(
            Turn(tool_calls=[call("research", "r1", task="look into it")]),
            Turn(tool_calls=[probe]),  # the sub-agent's call
            Turn(content="## Findings\nsee above"),
            Turn(content="done"),
        )
    else:
        llm.add(Turn(tool_calls=[probe]), Turn(content="done"))
    async with open_session(settings, workspace, mode=route.mode, catalog=catalog) as session:
        events = await asyncio.wait_for(collect(session.send("go")), RUN_TIMEOUT_S)
        asked = [e for e in events if e.type == "approval_required"]
        if asked:
            assert [r["name"] for r in asked[0].data["action_requests"]] == [route.tool]
            reject = {"type": "reject", "message": "no"}
            events = await asyncio.wait_for(collect(session.resume([reject])), RUN_TIMEOUT_S)
    assert events[-1].type == "turn_complete" and events[-1].data["stop_reason"] == "done"
    result = tool_results(llm.requests[2 if route.path == RESEARCH else 1])["x1"]
    if asked:
        return "ask", result
    if route.path == RESEARCH and result.startswith("The user rejected this call"):
        return "ask", result  # the sub-agent's stand-in for a human said no
    return ("deny" if result.startswith("Not run:") else "auto"), result
