"""The file tools inside the sandbox's walls (tools/places.py), without bubblewrap: what they
refuse, what they still do, and what their searches never enter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adaptations.registry import BY_NAME
from tests.fakes.tool_calls import call_tool
from tools.local.family import local_specs
from tools.local.sandbox import Sandbox
from tools.policy import PolicyContext, decide

# text-elsewhere is off by default since 2026-11-27 (never fired on dev pass 1): on here.
ELSEWHERE_ON = {"read_tokens": 1000, "rules": (BY_NAME["text-elsewhere"],)}


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    workspace = tmp_path / "home" / "project"
    (workspace / "sub").mkdir(parents=True)
    (workspace / "sub" / ".env").write_text("KEY=planted-env\n")
    (workspace / "sub" / ".env.example").write_text("KEY=\n")
    (workspace / "sub" / "train.py").write_text("KEY = 'visible'\n")
    (tmp_path / "home" / ".pgpass").write_text("planted-pgpass\n")
    (tmp_path / "extra").mkdir()
    return workspace


async def run(ws: Path, tool: str, sandbox: Sandbox | None = None, **args: Any) -> Any:
    spec = {s.name: s for s in local_specs(sandbox or Sandbox())}[tool]
    return await call_tool(spec.tool, args, ws, as_tool_call=True)


async def test_writes_stay_in_the_writable_places(ws: Path) -> None:
    extra = ws.parent.parent / "extra"
    inside = await run(ws, "write", path="notes.txt", content="x")
    assert inside.status == "success" and (ws / "notes.txt").read_text() == "x"
    outside = await run(ws, "write", path="~/notes.txt", content="x")
    assert (
        outside.status == "error"
        and "outside the places the sandbox lets tools write" in outside.content
    )
    assert not (ws.parent / "notes.txt").exists()
    allowed = await run(
        ws, "write", Sandbox(writable=(str(extra),)), path=f"{extra}/a", content="y"
    )
    assert allowed.status == "success" and (extra / "a").read_text() == "y"


async def test_hidden_places_are_refused_and_never_searched(ws: Path) -> None:
    for path in ("~/.pgpass", "sub/.env"):
        refused = await run(ws, "read", path=path)
        assert refused.status == "error" and "hidden by the sandbox" in refused.content
    found = await run(ws, "grep", pattern="KEY")
    assert "sub/train.py:1" in found.content and "sub/.env.example:1" in found.content
    assert "planted" not in found.content and "sub/.env:" not in found.content
    listed = await run(ws, "glob", pattern="**/.env*")
    assert listed.content == "sub/.env.example"
    home = await run(ws, "grep", pattern="planted", path="~")
    assert "planted-" not in home.content


async def test_a_small_models_read_of_a_folder_lists_only_what_glob_would(ws: Path) -> None:
    """The listing a small model gets for a folder it tried to `read` is a search too: a
    credential file is never named, a hidden place is refused as before."""
    (ws.parent / ".ssh").mkdir()
    (ws.parent / ".ssh" / "id_rsa").write_text("planted-key\n")
    spec = {s.name: s for s in local_specs(Sandbox())}["read"]
    small = await call_tool(spec.tool, {"path": "sub"}, ws, as_tool_call=True, read_tokens=1000)
    assert small.status == "error" and "is a directory" in small.content
    assert "sub/.env.example" in small.content and "sub/train.py" in small.content
    assert "sub/.env," not in small.content and "sub/.env\n" not in small.content
    assert '{"path": "sub/.env.example"}' in small.content
    home = await call_tool(spec.tool, {"path": "~"}, ws, as_tool_call=True, read_tokens=1000)
    assert "id_rsa" not in home.content and ".pgpass" not in home.content
    large = await call_tool(spec.tool, {"path": "sub"}, ws, as_tool_call=True)
    assert "train.py" not in large.content and "Use `glob`" in large.content


@pytest.mark.parametrize("yolo", [False, True])
def test_git_metadata_writes_ask_in_every_mode(ws: Path, yolo: bool) -> None:
    specs = {s.name: s for s in local_specs()}
    ctx = PolicyContext(yolo=yolo, workspace=ws)
    for tool, args in [
        ("write", {"path": ".git/hooks/pre-commit", "content": "x"}),
        ("write", {"path": "sub/.git", "content": "gitdir: ../evil"}),
        ("write", {"path": "HEAD", "content": "ref: refs/heads/main"}),
        ("write", {"path": "config", "content": "[core]\n\tfsmonitor = x"}),
        ("edit", {"path": "sub/config", "old_str": "a", "new_str": "[core]\nfsmonitor = x"}),
    ]:
        assert decide(tool, args, specs[tool].approval, ctx) == "ask", (tool, args)
    plain = {"path": "config", "content": "lr: 0.1\n"}  # a training config is not git's
    assert decide("write", plain, specs["write"].approval, ctx) == "auto"
    headless = PolicyContext(mode="headless", workspace=ws)
    assert (
        decide("write", {"path": ".git/config", "content": ""}, specs["write"].approval, headless)
        == "deny"
    )


async def test_a_failed_programs_notes_show_no_file_outside_or_hidden(ws: Path) -> None:
    """A small model's failed program gets the columns of the tables it read and the source of
    the functions its failing line calls: a printed traceback or a link must not make those
    notes show a credential file or a file outside the workspace."""
    home = ws.parent
    (home / "lib.py").write_text("def leak():\n    return 'planted-outside'\n")
    (home / ".ssh").mkdir()
    (home / ".ssh" / "keys.py").write_text("def token():\n    return 'planted-key'\n")
    (home / ".ssh" / "keys.csv").write_text("planted-column\n1\n")
    (ws / "helpers.py").symlink_to(home / ".ssh" / "keys.py")
    (ws / "linked.csv").symlink_to(home / ".ssh" / "keys.csv")
    (ws / "sub" / ".env.py").write_text("def envleak():\n    return 'planted-env'\n")
    (ws / "sub" / "x.py").write_text("envleak()\n")
    (ws / "main.py").write_text("token()\n")
    reads = "read_csv('../.ssh/keys.csv'); read_csv('linked.csv'); read_csv('sub/.env')"
    spec = {s.name: s for s in local_specs()}["bash"]
    for path, call in [
        (home / "lib.py", "leak()"),
        (ws / "sub/x.py", "envleak()"),
        (ws / "main.py", "token()"),
    ]:
        printed = (
            "Traceback (most recent call last):\\n"
            f'  File \\"{path}\\", line 1, in <module>\\n    {call}\\n'
            "KeyError: 'k'\\n"
        )
        command = f'echo "{reads}" >/dev/null; printf "{printed}"; exit 1'
        out = await call_tool(spec.tool, {"command": command}, ws, read_tokens=1000)
        assert f"    {call}\nKeyError: 'k'" in out and "planted" not in out, out
        assert "which the failing line calls" not in out and "column" not in out, out


async def test_an_absent_edit_text_is_never_looked_for_in_a_credential_file(ws: Path) -> None:
    """A small model's edit whose old_str is absent is told which workspace file holds it: that
    must not become an oracle for a credential file's contents, or reach outside."""
    (ws / "notes.md").write_text("hello\n")
    (ws.parent / "outside.txt").write_text("KEY=planted-outside\n")
    (ws / "link.txt").symlink_to(ws.parent / "outside.txt")
    specs = {s.name: s.tool for s in local_specs(Sandbox())}
    await call_tool(specs["read"], {"path": "notes.md"}, ws, read_tokens=1000)
    for guess in ("KEY=planted-env", "KEY=planted-outside", "planted-pgpass"):
        args = {"path": "notes.md", "old_str": guess, "new_str": "x"}
        told = await call_tool(specs["edit"], args, ws, as_tool_call=True, **ELSEWHERE_ON)
        assert told.status == "error" and "That text is in" not in told.content, guess
    seen = {"path": "notes.md", "old_str": "KEY = 'visible'", "new_str": "x"}
    told = await call_tool(specs["edit"], seen, ws, as_tool_call=True, **ELSEWHERE_ON)
    assert told.content.endswith("That text is in sub/train.py, line 1, not in notes.md.")
