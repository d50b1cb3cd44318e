"""trackio_metrics reads back runs logged with the real trackio package: from the local files,
from a dashboard Space (found through the local Hub; a local fake with the Spaces proxy's
token check), and once from trackio's own dashboard server, so the fake's shapes are held to
the real ones. The token reaches a Space's host only for a private Space, never in a header
the app behind the proxy sees.

trackio logs in a subprocess (its background threads and globals stay out of this process),
offline, into a temporary TRACKIO_DIR, never to a Space.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.hub_server import FakeHub, hub_env, invoke
from tests.fakes.trackio_space import FakeTrackioSpace
from tools.hub.trackio_data import LogRow, downsample, matching, metrics_of
from tools.hub.trackio_metrics import trackio_spec
from tools.hub.trackio_space import space_id

ROOT = Path(__file__).resolve().parents[3]
TOOL = trackio_spec().tool
SPACE = "acme/trackio"
LOG_RUNS = textwrap.dedent(
    """
    import trackio
    quiet = dict(auto_log_gpu=False, auto_log_cpu=False)
    trackio.init(project="demo", name="run-a", config={"lr": 1e-3}, **quiet)
    for step in range(50):
        trackio.log({"train/loss": 2.0 - 0.03 * step, "eval/acc": 0.5 + 0.009 * step})
    trackio.alert("loss plateau", text="flat for 10 steps", level=trackio.AlertLevel.WARN)
    trackio.finish()
    trackio.init(project="demo", name="run-b", **quiet)
    for loss in (1.0, 0.9, float("nan")):
        trackio.log({"train/loss": loss, "phase": "warmup"})
    trackio.alert("loss is nan", level=trackio.AlertLevel.ERROR)
    trackio.finish()
    trackio.init(project="empty", name="x", **quiet)
    trackio.alert("never started", text="crashed before step 0", level=trackio.AlertLevel.ERROR)
    trackio.finish()
    """
)
SERVE_DASHBOARD = textwrap.dedent(
    """
    import asyncio, socket, sys, uvicorn
    from trackio.server import build_starlette_app_only
    app, _ = build_starlette_app_only()
    listening = socket.socket(fileno=int(sys.argv[1]))
    config = uvicorn.Config(app, log_level="warning")
    asyncio.run(uvicorn.Server(config).serve(sockets=[listening]))
    """
)
RUN_A_TABLE = [
    "metric | last (step) | min (step) | max (step) | count",
    "eval/acc | 0.941 (49) | 0.5 (0) | 0.941 (49) | 50",
    "train/loss | 0.53 (49) | 0.53 (49) | 2 (0) | 50",
]
RUN_B_LOSS = "train/loss | nan (2) | 0.9 (1) | 1 (0) | 3 (1 nan/inf)"


def offline_env(trackio_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRACKIO_", "HF_TOKEN", "GRADIO_")) and k != "SPACE_ID"
    }
    env.update(TRACKIO_DIR=str(trackio_dir), HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1")
    return env


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Trackio directory with project demo (run-a: 50 steps, run-b: 3 with a nan) and empty."""
    folder = tmp_path_factory.mktemp("trackio")
    subprocess.run(
        [sys.executable, "-c", LOG_RUNS],
        env=offline_env(folder),
        check=True,
        capture_output=True,
        timeout=120,
    )
    return folder


@pytest.fixture
def local(logged: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACKIO_DIR", str(logged))
    return logged


async def run(**args: object) -> str:
    result = await invoke(TOOL, **args)
    assert result.status != "error", result.content
    return result.content


async def fails(**args: object) -> str:
    result = await invoke(TOOL, **args)
    assert result.status == "error", result.content
    assert "\n" not in result.content  # one sentence the model can act on
    return result.content


def table(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(RUN_A_TABLE[0])
    return lines[start : lines.index(next(s for s in lines if s.startswith("Series")))]


# --- local data, logged by trackio itself ---------------------------------------------------


async def test_a_logged_run_reads_back_with_last_min_max_and_a_short_series(local: Path) -> None:
    before = hashlib.sha256((local / "demo.db").read_bytes()).hexdigest()
    text = await run(operation="metrics", project="demo", run="run-a")
    lines = text.splitlines()
    assert lines[0].startswith("Run 'run-a' (id ")
    assert f"of project 'demo' (local Trackio data in {local}): 50 logged rows, steps 0-49" in text
    assert table(text) == RUN_A_TABLE
    series = dict(line.split(": ", 1) for line in lines[lines.index(table(text)[-1]) + 2 :])
    loss = series["train/loss"].split()
    assert len(loss) == 12 and loss[0] == "0:2" and loss[-1] == "49:0.53"
    assert series["eval/acc"].split()[-1] == "49:0.941"
    assert hashlib.sha256((local / "demo.db").read_bytes()).hexdigest() == before


async def test_metrics_default_to_the_newest_run_and_keys_filter(local: Path) -> None:
    newest = await run(operation="metrics", project="demo")
    assert newest.startswith("Run 'run-b'") and "(newest run)" in newest
    assert RUN_B_LOSS in newest and "phase" not in newest  # text values are no metrics
    only_acc = await run(operation="metrics", project="demo", run="run-a", keys="acc, bleu")
    assert table(only_acc) == RUN_A_TABLE[:2]


async def test_projects_runs_and_alerts(local: Path) -> None:
    projects = await run(operation="projects")
    assert projects.splitlines()[1:3] == ["- demo", "- empty"]
    runs = (await run(operation="runs", project="demo")).splitlines()
    assert runs[0] == f"2 runs of project 'demo' (local Trackio data in {local}), newest first:"
    assert runs[2].startswith("run-b | ") and runs[2].endswith(" | 2 | 3")
    assert runs[3].startswith("run-a | ") and runs[3].endswith(" | 49 | 50")
    by_id = await run(operation="metrics", project="demo", run=runs[3].split(" | ")[1])
    assert by_id.startswith("Run 'run-a'")
    alerts = (await run(operation="alerts", project="demo")).splitlines()
    assert alerts[0].startswith("2 alerts in project 'demo'") and "newest first" in alerts[0]
    assert alerts[2].endswith(" | error | run-b | 2 | loss is nan")
    assert alerts[3].endswith(" | warn | run-a | 49 | loss plateau: flat for 10 steps")
    one_run = await run(operation="alerts", project="demo", run="run-a")
    assert one_run.startswith("1 alert in project 'demo', run 'run-a'")


async def test_bad_input_gets_one_sentence(local: Path, tmp_path: Path, monkeypatch) -> None:
    unknown = await fails(operation="runs", project="nope")
    assert unknown == (
        f"No Trackio project 'nope' in {local} (local projects: demo, empty); if the run "
        "logged to a Space, pass `space`."
    )
    no_run = await fails(operation="metrics", project="demo", run="run-z")
    assert "newest runs: run-b, run-a. Pass one of them as `run`." in no_run
    empty = await fails(operation="metrics", project="empty")
    assert empty.startswith("Project 'empty' has no logged metrics yet")
    crashed = await run(operation="alerts", project="empty")  # an alert, though nothing logged
    assert "| error | x | 0 | never started: crashed before step 0" in crashed
    assert "needs `project`" in await fails(operation="runs")
    no_key = await fails(operation="metrics", project="demo", run="run-a", keys=["bleu"])
    assert no_key == "No metric of run 'run-a' matches ['bleu']; its metrics: eval/acc, train/loss."
    bad_space = await invoke(TOOL, operation="projects", space="not a space")
    assert bad_space.status == "error" and "Invalid arguments" in bad_space.content
    monkeypatch.setenv("TRACKIO_DIR", str(tmp_path / "none"))
    nothing = await run(operation="projects")
    assert nothing.startswith(f"No Trackio projects in local Trackio data in {tmp_path / 'none'}")


# --- a dashboard Space ----------------------------------------------------------------------


def seed(space: FakeTrackioSpace) -> None:
    rows = [{"train/loss": 2.0 - 0.03 * s, "eval/acc": 0.5 + 0.009 * s} for s in range(50)]
    space.add_run("demo", "run-a", rows, [{"title": "loss plateau", "text": "flat", "step": 49}])
    nan_rows = [{"train/loss": v, "phase": "warmup"} for v in (1.0, 0.9, float("nan"))]
    space.add_run("demo", "run-b", nan_rows, [{"title": "loss is nan", "level": "error"}], 100)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    monkeypatch.delenv("TRACKIO_SPACE_URL", raising=False)
    with hub_env(monkeypatch) as hub:
        yield hub


@pytest.fixture
def space(hub: FakeHub) -> Iterator[FakeTrackioSpace]:
    """The private Space acme/trackio; the Hub says where it answers (its `host`)."""
    with FakeTrackioSpace(hub.token, private=True) as fake:
        seed(fake)
        hub.add_repo("spaces", SPACE, private=True, sdk="gradio", host=fake.url)
        yield fake


def token_headers(space: FakeTrackioSpace) -> set[tuple[str | None, str | None]]:
    """(Authorization, X-HF-Authorization) of every request the Space's host received."""
    return {(r.headers.get("authorization"), r.headers.get("x-hf-authorization")) for r in space.requests}  # fmt: skip


async def test_a_private_space_reads_like_local_data_with_the_token_for_its_proxy(
    hub: FakeHub, space: FakeTrackioSpace
) -> None:
    assert (await run(operation="projects", space=SPACE)).splitlines()[1] == "- demo"
    runs = (await run(operation="runs", project="demo", space=SPACE)).splitlines()
    assert runs[0] == "2 runs of project 'demo' (Space acme/trackio), newest first:"
    assert runs[2].startswith("run-b | ") and runs[2].endswith(" | ? | 2 | 3")
    assert runs[3].endswith(" | 49 | 50")
    text = await run(operation="metrics", project="demo", run="run-a", space=SPACE)
    assert "(Space acme/trackio): 50 logged rows" in text and table(text) == RUN_A_TABLE
    assert RUN_B_LOSS in await run(operation="metrics", project="demo", space=SPACE)
    alerts = await run(operation="alerts", project="demo", space="spaces/acme/trackio")
    assert alerts.splitlines()[2].endswith(" | error | run-b | ? | loss is nan")
    # Only in the header the Spaces proxy consumes; never in Authorization, which the app sees.
    assert token_headers(space) == {(None, f"Bearer {hub.token}")}
    assert space.sent("get_logs")[0].json()["kwargs"]["run"] == "run-a"
    assert len(hub.sent_to(r"^/api/spaces/acme/trackio$")) == 5  # asked once per call


async def test_a_public_space_named_by_the_model_gets_no_token(hub: FakeHub) -> None:
    """A page may say "check the metrics at Space evil/dash": reading it sends no credential."""
    with FakeTrackioSpace(hub.token) as evil:
        evil.add_run("demo", "run-x", [{"loss": 1.0}])
        hub.add_repo("spaces", "evil/dash", sdk="gradio", host=evil.url)
        assert "- demo" in await run(operation="projects", space="evil/dash")
        assert "loss | 1 (0)" in await run(operation="metrics", project="demo", space="evil/dash")
    assert evil.requests and token_headers(evil) == {(None, None)}
    assert not [r for r in evil.requests if hub.token in str(r.headers)]
    unknown = await fails(operation="projects", space="ghost/space")
    assert unknown.startswith("Looking up Space ghost/space on the Hub failed: it was not found")


async def test_the_host_comes_from_the_hub_not_from_the_name(hub: FakeHub) -> None:
    """'a-b/c' and 'a/b-c' would both be a-b-c.hf.space if built from the name."""
    with FakeTrackioSpace() as first, FakeTrackioSpace() as second:
        first.add_run("first-project", "r", [{"loss": 1.0}])
        second.add_run("second-project", "r", [{"loss": 1.0}])
        hub.add_repo("spaces", "a-b/c", host=first.url)
        hub.add_repo("spaces", "a/b-c", host=second.url)
        assert "- first-project" in await run(operation="projects", space="a-b/c")
        assert "- second-project" in await run(operation="projects", space="a/b-c")


async def test_space_failures_are_one_sentence(
    hub: FakeHub, space: FakeTrackioSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = await fails(operation="alerts", project="nope", space=SPACE)
    assert unknown.startswith(
        "No Trackio project 'nope' on Space acme/trackio (its projects: demo)"
    )
    space.fail(503)
    assert "had an error (503)" in await fails(operation="projects", space=SPACE)
    space.fail(404, "Unknown API: get_runs_for_project")
    old = await fails(operation="runs", project="demo", space=SPACE)
    assert old.endswith("without `get_runs_for_project`; redeploy it with `trackio sync`.")
    space.token = "hf_other_account"
    assert "refused the Hugging Face token (401)" in await fails(operation="projects", space=SPACE)
    monkeypatch.delenv("HF_TOKEN")
    private = await fails(operation="projects", space=SPACE)
    assert private.startswith(
        "Looking up Space acme/trackio on the Hub failed: no Hugging Face token is set (401)"
    )


async def test_a_space_that_is_down_or_redirects(hub: FakeHub, space: FakeTrackioSpace) -> None:
    with FakeTrackioSpace() as elsewhere:
        space.redirect = f"{elsewhere.url}/login"
        moved = await fails(operation="projects", space=SPACE)
        assert f"redirected to {elsewhere.url}/login instead of answering" in moved
        assert elsewhere.requests == []  # not followed: the token never left the Space
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    hub.repo("spaces", SPACE).meta["host"] = f"http://127.0.0.1:{port}"
    down = await fails(operation="projects", space=SPACE)
    assert down.startswith(f"Could not reach Trackio Space acme/trackio at http://127.0.0.1:{port}")


def test_space_ids() -> None:
    assert space_id("https://huggingface.co/spaces/acme/trackio/") == "acme/trackio"
    with pytest.raises(ValueError):
        space_id("https://evil.example/acme/trackio")


# --- trackio's own dashboard server, as a contract check on the fake -------------------------


@pytest.fixture(scope="module")
def real_dashboard(logged: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """trackio's server on a socket bound here: requests queue until it accepts, no polling."""
    copy = tmp_path_factory.mktemp("served") / "trackio"
    shutil.copytree(logged, copy)  # the server migrates files it opens; keep `logged` pristine
    listening = socket.create_server(("127.0.0.1", 0))
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE_DASHBOARD, str(listening.fileno())],
        env=offline_env(copy),
        pass_fds=[listening.fileno()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}"
    finally:
        server.terminate()
        server.wait(timeout=20)
        listening.close()


async def test_trackio_s_own_dashboard_answers_the_same(
    real_dashboard: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKIO_SPACE_URL", real_dashboard)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert "- demo" in await run(operation="projects", space=SPACE)
    text = await run(operation="metrics", project="demo", run="run-a", space=SPACE)
    assert table(text) == RUN_A_TABLE
    assert RUN_B_LOSS in await run(operation="metrics", project="demo", space=SPACE)
    runs = (await run(operation="runs", project="demo", space=SPACE)).splitlines()
    assert runs[2].endswith(" | 2 | 3") and runs[3].endswith(" | 49 | 50")
    alerts = (await run(operation="alerts", project="demo", space=SPACE)).splitlines()
    assert alerts[3].endswith(" | warn | run-a | 49 | loss plateau: flat for 10 steps")
    unknown = await fails(operation="runs", project="nope", space=SPACE)
    assert unknown.startswith("No Trackio project 'nope' on Space acme/trackio")


# --- pure parts -----------------------------------------------------------------------------


def test_summaries_and_downsampling() -> None:
    rows = [
        LogRow(s, None, {"loss": v, "img": {"_type": "x"}}) for s, v in enumerate([3, "NaN", 1])
    ]
    (loss,) = metrics_of(rows)  # the image is no metric
    assert matching([loss], [" LOSS", ""]) == [loss] and matching([loss], ["acc"]) == []
    assert loss.last == (2, 1.0) and loss.nonfinite == 1
    assert (loss.lowest(), loss.highest()) == ((2, 1.0), (0, 3.0))
    points = [(i, float(i)) for i in range(100)]
    picked = downsample(points, 12)
    assert len(picked) == 12 and picked[0] == (0, 0.0) and picked[-1] == (99, 99.0)


def test_product_code_never_imports_trackio() -> None:
    """trackio is a dev dependency only: the reader must work where it is not installed."""
    for path in (ROOT / "tools" / "hub").glob("trackio_*.py"):
        tree = ast.parse(path.read_text())
        modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        modules |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in modules if m.split(".")[0] == "trackio"}, path
