"""The gate: which mounts a sandbox may have (a table), and a command whose mounts were not
asked for never runs (real bubblewrap). Host paths under /var/tmp (/tmp is private inside)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.tools.local.test_sandbox import needs_bwrap
from tools.local.sandbox import Sandbox
from tools.local.sandbox_gate import Allowed, SandboxBreach, parse_mounts

HOST = """\
21 1 254:0 / / rw,relatime - ext4 /dev/vda rw
22 21 0:6 / /dev rw - devtmpfs devtmpfs rw
23 21 254:0 /srv/data /mnt/data rw - ext4 /dev/vda rw
24 21 0:30 / /run/user/1000 rw - tmpfs tmpfs rw
"""
ALLOWED = Allowed(("/home/u/ws", "/var/kernel"), frozenset({"/", "/dev/null", "/etc/resolv.conf"}))
CASES = {  # mounts inside (id parent device root place options), the foreign places found
    "the root, read-only": (["90 1 254:0 / / ro"], []),
    "a host mount at its place, read-only": (["90 1 254:0 /srv/data /mnt/data ro"], []),
    "a host mount at its place, writable": (["90 1 254:0 /srv/data /mnt/data rw"], ["/srv/data"]),
    "the same, covered": (["90 1 254:0 /srv/data /mnt/data rw", "91 90 0:99 / /mnt/data ro"], []),
    "a fresh tmpfs": (["90 1 0:99 / /tmp rw"], []),
    "the workspace": (["90 1 254:0 /home/u/ws /home/u/ws rw"], []),
    "a git folder in it, moved since": (["90 1 254:0 /home/u/ws/.swap /home/u/ws/p/.git rw"], []),
    "a deleted one": (["90 1 254:0 /home/u/ws/p/.git\\040(deleted) /home/u/ws/p/.git rw"], []),
    "the channels folder": (["90 1 254:0 /var/kernel/x /var/kernel/x rw"], []),
    "/dev/null over a secret": (["90 1 0:6 /null /home/u/ws/.env ro"], []),
    "a host folder over .git": (["90 1 254:0 /home/u/host /home/u/ws/p/.git rw"], ["/home/u/host"]),
    "a sibling named like it": (["90 1 254:0 /home/u/ws2 /home/u/ws/a ro"], ["/home/u/ws2"]),
    "below an exact place": (["90 1 254:0 /etc/ssh /home/u/ws/a ro"], ["/etc/ssh"]),
    "a host bind's folder": (["90 1 254:0 /srv/data/x /home/u/ws/a ro"], ["/srv/data/x"]),
    "a host tmpfs": (["90 1 0:30 / /home/u/ws/a ro"], ["/run/user/1000"]),
}


@pytest.mark.parametrize("case", CASES)
def test_which_mounts_are_foreign(case: str) -> None:
    lines, foreign = CASES[case]
    inside = parse_mounts("".join(f"{line} - fs src rw\n" for line in lines))
    found = ALLOWED.foreign_mounts(inside, parse_mounts(HOST))
    assert [place for _, place in found] == foreign


@needs_bwrap
def test_a_command_with_a_foreign_mount_never_runs() -> None:
    """The real mount table of a real sandbox, checked against walls that asked for less (no
    writable root): the workspace's mount is foreign, and the command is ended unrun."""
    ws = Path(tempfile.mkdtemp(prefix="ml-intern-gate-", dir="/var/tmp"))
    wrapped = Sandbox().wrap(["/bin/bash", "-c", "touch ran"], ws)
    assert wrapped.gate is not None
    wrapped.gate.allowed = Allowed((), wrapped.gate.allowed.exact)
    with pytest.raises(SandboxBreach, match=str(ws)):
        wrapped.run(20, cwd=ws, capture_output=True)
    assert not (ws / "ran").exists()
    done = Sandbox().wrap(["/bin/bash", "-c", "touch ran"], ws).run(20, cwd=ws)
    assert done.returncode == 0 and (ws / "ran").exists()
