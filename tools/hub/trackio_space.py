"""A Trackio dashboard Space, read over the HTTP API trackio's own client uses.

A dashboard (trackio 0.43, `trackio/asgi_app.py` and `trackio/server.py`) answers
`POST <space>/api/<name>` with `{"args": [...], "kwargs": {...}}` by `{"data": ...}` or
`{"error": "..."}`; `trackio/remote_client.py` and `trackio list/get --space` call the read
endpoints used here: get_all_projects, get_runs_for_project, get_run_summary, get_logs (at
most 3,000 rows, sampled server-side) and get_alerts.

Where a Space answers, and whether it is private, is asked of the Hub first
(tools/hub/space_host.py: its `host`, else `subdomain`), never built from the name (`a-b/c`
and `a/b-c` would share one). The Space id comes from the model, which may have read it on
any web page, so the Hugging Face token goes to a Space's host only when the Hub says the
Space is private (it is then the user's or their organisation's: the Hub shows no one else's
private Space), and only as `X-HF-Authorization`, the header the Spaces proxy checks and
removes: the app behind it never sees the token. A public Space gets no token at all.
Redirects are not followed: one means a sleeping or building Space, which is reported.
`TRACKIO_SPACE_URL` points every Space id at one dashboard (self-hosted, or tests), with no
Hub lookup and no token.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from langchain_core.tools import ToolException

from tools.host_token import origin
from tools.hub.client import hf_token
from tools.hub.space_host import SpaceHost
from tools.hub.space_host import find_space as _find_space
from tools.hub.trackio_data import Alert, LogRow, RunInfo, project_key
from tools.result_texts import arguments, tool_text
from tools.result_texts import trackio as texts
from tools.tls import verifying_context

if TYPE_CHECKING:
    import httpx

HTTP_TIMEOUT_S = 30.0
DETAILED_RUNS = 10  # runs whose last step and log count `runs` asks the Space for
SPACE_ROWS_CAP = 3000  # what a dashboard's get_logs sends at most
PROXY_TOKEN_HEADER = "X-HF-Authorization"  # the Spaces proxy checks it and passes it on to no app
_SPACE_ID = re.compile(
    r"^(?:https?://(?:huggingface\.co|hf\.co)/spaces/|spaces/)?"
    r"([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*?)/?$"
)


def space_id(value: str) -> str:
    """'user/name' from 'user/name' or its Hub page URL; ValueError otherwise."""
    match = _SPACE_ID.match(value.strip())
    if not match:
        raise ValueError(tool_text("arguments", arguments.NOT_SPACE_ID, value=value))
    return match.group(1)


async def find_space(space: str) -> SpaceHost:
    """Where the Space `user/name` answers and whether it is private, as the Hub says."""
    return await _find_space(
        space,
        override_env="TRACKIO_SPACE_URL",
        no_host=tool_text("trackio_metrics", texts.NO_HOST, space=space),
    )


class SpaceTrackio:
    """The TrackioSource for a dashboard Space; use it as `async with SpaceTrackio(id) as s`."""

    def __init__(self, space: str) -> None:
        self.space = space
        self.url = ""
        self.private = False
        self.where = tool_text("trackio_metrics", texts.SPACE, space=space)
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> SpaceTrackio:
        import httpx

        found = await find_space(self.space)
        self.url, self.private = found.url, found.private
        own = origin(self.url)

        def proxy_token(request: httpx.Request) -> httpx.Request:
            if self.private and origin(str(request.url)) == own and (token := hf_token()):
                request.headers[PROXY_TOKEN_HEADER] = f"Bearer {token}"
            return request

        self._client = httpx.AsyncClient(
            auth=proxy_token,
            timeout=HTTP_TIMEOUT_S,
            follow_redirects=False,
            verify=verifying_context(),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def projects(self) -> list[str]:
        return sorted(str(p) for p in await self._call("get_all_projects") or [])

    async def runs(self, project: str, *, details: bool = False) -> list[RunInfo]:
        records = await self._call("get_runs_for_project", project=project) or []
        runs = sorted((_run(r) for r in records), key=lambda run: run.started or "")
        if not runs:
            await self._check_project(project)
        if details and runs:
            newest = runs[-DETAILED_RUNS:]
            summaries = await asyncio.gather(*(self._summary(project, run) for run in newest))
            runs = runs[: -len(newest)] + summaries
        return runs

    async def logs(self, project: str, run: RunInfo) -> list[LogRow]:
        # Not scalar_only=True: that drops nan and inf (stored as strings), which matter most.
        rows = await self._call("get_logs", project=project, run=run.name, run_id=run.id)
        return [_log_row(row) for row in rows or [] if isinstance(row, dict)]

    async def alerts(self, project: str, run: RunInfo | None) -> list[Alert]:
        found = await self._call(
            "get_alerts",
            project=project,
            run=run.name if run else None,
            run_id=run.id if run else None,
        )
        alerts = [_alert(a) for a in found or [] if isinstance(a, dict)]
        if not alerts and run is None:
            await self._check_project(project)
        return sorted(alerts, key=lambda a: a.time, reverse=True)

    async def _summary(self, project: str, run: RunInfo) -> RunInfo:
        summary = await self._call("get_run_summary", project=project, run=run.name, run_id=run.id)
        if not isinstance(summary, dict):
            return run
        return replace(run, last_step=summary.get("last_step"), logs=summary.get("num_logs"))

    async def _check_project(self, project: str) -> None:
        known = await self.projects()
        if project_key(project) in {project_key(p) for p in known}:
            return
        listed = (
            tool_text("trackio_metrics", texts.ITS_PROJECTS, names=", ".join(known[:20]))
            if known
            else tool_text("trackio_metrics", texts.NO_PROJECTS_YET)
        )
        raise ToolException(
            tool_text(
                "trackio_metrics",
                texts.NO_SPACE_PROJECT,
                project=project,
                space=self.space,
                listed=listed,
            )
        )

    async def _call(self, api: str, **kwargs: Any) -> Any:
        import httpx

        assert self._client is not None, "use SpaceTrackio as an async context manager"
        space, url = self.space, f"{self.url}/api/{api}"
        try:
            response = await self._client.post(url, json={"args": [], "kwargs": kwargs})
        except httpx.TimeoutException:
            seconds, at = HTTP_TIMEOUT_S, self.url
            slow = tool_text("trackio_metrics", texts.SLOW, space=space, url=at, seconds=seconds)
            raise ToolException(slow) from None
        except httpx.HTTPError as exc:
            error, at = type(exc).__name__, self.url
            raise ToolException(
                tool_text("trackio_metrics", texts.UNREACHABLE, space=space, url=at, error=error)
            ) from None
        if response.is_redirect or response.status_code >= 400:
            raise ToolException(self._refusal(response, api))
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ToolException(
                tool_text("trackio_metrics", texts.NOT_A_DASHBOARD, space=self.space, url=url)
            )
        if body.get("error"):
            said = _said(body)
            raise ToolException(
                tool_text("trackio_metrics", texts.API_ERROR, space=self.space, api=api, said=said)
            )
        return body.get("data")

    def _refusal(self, response: httpx.Response, api: str) -> str:
        status, space, url = response.status_code, self.space, self.url
        if response.is_redirect:
            where = response.headers.get("location", "elsewhere")
            return tool_text("trackio_metrics", texts.REDIRECTED, space=space, where=where)
        if status in (401, 403) and self.private:
            return tool_text("trackio_metrics", texts.TOKEN_REFUSED, space=space, status=status)
        if status in (401, 403):
            return tool_text("trackio_metrics", texts.PUBLIC_REFUSED, space=space, status=status)
        said = _said(_json(response))
        if status == 404 and said.startswith("Unknown API"):
            return tool_text("trackio_metrics", texts.NO_API, space=space, api=api)
        if status == 404:
            return tool_text("trackio_metrics", texts.NOT_FOUND, space=space, url=url)
        detail = tool_text("trackio_metrics", texts.SAID, said=said) if said else ""
        if status >= 500:
            return tool_text(
                "trackio_metrics", texts.SPACE_ERROR, space=space, status=status, detail=detail
            )
        return tool_text(
            "trackio_metrics", texts.REFUSED, space=space, api=api, status=status, detail=detail
        )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _said(body: Any) -> str:
    message = body.get("error") if isinstance(body, dict) else None
    return " ".join(str(message or "").split())[:200]


def _run(record: Any) -> RunInfo:
    if not isinstance(record, dict):  # dashboards before run ids sent bare names
        return RunInfo(str(record), str(record))
    name = str(record.get("name") or record.get("id"))
    return RunInfo(str(record.get("id") or name), name, record.get("created_at"))


def _log_row(row: dict[str, Any]) -> LogRow:
    values = {k: v for k, v in row.items() if k not in ("step", "timestamp")}
    step = row.get("step")
    return LogRow(step if isinstance(step, int) else 0, row.get("timestamp"), values)


def _alert(a: dict[str, Any]) -> Alert:
    return Alert(
        str(a.get("timestamp") or ""),
        str(a.get("run") or ""),
        str(a.get("level") or "warn"),
        str(a.get("title") or ""),
        a.get("text"),
        a.get("step"),
    )
