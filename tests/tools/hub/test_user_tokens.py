"""Whose run a run config is (tools/hub/user_tokens.py `identity_in`): the server's user
object wins over what a request may have written; a research sub-graph's config carries
only the identity key."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tools.hub.user_tokens import IDENTITY_KEY, SERVER_USER_KEY, identity_in


@pytest.mark.parametrize(
    ("configurable", "identity"),
    [
        ({SERVER_USER_KEY: SimpleNamespace(identity="u-alice")}, "u-alice"),  # Aegra's User
        ({SERVER_USER_KEY: {"identity": "u-alice"}}, "u-alice"),  # as a mapping
        ({SERVER_USER_KEY: SimpleNamespace(identity="u-alice"), IDENTITY_KEY: "u-bob"}, "u-alice"),
        ({IDENTITY_KEY: "u-alice"}, "u-alice"),  # the research sub-graph
        ({SERVER_USER_KEY: SimpleNamespace(identity=""), IDENTITY_KEY: "u-bob"}, None),
        ({}, None),
        ({IDENTITY_KEY: 7}, None),
    ],
)
def test_whose_run(configurable: dict[str, object], identity: str | None) -> None:
    assert identity_in(configurable) == identity
