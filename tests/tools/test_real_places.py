"""The credential places' real paths are remembered between tool calls (tools/real_places.py),
and a link planted on their way afterwards is still followed: the call after it is judged on
where the place really is now."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tools import places, real_places, settled_times
from tools.local.family import local_specs
from tools.policy import PolicyContext, decide
from tools.secrets import mask_secrets, sources

SPECS = {spec.name: spec for spec in local_specs()}


def headless(tool: str, args: dict[str, str], workspace: Path) -> str:
    return decide(
        tool, args, SPECS[tool].approval, PolicyContext(mode="headless", workspace=workspace)
    )


def changed_since(folder: Path, probe: Path) -> None:
    """Poll until the clock's tick moved past `folder`'s last change (a file touched now has a
    later ctime): a change made after this shows in `folder`'s times."""
    before = folder.stat().st_ctime_ns
    for _ in range(1_000_000):
        probe.touch()
        if probe.stat().st_ctime_ns > before:
            return
    raise AssertionError("the clock did not move")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "project").mkdir(parents=True)
    return tmp_path / "home"


def settle(folder: Path) -> None:
    """Poll until the last change of `folder` and of every folder above it is past its clock's
    slack (tools/settled_times.py): only then are places beneath it remembered."""
    for way in (folder, *folder.parents):
        info = way.stat()
        changed = max(info.st_mtime_ns, info.st_ctime_ns)
        while not settled_times.settled(changed, time.time_ns()):
            pass


# never: every use resolves each place again; at once: no slack; fine: the places remembered
# once their folders' last change is a tenth of a second old (a time with a fraction)
@pytest.mark.parametrize("remembered", ["never", "at once", "fine"])
@pytest.mark.parametrize("set_times_back", [False, True])
def test_a_link_planted_on_a_credential_place_after_a_call_is_followed(
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    remembered: str,
    set_times_back: bool,
) -> None:
    """The attacker: a call that leaves `~/.aws` alone, then a command that makes `~/.aws` a link
    to a folder outside the workspace (where the user's tools will keep writing their keys),
    then a read of the key there by its real path."""
    if remembered != "fine":
        slack = 0 if remembered == "at once" else 10**18
        monkeypatch.setattr(settled_times, "CLOCK_SLACK_NS", slack)
        monkeypatch.setattr(settled_times, "FINE_CLOCK_SLACK_NS", slack)
    workspace, elsewhere = home / "project", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "credentials").write_text("[default]\naws_secret_access_key = x\n")
    changed_since(home, tmp_path / "probe")
    before = os.stat(home)
    for _ in range(100):  # a folder above (/tmp) that another process changed: settle again
        if remembered == "fine":
            settle(home)
        assert headless("read", {"path": str(elsewhere / "credentials")}, workspace) == "auto"
        held = real_places.held_real_paths([str(home / ".aws")])[1] is not None
        if held or remembered != "fine":
            break
    assert held is (remembered != "never")

    (home / ".aws").symlink_to(elsewhere)
    if set_times_back:  # `touch -d` the folder back: its ctime still moves
        os.utime(home, ns=(before.st_atime_ns, before.st_mtime_ns))

    assert headless("read", {"path": str(elsewhere / "credentials")}, workspace) == "deny"
    assert headless("bash", {"command": f"cat {elsewhere}/credentials"}, workspace) == "deny"


def test_a_way_flipped_thousands_of_times_never_leaves_a_stale_place(
    home: Path, tmp_path: Path
) -> None:
    """The attacker flips `~/.aws` between a folder and a link out of the workspace while
    calls are judged; whichever way it is left, the next call is judged on where it is now
    (the places are remembered under the real, tenth-of-a-second slack throughout)."""
    import threading

    workspace, elsewhere = home / "project", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "credentials").write_text("[default]\naws_secret_access_key = x\n")
    aws, spare = home / ".aws", home / ".aws-folder"  # the folder, while the link stands
    aws.mkdir()
    stop, flips = threading.Event(), [0]

    def flip() -> None:
        while not stop.is_set():
            flips[0] += 1
            if aws.is_symlink():
                aws.unlink()
                spare.rename(aws)
            else:
                aws.rename(spare)
                aws.symlink_to(elsewhere)

    target = {"path": str(elsewhere / "credentials")}
    flipper = threading.Thread(target=flip)
    flipper.start()
    try:
        while flips[0] < 2000:
            headless("read", target, workspace)
    finally:
        stop.set()
        flipper.join()
    if aws.is_symlink():  # as the flips left it
        assert headless("read", target, workspace) == "deny"
        aws.unlink()
        spare.rename(aws)
    for _ in range(2):  # a remembered folder, then a link planted at once
        for _ in range(100):  # a folder above (/tmp) that another process changed: again
            settle(home)
            assert headless("read", target, workspace) == "auto"
            if real_places.held_real_paths([str(aws)])[1] is not None:
                break
        else:
            raise AssertionError(f"{aws} was never remembered")
        aws.rename(spare)
        aws.symlink_to(elsewhere)
        assert headless("read", target, workspace) == "deny"
        aws.unlink()
        spare.rename(aws)


def test_remembered_places_are_the_resolved_ones(home: Path, tmp_path: Path) -> None:
    """What is remembered is what `Path.resolve` says, a link on the way or not."""
    (tmp_path / "real").mkdir()
    (home / ".config").symlink_to(tmp_path / "real")
    places = [str(home / ".ssh"), str(home / ".config" / "gh"), str(home / "a" / ".." / ".kube")]
    for _ in range(2):
        assert real_places.real_paths(places) == [Path(p).resolve() for p in places]


@pytest.mark.parametrize("name", places._ENV_READ)
def test_the_credential_places_follow_every_variable_they_read(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    assert places.credential_place_names() == tuple(map(str, places.credential_places()))
    monkeypatch.setenv(name, str(tmp_path / "elsewhere" / name))
    assert places.credential_place_names() == tuple(map(str, places.credential_places()))


def test_a_credential_file_created_after_a_call_is_learned(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The masking looks at a place found missing again when its folder changed: a token
    saved after the first call is masked in the second's output."""
    monkeypatch.setattr(settled_times, "CLOCK_SLACK_NS", 0)
    token = "Zq8mT4rLx2vN6pK1wS5yB3"
    workspace = home / "project"
    changed_since(home, tmp_path / "probe")
    sources.refresh(workspace)
    assert real_places.maybe_present([str(home / ".netrc")]) == []  # remembered missing
    (home / ".netrc").write_text(f"machine huggingface.co login me password {token}\n")
    sources.refresh(workspace)
    assert token not in mask_secrets(f"the output: {token}")


def test_a_one_line_netrc_teaches_its_password_not_its_host(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The leak across environments the first try of the remembered places showed (its own
    test wrote this file): a netrc line was also read as a setting named "machine" whose value
    was the rest of the line, and the known secrets are process-wide, so output naming the
    host in any later environment came out as `https://[REDACTED:machine]/...`."""
    token = "Kd7pW2xQ9mR4tY6vB1nZ8c"
    (home / ".netrc").write_text(f"machine huggingface.co login me password {token}\n")
    sources.refresh(home / "project")
    other = tmp_path / "other-home"
    (other / "project").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(other))
    sources.refresh(other / "project")
    output = "saved to https://huggingface.co/Qwen/Qwen2.5-0.5B by login me"
    masked = mask_secrets(f"{output} {token}")
    assert masked.startswith(f"{output} ") and token not in masked
