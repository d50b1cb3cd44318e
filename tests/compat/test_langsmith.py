"""compat/langsmith.py against the installed langsmith: its generated packages still load lazily."""

from __future__ import annotations

from compat import langsmith as fence
from compat.lazy_packages import lazy_problems


def test_the_installed_langsmith_s_generated_packages_still_only_re_export() -> None:
    found = lazy_problems(fence.PIN, fence.LAZY_PACKAGES)
    assert found == [], "compat/langsmith.py: " + "\n".join(found)
