"""A local Hugging Face Hub and dataset viewer for tests (standard library only).

    with FakeHub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("ML_INTERN_DATASETS_SERVER_URL", hub.url)
        ...
        assert hub.requests[-1].headers["authorization"] == f"Bearer {hub.token}"

It implements the endpoints the hf_* tools use (repos in hub_repos.py, jobs and the dataset
viewer in hub_jobs.py), with the real APIs' shapes and error bodies (`{"error": ...}` plus
X-Error-Code / X-Error-Message). `hub.fail(...)` makes a route answer an error; every request is
recorded in `hub.requests`. A second FakeHub serves as "another host" in token-leak tests.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any

from tests.fakes import hub_seed as seed
from tests.fakes.hub_http import Handler, Request, Response, error, reply
from tests.fakes.hub_jobs import JobRoutes
from tests.fakes.hub_repos import Repo, RepoRoutes
from tests.fakes.loopback import serve, stop, url_of

REPO = r"(?P<kind>models|datasets|spaces)/(?P<repo>[^/]+/[^/]+)"


def hang_up(handler: Any) -> None:
    """Answer nothing and close the connection."""
    handler.close_connection = True


class FakeHub(RepoRoutes, JobRoutes):
    """State of the fake Hub; the HTTP handler calls `handle(request)`."""

    def __init__(self, token: str = "hf_fake_token_123", *, seeded: bool = True) -> None:
        self.token = token
        self.requests: list[Request] = []
        self.repos: dict[tuple[str, str], Repo] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.scheduled: dict[str, dict[str, Any]] = {}
        self.job_logs = list(seed.JOB_LOGS)
        self.job_line_delay = 0.05
        self.job_final_stage = "COMPLETED"
        # (gate, n): a job created now sends its first n lines, then stays RUNNING until the
        # test sets the gate (an event, not a window a loaded machine might miss).
        self.job_hold: tuple[threading.Event, int] | None = None
        self.viewer = copy.deepcopy(seed.VIEWER) if seeded else {}
        self.pages = dict(seed.PAGES) if seeded else {}
        self.redirects: dict[str, str] = {}  # path -> Location
        self.delay: tuple[str, float] | None = None  # (path regex, seconds) to slow answers
        self._failures: list[tuple[str | None, re.Pattern[str], Response, list[int]]] = []
        self._hang_ups: list[tuple[re.Pattern[str], list[int]]] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        if seeded:
            for kind, items in (
                ("models", seed.MODELS),
                ("datasets", seed.DATASETS),
                ("spaces", seed.SPACES),
            ):
                for item in copy.deepcopy(items):
                    self.add_repo(kind, **item)

    # --- test controls ----------------------------------------------------------------------

    def add_repo(
        self,
        kind: str,
        id: str,
        files: dict[str, bytes] | None = None,
        private: bool = False,
        **meta: Any,
    ) -> Repo:
        repo = Repo(kind, id, dict(files or {}), meta, private)
        self.repos[(kind, id)] = repo
        return repo

    def repo(self, kind: str, repo_id: str) -> Repo:
        return self.repos[(kind, repo_id)]

    def fail(
        self,
        path: str,
        status: int,
        message: str = "",
        *,
        method: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` requests whose path matches the regex `path` get this error."""
        response = error(status, message or f"fake error {status}", code)
        response.headers.update(headers or {})
        self._failures.append((method, re.compile(path), response, [times]))

    def hang_up(self, path: str, *, times: int = 1) -> None:
        """The next `times` requests whose path matches `path` get no answer: the connection
        closes (the client sees a dropped connection, as in a network blip)."""
        self._hang_ups.append((re.compile(path), [times]))

    def sent_to(self, pattern: str) -> list[Request]:
        return [r for r in self.requests if re.search(pattern, r.path)]

    def bearers(self) -> set[str | None]:
        """Every Authorization header this server received (None for requests without one)."""
        return {r.headers.get("authorization") for r in self.requests}

    @property
    def url(self) -> str:
        return url_of(self._httpd, "FakeHub")

    def __enter__(self) -> FakeHub:
        self._httpd = serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler), hub=self)
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self._httpd)

    # --- dispatch ---------------------------------------------------------------------------

    def handle(self, req: Request) -> Response | Callable[[Any], None]:
        if self.delay and re.search(self.delay[0], req.path):
            time.sleep(self.delay[1])  # outside the lock: slow requests overlap
        with self._lock:
            self.requests.append(req)
            for pattern, left in self._hang_ups:
                if left[0] > 0 and pattern.search(req.path):
                    left[0] -= 1
                    return hang_up
            for method, pattern, response, left in self._failures:
                if left[0] > 0 and (method in (None, req.method)) and pattern.search(req.path):
                    left[0] -= 1
                    return response
            auth = req.headers.get("authorization")
            if auth is not None and auth != f"Bearer {self.token}":
                return error(401, "Invalid credentials in Authorization header")
            if req.path in self.redirects:
                return Response(302, b"", "text/plain", {"Location": self.redirects[req.path]})
            for method, pattern, name in ROUTES:
                if method == req.method and (match := pattern.fullmatch(req.path)):
                    return getattr(self, name)(req, **match.groupdict())
            if req.method == "GET" and req.path in self.pages:
                return self._page(req)
            return error(404, f"no route for {req.method} {req.path}")

    # --- Space hosts ------------------------------------------------------------------------

    def repo_info(self, req: Request, kind: str, repo: str, rev: str | None = None) -> Response:
        """A Space's info also says where its app answers (`subdomain`, `host`), as the Hub's
        does (huggingface_hub's SpaceInfo); `add_repo(..., host=url)` sets another."""
        answer: Response = super().repo_info(req, kind, repo, rev)
        if kind != "spaces" or answer.status != 200:
            return answer
        info = json.loads(answer.body)
        subdomain = re.sub(r"[^a-z0-9]+", "-", repo.lower()).strip("-")
        info.setdefault("subdomain", subdomain)
        info.setdefault("host", f"https://{subdomain}.hf.space")
        return reply(info)

    # --- papers and docs --------------------------------------------------------------------

    def paper_search(self, req: Request) -> Response:
        words = (req.arg("q") or "").lower().split()
        found = [
            p
            for p in seed.PAPERS.values()
            if any(w in (p["title"] + p["summary"]).lower() for w in words)
        ]
        items = [
            {"paper": dict(p), "title": p["title"], "publishedAt": p["publishedAt"]} for p in found
        ]
        return reply(items[: int(req.arg("limit", "50") or 50)])

    def paper(self, req: Request, paper_id: str) -> Response:
        if paper_id not in seed.PAPERS:
            return error(404, "Paper not found")
        linked = [
            r.summary()
            for r in self.repos.values()
            if f"arxiv:{paper_id}" in r.meta.get("tags", [])
        ]
        return reply(
            {
                **seed.PAPERS[paper_id],
                "linkedModels": [r for r in linked if "pipeline_tag" in r],
                "numTotalModels": sum("pipeline_tag" in r for r in linked),
            }
        )

    def paper_md(self, req: Request, paper_id: str) -> Response:
        if paper_id not in seed.PAPER_MD:
            return error(404, "Paper not found")
        return Response(200, seed.PAPER_MD[paper_id].encode(), "text/markdown; charset=utf-8")

    def daily_papers(self, req: Request) -> Response:
        items = [
            {
                "paper": dict(p),
                "title": p["title"],
                "publishedAt": p["publishedAt"],
                "numComments": 1,
            }
            for p in seed.PAPERS.values()
        ]
        return reply(items[: int(req.arg("limit", "50") or 50)])

    def docs_search(self, req: Request) -> Response:
        words = (req.arg("q") or "").lower().split()
        product = req.arg("product")
        found = [
            d
            for d in seed.DOCS_RESULTS
            if (product is None or d["product"] == product)
            and any(w in (d["text"] + d["heading1"]).lower() for w in words)
        ]
        return reply(found[: int(req.arg("limit", "10") or 10)])

    def _page(self, req: Request) -> Response:
        variants = self.pages[req.path]
        accept = req.headers.get("accept", "")
        kind = next((k for k in variants if k in accept and k != "text/html"), next(iter(variants)))
        return Response(200, variants[kind].encode(), f"{kind}; charset=utf-8")


ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(p), name)
    for m, p, name in [
        ("GET", r"/api/whoami-v2", "whoami"),
        ("GET", r"/api/(?P<kind>models|datasets|spaces)", "list_repos"),
        ("GET", rf"/api/{REPO}(?:/revision/(?P<rev>[^/]+))?", "repo_info"),
        ("GET", rf"/api/{REPO}/tree/(?P<rev>[^/]+)(?:/(?P<path>.+))?", "tree"),
        ("POST", rf"/api/{REPO}/preupload/(?P<rev>[^/]+)", "preupload"),
        ("POST", rf"/api/{REPO}/commit/(?P<rev>[^/]+)", "commit"),
        ("POST", r"/api/repos/create", "create_repo"),
        ("PUT", rf"/api/{REPO}/settings", "settings"),
        ("GET", rf"/api/{REPO}/refs", "refs"),
        ("POST", rf"/api/{REPO}/branch/(?P<name>[^/]+)", "branch"),
        ("DELETE", rf"/api/{REPO}/branch/(?P<name>[^/]+)", "branch"),
        ("POST", rf"/api/{REPO}/tag/(?P<name>[^/]+)", "tag"),
        ("DELETE", rf"/api/{REPO}/tag/(?P<name>[^/]+)", "tag"),
        ("GET", rf"/api/{REPO}/discussions", "discussions"),
        ("POST", rf"/api/{REPO}/discussions", "discussions"),
        ("GET", rf"/api/{REPO}/discussions/(?P<num>\d+)", "discussion"),
        ("POST", rf"/api/{REPO}/discussions/(?P<num>\d+)/(?P<action>comment|merge)", "discussion"),
        ("GET", r"/api/papers/search", "paper_search"),
        ("GET", r"/api/papers/(?P<paper_id>[^/]+)", "paper"),
        ("GET", r"/papers/(?P<paper_id>[^/]+)\.md", "paper_md"),
        ("GET", r"/api/daily_papers", "daily_papers"),
        ("GET", r"/api/docs/search", "docs_search"),
        ("GET", r"/api/jobs/hardware", "hardware"),
        ("GET", r"/api/jobs/(?P<ns>[^/]+)", "jobs_collection"),
        ("POST", r"/api/jobs/(?P<ns>[^/]+)", "jobs_collection"),
        ("GET", r"/api/jobs/(?P<ns>[^/]+)/(?P<job_id>[^/]+)(?:/(?P<action>logs))?", "job"),
        ("POST", r"/api/jobs/(?P<ns>[^/]+)/(?P<job_id>[^/]+)/(?P<action>cancel)", "job"),
        ("GET", r"/api/scheduled-jobs/(?P<ns>[^/]+)", "scheduled_collection"),
        ("POST", r"/api/scheduled-jobs/(?P<ns>[^/]+)", "scheduled_collection"),
        ("DELETE", r"/api/scheduled-jobs/(?P<ns>[^/]+)/(?P<sid>[^/]+)", "scheduled_job"),
        (
            "POST",
            r"/api/scheduled-jobs/(?P<ns>[^/]+)/(?P<sid>[^/]+)/(?P<action>suspend|resume)",
            "scheduled_job",
        ),
        (
            "GET",
            r"/(?P<endpoint>is-valid|splits|info|first-rows|parquet|size|statistics)",
            "viewer_api",
        ),
        (
            "GET",
            r"/(?P<prefix>datasets/|spaces/)?(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)",
            "resolve",
        ),
    ]
]


@contextmanager
def hub_env(monkeypatch: Any) -> Iterator[FakeHub]:
    """A started FakeHub that the hf_* tools use: HF_ENDPOINT, the viewer URL and HF_TOKEN."""
    with FakeHub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("ML_INTERN_DATASETS_SERVER_URL", hub.url)
        monkeypatch.setenv("HF_TOKEN", hub.token)
        monkeypatch.setattr("tools.hub.jobs_follow.POLL_S", 0.05)
        yield hub


async def invoke(tool: Any, workspace: Any = None, writer: Any = None, **args: Any) -> Any:
    """Call a tool as the graph does (a tool call, so failures come back with status=error)."""
    from tests.fakes.tool_calls import call_tool

    extra = {"writer": writer} if writer is not None else {}
    return await call_tool(tool, args, workspace, as_tool_call=True, **extra)
