"""compat/langchain_litellm.py against the installed langchain-litellm: the helpers our client reads."""

from __future__ import annotations

from compat import langchain_litellm as fence
from compat.pins import problems


def test_the_installed_langchain_litellm_has_the_helpers_our_client_reads() -> None:
    found = problems(fence.PIN, fence.HOOKS)
    assert found == [], "compat/langchain_litellm.py: " + "\n".join(found)
