"""compat/openai_sdk.py against the installed openai SDK: every hook where it was written for."""

from __future__ import annotations

from compat import openai_sdk as fence
from compat.lazy_packages import lazy_problems
from compat.pins import problems


def test_the_installed_openai_sdk_has_every_hook_compat_openai_sdk_patches() -> None:
    found = problems(fence.PIN, fence.HOOKS)
    assert found == [], "compat/openai_sdk.py: " + "\n".join(found)
    assert fence.install()
    assert problems(fence.PIN, fence.HOOKS) == []  # our wrappers read as the SDK's own


def test_the_installed_openai_sdk_s_generated_packages_still_only_re_export() -> None:
    found = lazy_problems(fence.PIN, fence.LAZY_PACKAGES)
    assert found == [], "compat/openai_sdk.py: " + "\n".join(found)
