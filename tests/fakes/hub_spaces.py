"""Space endpoints for the fake Hub: hardware prices, runtime stages, restart, delete (and\nthe README metadata check a commit of a Space card makes).

    with spaces_env(monkeypatch) as hub:       # a FakeHub that also serves Spaces
        hub.start_stages = ["BUILDING"]        # a new Space that never starts
        ...
        hub.spaces["alice/x"].secrets          # what create_repo sent as Space secrets

`FakeSpacesHub` is a FakeHub whose routes stay as they are: a request none of them serves is
offered to SPACE_ROUTES. `create_repo` also keeps a Space's hardware, sleep time and secrets.
A new Space's runtime answers `start_stages` one poll after another (the last one sticks);
a restart answers `wake_stages` the same way. Shapes follow huggingface_hub's SpaceRuntime
(`stage`, `hardware.current/requested`, `gcTimeout`, `errorMessage`) and JobHardwareInfo.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.fakes import hub_seed as seed
from tests.fakes.hub_http import Request, Response, error, reply
from tests.fakes.hub_repos import NOT_FOUND
from tests.fakes.hub_server import FakeHub

# Prices differ from the Hub's list prices on purpose: a test can tell which one was used.
SPACE_HARDWARE: list[dict[str, Any]] = [
    {"name": "cpu-basic", "prettyName": "CPU Basic", "cpu": "2 vCPU", "ram": "16 GB",
     "accelerator": None, "unitCostMicroUSD": 0, "unitCostUSD": 0, "unitLabel": "minute"},
    {"name": "t4-small", "prettyName": "Nvidia T4 - small", "cpu": "4 vCPU", "ram": "15 GB",
     "accelerator": {"type": "gpu", "model": "T4", "quantity": "1", "vram": "16 GB",
                     "manufacturer": "Nvidia"},
     "unitCostMicroUSD": 7500, "unitCostUSD": 0.0075, "unitLabel": "minute"},
]  # fmt: skip


@dataclass
class SpaceState:
    hardware: str | None
    sleep_time: int | None
    secrets: dict[str, str]
    stages: list[str]
    polls: int = 0
    error: str = ""
    restarts: int = 0
    payload: dict[str, Any] = field(default_factory=dict)

    def next_stage(self) -> str:
        stage = self.stages[min(self.polls, len(self.stages) - 1)]
        self.polls += 1
        return stage


class SpaceRoutes:
    """Mixed into a FakeHub: `repos`, `_find`, `_authed` and `create_repo` come from there."""

    spaces: dict[str, SpaceState]
    start_stages: list[str]
    start_error: str
    wake_stages: list[str]
    repos: dict[tuple[str, str], Any]
    _find: Callable[..., Any]
    _authed: Callable[[Request], bool]

    def create_repo(self, req: Request) -> Response:
        answer: Response = super().create_repo(req)  # type: ignore[misc]
        data = req.json()
        if answer.status == 200 and data.get("type") == "space":
            repo_id = f"{data.get('organization') or seed.USER['name']}/{data['name']}"
            secrets = {s["key"]: s["value"] for s in data.get("secrets") or []}
            self.spaces[repo_id] = SpaceState(
                data.get("hardware"),
                data.get("sleepTimeSeconds"),
                secrets,
                list(self.start_stages),
                error=self.start_error,
                payload=data,
            )
        return answer

    def sandbox_keys(self) -> set[str]:
        """Every ML_INTERN_SANDBOX_KEY a Space was given (the fake runtime accepts them)."""
        return {
            s.secrets["ML_INTERN_SANDBOX_KEY"]
            for s in self.spaces.values()
            if "ML_INTERN_SANDBOX_KEY" in s.secrets
        }

    def validate_yaml(self, req: Request) -> Response:
        """huggingface_hub checks a README's metadata here before committing it."""
        return reply({"errors": [], "warnings": []})

    def spaces_hardware(self, req: Request) -> Response:
        return reply(SPACE_HARDWARE)

    def space_runtime(self, req: Request, repo: str) -> Response:
        found = self._find(req, "spaces", repo)
        if isinstance(found, Response):
            return found
        state = self.spaces.get(repo) or SpaceState("cpu-basic", None, {}, ["RUNNING"])
        return reply(self._runtime(state, state.next_stage()))

    def space_restart(self, req: Request, repo: str) -> Response:
        if not self._authed(req) or repo not in self.spaces:
            return error(404, NOT_FOUND, "RepoNotFound")
        state = self.spaces[repo]
        state.stages, state.polls, state.restarts = list(self.wake_stages), 0, state.restarts + 1
        return reply(self._runtime(state, state.stages[0]))

    def delete_repo(self, req: Request) -> Response:
        if not self._authed(req):
            return error(401, "Invalid credentials in Authorization header")
        data = req.json()
        repo_id = f"{data.get('organization') or seed.USER['name']}/{data['name']}"
        kind = f"{data.get('type') or 'model'}s"
        if self.repos.pop((kind, repo_id), None) is None:
            return error(404, NOT_FOUND, "RepoNotFound")
        self.spaces.pop(repo_id, None)
        return reply({})

    @staticmethod
    def _runtime(state: SpaceState, stage: str) -> dict[str, Any]:
        running = stage.startswith("RUNNING")
        return {
            "stage": stage,
            "hardware": {"current": state.hardware if running else None,
                         "requested": state.hardware},
            "gcTimeout": state.sleep_time,
            "storage": None,
            "devMode": False,
            **({"errorMessage": state.error} if state.error else {}),
        }  # fmt: skip


SPACE = r"(?P<repo>[^/]+/[^/]+)"
SPACE_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(p), name)
    for m, p, name in [
        ("GET", r"/api/spaces/hardware", "spaces_hardware"),
        ("GET", rf"/api/spaces/{SPACE}/runtime", "space_runtime"),
        ("POST", rf"/api/spaces/{SPACE}/restart", "space_restart"),
        ("DELETE", r"/api/repos/delete", "delete_repo"),
        ("POST", r"/api/validate-yaml", "validate_yaml"),
    ]
]


class FakeSpacesHub(SpaceRoutes, FakeHub):
    def __init__(self, token: str = "hf_fake_token_123", *, seeded: bool = True) -> None:
        super().__init__(token, seeded=seeded)
        self.spaces: dict[str, SpaceState] = {}
        self.start_stages = ["BUILDING", "APP_STARTING", "RUNNING"]
        self.start_error = ""  # a new Space's errorMessage (for BUILD_ERROR and the like)
        self.wake_stages = ["APP_STARTING", "RUNNING"]

    def handle(self, req: Request) -> Response | Callable[[Any], None]:
        answer = super().handle(req)  # records it, applies `fail(...)` and the token check
        unserved = isinstance(answer, Response) and answer.headers.get(
            "X-Error-Message", ""
        ).startswith("no route")
        if not unserved:
            return answer
        with self._lock:
            for method, pattern, name in SPACE_ROUTES:
                if method == req.method and (match := pattern.fullmatch(req.path)):
                    return getattr(self, name)(req, **match.groupdict())
        return answer


@contextmanager
def spaces_env(monkeypatch: Any) -> Iterator[FakeSpacesHub]:
    """A started FakeSpacesHub the hf_* tools use (HF_ENDPOINT and HF_TOKEN), polling fast."""
    with FakeSpacesHub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("ML_INTERN_DATASETS_SERVER_URL", hub.url)
        monkeypatch.setenv("HF_TOKEN", hub.token)
        monkeypatch.setattr("tools.hub.sandbox_lifecycle.POLL_S", 0.01)
        monkeypatch.setattr("tools.hub.sandbox_lifecycle.START_WAIT_S", 10.0)
        yield hub
