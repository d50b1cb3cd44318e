"""Slack notifications against a local Slack Web API: config, mrkdwn, the tool, auto events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.events import Event
from tests.fakes.slack_server import SlackServer
from tools.external.notify import (
    SlackNotifier,
    SlackPoster,
    cut,
    messaging_config,
    to_mrkdwn,
)
from tools.external.notify_tool import notify_spec

ENV = {"SLACK_BOT_TOKEN": "xoxb-env", "SLACK_CHANNEL_ID": "C-env"}


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackServer]:
    with SlackServer() as server:
        monkeypatch.setenv("ML_INTERN_SLACK_API_URL", server.url)
        yield server


def destination(channel: str, **flags: bool) -> dict[str, Any]:
    return {"provider": "slack", "token": "xoxb-cfg", "channel": channel, **flags}


# --- config ---------------------------------------------------------------------------------


def test_env_default_destination_and_its_switches() -> None:
    config = messaging_config({}, ENV)
    assert config.enabled and list(config.destinations) == ["slack.default"]
    assert config.destinations["slack.default"].channel == "C-env"
    assert config.auto_event_types == (
        "approval_required",
        "error",
        "turn_complete",
        "job_finished",
    )

    off = messaging_config({}, {**ENV, "ML_INTERN_SLACK_NOTIFICATIONS": "false"})
    assert not off.enabled and not off.destinations

    custom = messaging_config(
        {},
        {
            **ENV,
            "ML_INTERN_SLACK_DESTINATION": "slack.ops",
            "ML_INTERN_SLACK_AUTO_EVENTS": "error, turn_complete",
            "ML_INTERN_SLACK_ALLOW_AGENT_TOOL": "false",
            "ML_INTERN_SLACK_ALLOW_AUTO_EVENTS": "true",
        },
    )
    ops = custom.destinations["slack.ops"]
    assert custom.auto_event_types == ("error", "turn_complete")
    assert not ops.allow_agent_tool and ops.allow_auto_events
    assert custom.tool_destinations() == [] and custom.auto_destinations() == [ops]

    assert not messaging_config({}, {"SLACK_BOT_TOKEN": "xoxb-only"}).enabled


def test_config_destinations_events_and_the_enabled_switch() -> None:
    messaging = {
        "enabled": True,
        "auto_event_types": ["turn_complete"],
        "destinations": {
            "slack.ops": destination("C-ops", allow_agent_tool=False),
            "slack.default": destination("C-cfg"),  # wins over the env default of that name
            "zulip": {"provider": "zulip", "token": "t", "channel": "c"},
        },
    }
    config = messaging_config(messaging, ENV)
    assert set(config.destinations) == {"slack.ops", "slack.default"}
    assert config.destinations["slack.default"].channel == "C-cfg"
    assert config.auto_event_types == ("turn_complete",)
    assert [d.name for d in config.tool_destinations()] == ["slack.default"]
    assert config.warnings == ("messaging destination 'zulip' is not a Slack one; ignored.",)
    assert not messaging_config({**messaging, "enabled": False}, {}).enabled


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**bold** and *italic*", "*bold* and _italic_"),
        ("__bold__ ~~gone~~", "*bold* ~gone~"),
        ("# Title\n- one\n* two", "*Title*\n• one\n• two"),
        ("see [the docs](https://x.org/a?b=1)", "see <https://x.org/a?b=1|the docs>"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("`**kept**` and\n```\n**also kept**\n```", "`**kept**` and\n```\n**also kept**\n```"),
    ],
)
def test_markdown_becomes_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


def test_long_texts_are_cut_and_say_so() -> None:
    text = cut("x" * 10_000, 3000)
    assert len(text) <= 3000 and "more chars]" in text
    assert cut("short") == "short"


# --- the notify tool ------------------------------------------------------------------------


async def invoke(tool: Any, **args: Any) -> tuple[str, str]:
    message = await tool.ainvoke({"type": "tool_call", "id": "n1", "name": "notify", "args": args})
    return str(message.content), message.status


async def test_notify_posts_only_to_destinations_that_allow_the_tool(slack: SlackServer) -> None:
    config = messaging_config(
        {
            "destinations": {
                "slack.team": destination("C-team"),
                "slack.ops": destination("C-ops", allow_agent_tool=False),
            }
        },
        {},
    )
    tool = notify_spec(config).tool
    assert "slack.team" in tool.description and "slack.ops" not in tool.description
    text, status = await invoke(
        tool,
        destinations=["slack.team", "slack.ops"],
        message="Training **done**: loss 0.12",
        title="Job 42",
        severity="success",
    )
    assert status == "success" and "Sent to slack.team" in text and "slack.ops" in text
    assert [m["channel"] for m in slack.messages] == ["C-team"]
    posted = slack.messages[0]
    assert posted["token"] == "xoxb-cfg"
    assert posted["text"] == ":white_check_mark: *Job 42*\nTraining *done*: loss 0.12"

    text, status = await invoke(tool, destinations=["slack.ops"], message="hi")
    assert status == "error" and "Available: slack.team" in text
    assert len(slack.messages) == 1


async def test_notify_reports_slack_errors_to_the_model(slack: SlackServer) -> None:
    slack.missing_channels.add("C-gone")
    config = messaging_config({"destinations": {"slack.x": destination("C-gone")}}, {})
    text, status = await invoke(notify_spec(config).tool, message="hello")
    assert status == "error" and "channel_not_found" in text


async def test_rate_limited_posts_are_retried_after_retry_after(slack: SlackServer) -> None:
    slack.responses.append((429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}))
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    config = messaging_config({"destinations": {"s": destination("C1")}}, {})
    _, status = await invoke(notify_spec(config, SlackPoster(sleep=sleep)).tool, message="x")
    assert status == "success" and slept == [7.0]
    assert slack.attempts == 2 and len(slack.messages) == 1


# --- automatic events -----------------------------------------------------------------------


def event(type_: str, **data: Any) -> Event:
    return Event(type=type_, thread_id="t1", data=data)  # type: ignore[arg-type]


async def test_auto_events_are_posted_in_the_background(slack: SlackServer) -> None:
    notifier = SlackNotifier(messaging_config({}, ENV))
    request = {"name": "bash", "description": "Run a shell command:\nrm -rf data"}
    notifier.feed(event("approval_required", action_requests=[request]))
    notifier.feed(event("error", message="provider is down", retrying=True))  # not worth a post
    notifier.feed(event("assistant_message", text="not an auto event"))
    notifier.feed(event("turn_complete", stop_reason="done", final_text="**Done**: 3 files"))
    notifier.feed(
        event("job_finished", job_id="job7", stage="ERROR", url="https://hf.co/jobs/a/job7")
    )
    await notifier.aclose()
    texts = [m["text"] for m in slack.messages]
    assert len(texts) == 3
    assert "needs your approval" in texts[0] and "rm -rf data" in texts[0] and "t1" in texts[0]
    assert "finished" in texts[1] and "*Done*: 3 files" in texts[1]
    assert "Job job7 ended: ERROR" in texts[2] and "https://hf.co/jobs/a/job7" in texts[2]
    assert all(m["channel"] == "C-env" for m in slack.messages)


async def test_a_slow_or_broken_slack_never_blocks_or_breaks_the_caller(
    slack: SlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack.delay = 1.0
    notifier = SlackNotifier(messaging_config({}, ENV))
    started = time.monotonic()
    for i in range(3):
        notifier.feed(event("turn_complete", stop_reason="done", final_text=f"turn {i}"))
    # A feed that waited for Slack would take its whole delay: half of it is a slow machine.
    assert time.monotonic() - started < slack.delay / 2  # feeding never waits for Slack
    await notifier.aclose(timeout=0.2)  # bounded: gives up on what is still queued
    assert time.monotonic() - started < 1.0

    monkeypatch.setenv("ML_INTERN_SLACK_API_URL", "http://127.0.0.1:9/api/")  # nothing listens
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    down = SlackNotifier(messaging_config({}, ENV), poster=SlackPoster(sleep=sleep))
    down.feed(event("error", message="boom", fatal=True))
    await down.aclose()
    assert down.failures and "Could not reach Slack" in down.failures[0]
    assert len(slept) == 1 and 0.5 <= slept[0] <= 1.5  # tried again once, after a backoff

    outside_a_loop = SlackNotifier(messaging_config({}, ENV))
    await asyncio.to_thread(outside_a_loop.feed, event("turn_complete", final_text="x"))
    assert outside_a_loop.failures  # dropped and logged, not raised


async def test_agent_notifies_and_auto_events_reach_slack(
    slack: SlackServer, llm: Any, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.agent import collect, fast_settings, open_session
    from tests.fakes.llm_server import Turn
    from tests.fakes.transcript_checks import tool_results
    from tools.external.family import notify_specs
    from tools.families import build_catalog

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    llm.add(
        Turn(tool_calls=[call("notify", "n1", destinations=["slack.default"], message="Started")]),
        Turn(tool_calls=[call("bash", "b1", command="touch out.txt")]),
        Turn(content="All **done**."),
    )
    settings = fast_settings(llm.url)
    catalog = build_catalog(settings).extended(notify_specs(settings))
    notifier = SlackNotifier(messaging_config(settings.messaging))
    async with open_session(settings, workspace, catalog=catalog) as session:
        await collect(notifier.watch(session.send("run it and tell me")))
        await collect(notifier.watch(session.resume([{"type": "approve"}])))
    await notifier.aclose()
    assert "Sent to slack.default" in tool_results(llm.requests[1])["n1"]
    texts = [m["text"] for m in slack.messages]
    assert texts[0] == "Started"
    assert "needs your approval" in texts[1] and "touch out.txt" in texts[1]
    assert "finished" in texts[2] and "All *done*." in texts[2]


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}
