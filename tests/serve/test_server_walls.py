"""serve/server_walls.py: the one mechanism every server walls its runs with.

The attack itself runs against the real embedded server (tests/web/test_server_walls.py);
here: what `walled` makes of a config, that no configured name lets a server's own variables
into the sandbox, that a code-running tool without walls runs nothing and says the fix, and
that every server's graph factory (`ml-intern web` and the Space, `ml-intern studio`, the team
server's replicas and `ml-intern worker`) is the one `SERVER` builds through this module.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pytest

from configs.settings import Settings
from serve.server_walls import start_warning, walled, walled_catalog, walls_problem
from tests.web.test_server_walls import path_without_bwrap
from tools.call_context import CallContext, calling
from tools.families import build_catalog
from tools.local.sandbox import Sandbox
from tools.result_texts import tool_text
from tools.result_texts.sandbox import UNAVAILABLE_HERE


def settings(**sandbox: object) -> Settings:
    return Settings.model_validate({"sandbox": sandbox} if sandbox else {})


def test_a_server_walls_code_whatever_the_config_says() -> None:
    off = walled(settings(mode="off")).sandbox
    assert off.mode == "local" and off.still_ask  # walls the config did not choose still ask
    chosen = walled(settings(mode="local")).sandbox
    assert chosen.mode == "local" and not chosen.still_ask  # as the CLI's --sandbox
    assert Sandbox.from_settings(off) == Sandbox(chosen=False)
    rule = build_catalog(walled(settings())).get("bash").approval  # type: ignore[union-attr]
    assert rule.walled is False  # type: ignore[attr-defined]


def test_nothing_configured_shows_the_servers_home_inside(isolated_home: Path) -> None:
    home = str(isolated_home)
    config = Settings.model_validate(
        {
            "sandbox": {"writable": [f"{home}/web", "/srv/data", str(isolated_home.parent)]},
            "approval": {"allow_secret_paths": [home, "~/.kube", str(isolated_home.parent)]},
        }
    )
    server = walled(config)
    assert server.sandbox.writable == ["/srv/data"]
    assert server.approval.allow_secret_paths == ["~/.kube"]


def test_no_configured_name_lets_a_servers_variables_in(monkeypatch: pytest.MonkeyPatch) -> None:
    own = {
        "ML_INTERN_SESSION_SECRET": "s1",
        "OAUTH_CLIENT_SECRET": "s2",
        "OPENID_PROVIDER_URL": "http://127.0.0.1:1",
        "DATABASE_URL": "postgresql://u:p@h/d",
        "REDIS_URL": "redis://:p@h/0",
        "AEGRA_CONFIG": "/srv/aegra.json",
    }
    env = {**own, "WANDB_API_KEY": "w", "PATH": "/usr/bin", "LANG": "C.UTF-8"}
    sandbox = Sandbox(env_allow=(*own, "WANDB_API_KEY"))
    inside = sandbox.environment(env)
    assert inside == {"WANDB_API_KEY": "w", "PATH": "/usr/bin", "LANG": "C.UTF-8"}


async def test_without_bubblewrap_code_tools_answer_the_fix_and_run_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workspace: Path
) -> None:
    monkeypatch.setenv("PATH", path_without_bwrap(tmp_path))
    config = walled(settings())
    problem = walls_problem(config, workspace)
    assert problem == "bubblewrap is not installed"
    catalog = walled_catalog(build_catalog(config), problem)
    code = [spec for spec in build_catalog(config) if spec.runs_code]
    assert code, "the catalogue marks some tools as running code"
    planted = workspace / "ran"
    for spec in code:
        refused = catalog.get(spec.name)
        assert refused is not None and not refused.runs_code
        assert refused.tool.args_schema is spec.tool.args_schema
        assert refused.tool.description.startswith(tool_text("sandbox", UNAVAILABLE_HERE))
        args = {"command": f"touch {planted}", "code": f"open({str(planted)!r}, 'w')"}
        args |= {"path": "n.ipynb", "action": "run"}
        fields = set(spec.tool.args_schema.model_fields)  # type: ignore[union-attr]
        with calling(CallContext()):
            answer = await refused.tool.ainvoke({k: v for k, v in args.items() if k in fields})
        assert "apt-get install bubblewrap" in answer and spec.name in answer
    assert not planted.exists()
    others = [spec.name for spec in catalog if not spec.runs_code]
    assert {"read", "write", "grep"} <= set(others)
    warning = start_warning(workspace)
    assert warning is not None and "OFF" in warning and "apt-get install bubblewrap" in warning


def test_a_workspace_inside_the_servers_home_is_not_walled(isolated_home: Path) -> None:
    inside = isolated_home / "people" / "someone"
    inside.mkdir(parents=True)
    assert "$ML_INTERN_HOME" in (walls_problem(walled(settings()), inside) or "")


def graph_factories(tmp_path: Path) -> list[str]:
    """Every graph a server command's config names ("module:function")."""
    from cli.studio import write_config
    from cli.team_server import write_team_config
    from cli.web import write_web_config

    paths = [write_config(tmp_path / "studio"), write_web_config(tmp_path / "web")]
    paths += [write_web_config(tmp_path / "space", sign_in=True)]
    paths += [
        write_team_config(tmp_path / "team"),
        write_team_config(tmp_path / "t2", sign_in=True),
    ]
    found = []
    for path in paths:
        for graph in json.loads(path.read_text())["graphs"].values():
            found.append(graph)
    return found


def test_every_servers_graph_is_the_one_built_walled(tmp_path: Path) -> None:
    """`ml-intern web` (the Space too) and `studio` name serve.studio/serve.web_graph; the team
    server's replicas and `ml-intern worker` name serve/aegra/graph_file.py. Each is (or takes
    its graph from) serve.studio's SERVER, whose settings and tools pass serve/server_walls.py."""
    import serve.studio as studio

    factories = set()
    for graph in graph_factories(tmp_path):
        where, _, name = graph.rpartition(":")
        module = module_of(Path(where)) if where.endswith(".py") else where
        factory = getattr(importlib.import_module(module), name)
        home = importlib.import_module(factory.__module__)
        takes = getattr(home, "SERVER", None) is studio.SERVER
        takes |= getattr(home, "studio_graph", None) is studio.make_graph
        assert takes, f"{graph} does not build its graph through serve.studio's SERVER"
        factories.add(factory.__module__)
    assert factories == {"serve.studio", "serve.web_graph", "serve.aegra.team_graph"}


def module_of(path: Path) -> str:
    root = Path(__file__).resolve().parents[2]
    return ".".join(path.resolve().relative_to(root).with_suffix("").parts)


async def test_the_server_graphs_tools_are_walled(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workspace: Path
) -> None:
    """serve.studio builds the one graph's settings and tools through serve/server_walls.py:
    without bubblewrap its bash answers the fix."""
    import serve.studio as studio

    monkeypatch.setenv("PATH", path_without_bwrap(tmp_path))
    monkeypatch.setenv("ML_INTERN_WORKSPACE", str(workspace))
    config = studio._settings()
    assert config.sandbox.mode == "local" and config.sandbox.still_ask
    catalog = studio.walled_here(build_catalog(config), config, workspace)
    bash = catalog.get("bash")
    assert bash is not None and not bash.runs_code


def test_the_settings_every_server_part_reads_are_walled(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from serve.server_settings import server_settings

    config = tmp_path / "config.json"
    config.write_text(json.dumps({"sandbox": {"mode": "off"}}))
    monkeypatch.setenv("ML_INTERN_CLI_CONFIG", str(config))
    assert server_settings().sandbox.mode == "local"
    assert os.environ["ML_INTERN_HOME"] == str(isolated_home)


def test_the_file_tools_do_not_read_the_hosts_proc(workspace: Path) -> None:
    """The file tools run in the server's own process: its /proc is hidden from them too."""
    from tools.places import refusal

    walls = Sandbox(chosen=False).walls
    for path in (f"/proc/{os.getpid()}/environ", "/proc/self/environ", "/proc/1/mem"):
        target = Path(path).resolve()
        assert refusal(target, workspace, "read", walls) is not None, path
    assert refusal(workspace / "train.py", workspace, "read", walls) is None
