"""compat/pydantic.py against the installed pydantic: every hook where it was written for."""

from __future__ import annotations

from compat import pydantic as fence
from compat.pins import problems


def test_the_installed_pydantic_has_every_hook_compat_pydantic_changes() -> None:
    found = problems(fence.PIN, fence.HOOKS)
    assert found == [], "compat/pydantic.py: " + "\n".join(found)
