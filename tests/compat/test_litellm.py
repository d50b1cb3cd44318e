"""compat/litellm.py against the installed litellm: every hook where it was written for."""

from __future__ import annotations

from compat import litellm as fence
from compat.pins import problems


def test_the_installed_litellm_has_every_hook_compat_litellm_patches() -> None:
    found = problems(fence.PIN, fence.HOOKS + fence.TOOL_WALK_HOOKS)
    assert found == [], "compat/litellm.py: " + "\n".join(found)


def test_the_installed_litellm_has_what_our_openai_compatible_client_reads() -> None:
    found = problems(fence.PIN, fence.CLIENT_HOOKS)
    assert found == [], "compat/litellm.py (models/openai_chat*.py reads them): " + "\n".join(found)


def test_installed_the_hooks_are_in_place_and_still_read_as_litellm_s_own() -> None:
    from litellm.litellm_core_utils import logging_utils
    from litellm.litellm_core_utils.litellm_logging import Logging

    assert fence.install() and fence.install_tool_walk()
    assert logging_utils.MAX_BASE64_LENGTH_FOR_LOGGING == 0
    assert Logging._response_cost_calculator(None, None) is None  # type: ignore[arg-type]
    found = problems(fence.PIN, fence.HOOKS + fence.TOOL_WALK_HOOKS)
    assert found == [], "\n".join(found)
