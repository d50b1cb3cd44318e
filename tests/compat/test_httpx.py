"""compat/httpx.py against the installed httpx: every hook where it was written for."""

from __future__ import annotations

from compat import httpx as fence
from compat.pins import problems


def test_the_installed_httpx_has_every_hook_compat_httpx_patches() -> None:
    found = problems(fence.PIN, fence.HOOKS)
    assert found == [], "compat/httpx.py: " + "\n".join(found)
    assert fence.install()
    assert problems(fence.PIN, fence.HOOKS) == []
