"""A bearer token that goes to its own service's origin and nowhere else.

`HostToken` is an httpx auth callable. httpx applies auth to the first request only, and
drops Authorization itself when a redirect leaves the origin; so a client built with
`auth=HostToken(...)` and `follow_redirects=True` never carries the token to a CDN or any
other host, without a redirect loop of our own. Kept free of httpx imports (start-up path).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

Origin = tuple[str, str, int | None]


def origin(url: str) -> Origin:
    """(scheme, host, port) with default ports filled in; a malformed port matches nothing."""
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return parts.scheme, "", -1
    return parts.scheme, (parts.hostname or "").lower(), port


class HostToken:
    """Adds `Authorization: Bearer <token>` when the request's URL is in `scope`.

    `token` is called only for an in-scope request, so a slow lookup (a saved login) costs
    nothing for requests elsewhere; None or "" sends no header.
    """

    def __init__(self, token: Callable[[], str | None], scope: Callable[[str], bool]) -> None:
        self._token = token
        self._scope = scope

    def __call__(self, request: Any) -> Any:
        if self._scope(str(request.url)):
            token = self._token()
            if token:
                request.headers["Authorization"] = f"Bearer {token}"
        return request
