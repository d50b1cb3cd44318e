"""A local Trackio dashboard Space for tests (standard library only).

    with FakeTrackioSpace(hub.token, private=True) as space:
        hub.add_repo("spaces", "acme/trackio", private=True, host=space.url)  # the Hub's answer
        space.add_run("demo", "run-a", [{"loss": 2.0}, {"loss": 1.5}])

It answers what trackio's own client calls on a dashboard (trackio 0.43 `asgi_app.py` /
`server.py`): `GET /version` and `POST /api/<name>` with `{"args": [...], "kwargs": {...}}`,
replying `{"data": ...}`, or `{"error": ...}` (404 "Unknown API: <name>" for names it lacks).
Read endpoints: get_all_projects, get_runs_for_project, get_run_summary, get_logs, get_alerts,
in the shapes the real server sends (nan/inf become null, as its `_json_safe` does).

In front of it stands what the Spaces proxy does: a private Space wants
`X-HF-Authorization: Bearer <token>` (none gets 404, the Space is hidden; a wrong one 401), and
the proxy removes that header before the app sees a request. An `Authorization` header
would reach the app untouched, as on the real proxy: the tests assert none is ever sent.
`fail(status)` makes the next request fail; `redirect` sends every request elsewhere; every
request, as it reached the proxy, is kept in `.requests`.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import Any

from tests.fakes.hub_http import Handler, Request, Response, error, reply
from tests.fakes.loopback import serve, stop, url_of

PARAMS = {
    "get_all_projects": (),
    "get_runs_for_project": ("project",),
    "get_run_summary": ("project", "run", "run_id"),
    "get_logs": ("project", "run", "run_id", "scalar_only"),
    "get_alerts": ("project", "run", "run_id", "level", "since"),
}
PROXY_TOKEN = "x-hf-authorization"  # what the Spaces proxy checks and removes
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


class FakeTrackioSpace:
    def __init__(self, token: str = "hf_space_token_456", *, private: bool = False) -> None:
        self.token = token
        self.private = private
        self.projects: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[Request] = []
        self.redirect: str | None = None
        self._failures: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # --- test controls ----------------------------------------------------------------------

    def add_run(
        self,
        project: str,
        name: str,
        rows: list[dict[str, Any]],
        alerts: list[dict[str, Any]] | None = None,
        start: float = 0.0,
    ) -> dict[str, Any]:
        """A run whose i-th row is logged at step i, one second apart from `start`."""
        run = {
            "id": f"{name}-{len(self.projects.get(project, []))}-0123456789abcdef",
            "name": name,
            "created_at": stamp(start),
            "logs": [
                {**_safe(values), "timestamp": stamp(start + i), "step": i}
                for i, values in enumerate(rows)
            ],
            "alerts": [
                {"timestamp": stamp(start + a.get("step", 0)), "run": name, "text": None,
                 "level": "warn", "step": None, **a}
                for a in alerts or []
            ],
        }  # fmt: skip
        self.projects.setdefault(project, []).append(run)
        return run

    def fail(self, status: int, message: str = "") -> None:
        self._failures.append((status, message or f"fake error {status}"))

    def sent(self, api: str) -> list[Request]:
        return [r for r in self.requests if r.path == f"/api/{api}"]

    @property
    def url(self) -> str:
        return url_of(self._httpd, "FakeTrackioSpace")

    def __enter__(self) -> FakeTrackioSpace:
        self._httpd = serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler), hub=self)
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self._httpd)

    # --- dispatch ---------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        with self._lock:
            self.requests.append(req)
            if self._failures:
                status, message = self._failures.pop(0)
                return error(status, message)
        if self.redirect:
            return Response(302, b"", "text/plain", {"Location": self.redirect})
        auth = req.headers.get(PROXY_TOKEN)
        if auth is not None and auth != f"Bearer {self.token}":
            return error(401, "Invalid credentials in X-HF-Authorization header")
        if self.private and auth is None:
            return Response(404, b"<html>404</html>", "text/html")
        if req.method == "GET" and req.path == "/version":
            return reply({"version": "0.43.0", "api_version": 1, "api_transport": "http"})
        api = req.path.removeprefix("/api/")
        if req.method != "POST" or api not in PARAMS:
            return error(404, f"Unknown API: {api}")
        body = req.json() or {}
        args = dict(zip(PARAMS[api], body.get("args") or [], strict=False))
        args.update({k: v for k, v in (body.get("kwargs") or {}).items() if k in PARAMS[api]})
        return reply({"data": getattr(self, api)(**args)})

    # --- the dashboard's read API -----------------------------------------------------------

    def get_all_projects(self) -> list[str]:
        return sorted(self.projects)

    def get_runs_for_project(self, project: str) -> list[dict[str, Any]]:
        return [
            {"id": r["id"], "name": r["name"], "created_at": r["created_at"]}
            for r in self.projects.get(project, [])
        ]

    def _run(self, project: str, run: str | None, run_id: str | None) -> dict[str, Any] | None:
        runs = self.projects.get(project, [])
        return next((r for r in reversed(runs) if run_id in (None, r["id"]) and run in (None, r["name"])), None)  # fmt: skip

    def get_run_summary(
        self, project: str, run: str | None = None, run_id: str | None = None
    ) -> dict[str, Any]:
        found = self._run(project, run, run_id)
        logs = found["logs"] if found else []
        keys = sorted({k for row in logs for k in row} - {"step", "timestamp"})
        return {
            "project": project,
            "run": run,
            "run_id": run_id,
            "num_logs": len(logs),
            "metrics": keys,
            "config": None,
            "last_step": max((row["step"] for row in logs), default=None),
        }

    def get_logs(
        self,
        project: str,
        run: str | None = None,
        run_id: str | None = None,
        scalar_only: bool = False,
    ) -> list[dict[str, Any]]:
        found = self._run(project, run, run_id)
        return [dict(row) for row in found["logs"]] if found else []

    def get_alerts(
        self,
        project: str,
        run: str | None = None,
        run_id: str | None = None,
        level: str | None = None,
        since: str | None = None,
    ) -> list[dict[str, Any]]:
        runs = self.projects.get(project, [])
        if run is not None or run_id is not None:
            found = self._run(project, run, run_id)
            runs = [found] if found else []
        alerts = [a for r in runs for a in r["alerts"]]
        return sorted(alerts, key=lambda a: a["timestamp"], reverse=True)


def _safe(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in values.items()
    }
