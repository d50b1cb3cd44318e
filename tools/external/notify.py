"""Slack notifications: the `notify` tool and `SlackNotifier` for automatic events.

Destinations come from the config's `messaging` and, when `SLACK_BOT_TOKEN` and
`SLACK_CHANNEL_ID` are set, an env default named `slack.default` (or
`ML_INTERN_SLACK_DESTINATION`); `ML_INTERN_SLACK_NOTIFICATIONS=false` turns the env default
off. Messages go through slack_sdk to `ML_INTERN_SLACK_API_URL` (default
https://slack.com/api/), markdown converted to Slack's mrkdwn and long texts cut. A 429 is
retried after its Retry-After. A Slack failure never blocks or breaks a run: the notifier
posts from a background task and only logs what fails.

    notifier = SlackNotifier(messaging_config(settings.messaging))
    async for event in notifier.watch(session.send(text)):  # or notifier.feed(event)
        render(event)
    await notifier.aclose()  # delivers what is queued (bounded wait)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.tools import ToolException

from configs.integrations import DestinationSettings, MessagingSettings
from tools.result_texts import tool_text
from tools.result_texts.external import NO_SLACK, SLACK_REFUSED
from tools.secrets import redact
from tools.text import cut as cut_text

log = logging.getLogger(__name__)
DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DESTINATION = "slack.default"
DEFAULT_AUTO_EVENTS = ("approval_required", "error", "turn_complete", "job_finished")
MAX_CHARS = 3000
MAX_RETRY_AFTER_S = 60.0
SEVERITY = {"info": ":information_source:", "success": ":white_check_mark:"}
SEVERITY |= {"warning": ":warning:", "error": ":x:"}
Sleep = Callable[[float], Awaitable[Any]]


@dataclass(frozen=True)
class Destination:
    name: str
    token: str
    channel: str
    allow_agent_tool: bool = True
    allow_auto_events: bool = True
    api_url: str | None = None


@dataclass(frozen=True)
class MessagingConfig:
    enabled: bool = False
    auto_event_types: tuple[str, ...] = DEFAULT_AUTO_EVENTS
    destinations: dict[str, Destination] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # destinations that were ignored, and why

    def tool_destinations(self) -> list[Destination]:
        return [d for d in self.destinations.values() if self.enabled and d.allow_agent_tool]

    def auto_destinations(self) -> list[Destination]:
        return [d for d in self.destinations.values() if self.enabled and d.allow_auto_events]


def messaging_config(
    messaging: MessagingSettings | Mapping[str, Any] | None, env: Mapping[str, str] | None = None
) -> MessagingConfig:
    """The config's `messaging` plus the env default destination (config entries win)."""
    env = os.environ if env is None else env
    if not isinstance(messaging, MessagingSettings):
        messaging = MessagingSettings.model_validate(messaging or {})
    given = dict(messaging.destinations)
    enabled = messaging.enabled if messaging.enabled is not None else bool(given)
    events = messaging.auto_event_types
    token, channel = env.get("SLACK_BOT_TOKEN", "").strip(), env.get("SLACK_CHANNEL_ID", "").strip()
    if token and channel and _flag(env, "ML_INTERN_SLACK_NOTIFICATIONS", True):
        name = env.get("ML_INTERN_SLACK_DESTINATION", "").strip() or DEFAULT_DESTINATION
        given.setdefault(
            name,
            DestinationSettings(
                token=token,
                channel=channel,
                allow_agent_tool=_flag(env, "ML_INTERN_SLACK_ALLOW_AGENT_TOOL", True),
                allow_auto_events=_flag(env, "ML_INTERN_SLACK_ALLOW_AUTO_EVENTS", True),
            ),
        )
        enabled = True
        if env.get("ML_INTERN_SLACK_AUTO_EVENTS") is not None:
            events = [e.strip() for e in env["ML_INTERN_SLACK_AUTO_EVENTS"].split(",") if e.strip()]
    destinations, warnings = {}, []
    for name, entry in given.items():
        if entry.provider != "slack":
            warnings.append(f"messaging destination {name!r} is not a Slack one; ignored.")
            continue
        if not entry.token or not entry.channel:
            warnings.append(f"Slack destination {name!r} needs a token and a channel; ignored.")
            continue
        destinations[name] = Destination(
            name,
            entry.token,
            entry.channel,
            entry.allow_agent_tool,
            entry.allow_auto_events,
            entry.api_url,
        )
    types = tuple(events) if events is not None else DEFAULT_AUTO_EVENTS
    return MessagingConfig(enabled and bool(destinations), types, destinations, tuple(warnings))


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    return default if not value else value in ("1", "true", "yes", "on")


# --- text -----------------------------------------------------------------------------------

_CODE = re.compile(r"(```.*?```|`[^`\n]+`)", re.S)


def to_mrkdwn(markdown: str) -> str:
    """Markdown as Slack mrkdwn: bold, italics, strike, links, headings, bullets; code kept."""
    parts = _CODE.split(markdown)
    return "".join(_escape(p) if i % 2 else _inline(_escape(p)) for i, p in enumerate(parts))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inline(text: str) -> str:
    text = re.sub(r"^(\s*)[-*+]\s+", "\\1• ", text, flags=re.M)
    text = re.sub(r"^#{1,6}\s+(.+?)\s*#*$", "\x01\\1\x01", text, flags=re.M)
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: f"\x01{m[1] or m[2]}\x01", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])", "_\\1_", text)
    text = re.sub(r"~~(.+?)~~", "~\\1~", text)
    text = re.sub(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)", "<\\2|\\1>", text)
    return text.replace("\x01", "*")


def cut(text: str, limit: int = MAX_CHARS) -> str:
    """`text` within Slack's `limit`, the note on what was cut included."""
    return text if len(text) <= limit else cut_text(text, limit - 30)


def event_text(event: Any) -> str | None:
    """What an automatic event says in Slack, or None when it is not worth a message."""
    data, thread = event.data, f"(thread `{event.thread_id}`)"
    if event.type == "approval_required":
        asks = [
            f"• *{r.get('name')}*: {' '.join(str(r.get('description', '')).split())[:300]}"
            for r in data.get("action_requests") or []
        ]
        return "\n".join([f":raised_hand: *ml-intern needs your approval* {thread}", *asks])
    if event.type == "error":
        if data.get("retrying") or data.get("warning"):
            return None
        return f":x: *ml-intern hit an error* {thread}\n{to_mrkdwn(str(data.get('message', '')))}"
    if event.type == "job_finished":
        stage = str(data.get("stage") or "?")
        mark = ":white_check_mark:" if stage == "COMPLETED" else ":warning:"
        return f"{mark} *Job {data.get('job_id')} ended: {stage}* {thread}\n{data.get('url', '')}".rstrip()
    if event.type == "turn_complete":
        reason = data.get("stop_reason") or "done"
        head = ":white_check_mark: *ml-intern finished*" if reason == "done" else ""
        head = head or f":warning: *ml-intern stopped ({reason})*"
        final = to_mrkdwn(str(data.get("final_text") or ""))
        return f"{head} {thread}\n{final}".rstrip()
    return None


# --- posting --------------------------------------------------------------------------------


def _retry_after_handler(sleep: Sleep, retries: int) -> Any:
    from slack_sdk.http_retry.async_handler import AsyncRetryHandler

    class RetryAfter(AsyncRetryHandler):
        """Retry a 429 after exactly its Retry-After (capped), with an injectable sleep."""

        async def _can_retry_async(self, *, response: Any = None, **_: Any) -> bool:
            return response is not None and response.status_code == 429

        async def prepare_for_next_attempt_async(
            self, *, state: Any, response: Any = None, **_: Any
        ) -> None:
            headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
            value = (headers.get("retry-after") or ["1"])[0]
            delay = float(value) if str(value).replace(".", "", 1).isdigit() else 1.0
            state.next_attempt_requested = True
            await sleep(min(delay, MAX_RETRY_AFTER_S))
            state.increment_current_attempt()

    return RetryAfter(max_retry_count=retries)


def _connection_retry_handler(sleep: Sleep) -> Any:
    from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler

    class ConnectionRetry(AsyncConnectionErrorRetryHandler):
        """Retry a refused or dropped connection once after slack_sdk's backoff (0.5-1.5 s),
        with an injectable sleep."""

        async def prepare_for_next_attempt_async(self, *, state: Any, **_: Any) -> None:
            state.next_attempt_requested = True
            await sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
            state.increment_current_attempt()

    return ConnectionRetry()


class SlackPoster:
    """Posts to destinations through slack_sdk's AsyncWebClient; failures raise ToolException.
    Every wait before a retry goes through `sleep`."""

    def __init__(self, *, sleep: Sleep = asyncio.sleep, retries: int = 3) -> None:
        self.sleep = sleep
        self.retries = retries

    async def post(self, destination: Destination, text: str) -> None:
        from slack_sdk.errors import SlackApiError
        from slack_sdk.web.async_client import AsyncWebClient

        base = destination.api_url or os.environ.get("ML_INTERN_SLACK_API_URL") or DEFAULT_API_URL
        client = AsyncWebClient(
            token=destination.token,
            base_url=base,
            timeout=15,
            retry_handlers=[
                _connection_retry_handler(self.sleep),
                _retry_after_handler(self.sleep, self.retries),
            ],
        )
        try:
            # Nothing leaves for Slack unredacted: tokens in commands, answers, tool output.
            safe = cut(redact(text))
            await client.chat_postMessage(channel=destination.channel, text=safe, mrkdwn=True)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            name = destination.name
            raise ToolException(
                tool_text("notify", SLACK_REFUSED, name=name, error=error or exc)
            ) from None
        except Exception as exc:
            name, kind = destination.name, type(exc).__name__
            raise ToolException(
                tool_text("notify", NO_SLACK, name=name, error=kind, said=exc)
            ) from None


class SlackNotifier:
    """Posts automatic events in the background; `feed` never blocks and never raises."""

    def __init__(
        self, config: MessagingConfig, *, poster: SlackPoster | None = None, max_queue: int = 100
    ) -> None:
        self.destinations = config.auto_destinations()
        self.event_types = frozenset(config.auto_event_types)
        self.poster = poster or SlackPoster()
        self.failures: list[str] = []
        self._max_queue = max_queue
        self._queue: asyncio.Queue[str] | None = None
        self._worker: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return bool(self.destinations and self.event_types)

    def feed(self, event: Any) -> None:
        try:
            if not self.active or event.type not in self.event_types:
                return
            text = event_text(event)
            if text is None:
                return
            if self._queue is None:
                self._queue = asyncio.Queue(self._max_queue)
                self._worker = asyncio.get_running_loop().create_task(self._work(self._queue))
            self._queue.put_nowait(text)
        except (
            Exception
        ) as exc:  # a full queue, no loop, a malformed event: never the run's problem
            self._failed(f"notification dropped: {type(exc).__name__}: {exc}")

    async def watch(self, events: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """Pass `events` through unchanged, feeding each one to the notifier."""
        async for event in events:
            self.feed(event)
            yield event

    async def aclose(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Deliver what is queued (waiting at most `timeout` s), then stop the worker."""
        if self._queue is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), timeout)
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(BaseException):
                await self._worker
        self._queue = self._worker = None

    async def _work(self, queue: asyncio.Queue[str]) -> None:
        while True:
            text = await queue.get()
            try:
                for destination in self.destinations:
                    try:
                        await self.poster.post(destination, text)
                    except Exception as exc:
                        self._failed(str(exc))
            finally:
                queue.task_done()

    def _failed(self, message: str) -> None:
        self.failures.append(message)
        log.debug("Slack notification failed: %s", message)  # never on the user's terminal
