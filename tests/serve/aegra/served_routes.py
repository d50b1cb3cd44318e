"""`python -m tests.serve.aegra.served_routes`: every route of the app a team-server replica
serves, as one JSON line of `[path, methods]`, read from the app Aegra builds from the config
and database its environment names (AEGRA_CONFIG, DATABASE_URL, as a replica's).

Run as a module, so the CLI zygote forks it (tests/fakes/cli_zygote.py): it imports Aegra
as a fresh replica does (Aegra reads its settings at import), without importing FastAPI,
LangChain and litellm again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def walk(routes: list[Any], prefix: str = "") -> Iterator[list[Any]]:
    """`[path, methods]` of each route, the routers included (FastAPI 0.165 keeps an included
    router as one entry, `original_router`, with its routes)."""
    for route in routes:
        if hasattr(route, "original_router"):
            context = getattr(route, "include_context", None)
            inner = prefix + (getattr(context, "prefix", "") or "")
            yield from walk(route.original_router.routes, inner)
        elif hasattr(route, "path"):
            yield [prefix + route.path, sorted(getattr(route, "methods", None) or ["GET"])]


def main() -> None:
    import aegra_api.main as served

    print(json.dumps(list(walk(served.app.routes))))


if __name__ == "__main__":
    main()
