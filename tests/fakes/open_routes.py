"""A fixture running a module's tests on both of tools/safe_paths.py's routes: import
`open_route` into the module (it is autouse)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools import safe_paths


@pytest.fixture(autouse=True, params=["openat2", "per-component"])
def open_route(request: pytest.FixtureRequest) -> Iterator[str]:
    """Both of the safe module's routes: openat2, and one `O_NOFOLLOW` open per component."""
    had = safe_paths.openat2_available()
    safe_paths.use_openat2(had and request.param == "openat2")
    yield request.param
    safe_paths.use_openat2(had)
