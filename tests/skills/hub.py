"""The local Hub plus the one route model uploads add: README metadata validation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.hub_http import Handler, Request, Response, reply, sha
from tests.fakes.hub_server import FakeHub
from tests.fakes.loopback import serve

_PATHS_INFO = re.compile(r"/api/(models|datasets)/([^/]+/[^/]+)/paths-info/[^/]+")


class ModelHub(FakeHub):
    """`upload_folder` with a README posts its YAML to /api/validate-yaml first, as the Hub
    does; this answers like the Hub: 200 with warnings, or 400 with errors for bad YAML.
    `Dataset.push_to_hub` asks which of its files exist (paths-info) before it commits."""

    def handle(self, req: Request) -> Any:
        if req.method == "POST" and req.path == "/api/validate-yaml":
            self.requests.append(req)
            return validate_yaml(json.loads(req.body or b"{}").get("content", ""))
        if req.method == "POST" and (found := _PATHS_INFO.fullmatch(req.path)):
            self.requests.append(req)
            repo = self.repos.get((found.group(1), found.group(2)))
            files = repo.files if repo else {}
            asked = parse_qs(req.body.decode()).get("paths", [])
            return reply(
                [
                    {
                        "type": "file",
                        "path": name,
                        "oid": sha(name, files[name]),
                        "size": len(files[name]),
                    }
                    for name in asked
                    if name in files
                ]
            )
        return super().handle(req)

    @contextmanager
    def answering_at(self, address: ThreadingHTTPServer) -> Iterator[ModelHub]:
        """This hub answers at `address` (a server a test worker keeps, see `hub_address`)
        until the block ends; a fresh hub has no repo, request or commit of another's."""
        address.hub, self._httpd = self, address  # type: ignore[attr-defined]
        try:
            yield self
        finally:
            address.hub, self._httpd = None, None  # type: ignore[attr-defined]


def hub_address() -> ThreadingHTTPServer:
    """A loopback HTTP server with no hub yet: the one address of a worker's local Hubs."""
    return serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler), hub=None)


def validate_yaml(card: str) -> Response:
    """The Hub's answer for a README: its front matter must parse to a mapping."""
    import yaml

    if not card.startswith("---"):
        return reply({"warnings": [{"message": "empty or missing yaml metadata"}]})
    head = card.split("---", 2)[1]
    try:
        data = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        return reply({"errors": [{"message": str(exc)}]}, 400)
    if not isinstance(data, dict):
        return reply({"errors": [{"message": "metadata must be a mapping"}]}, 400)
    return reply({"warnings": []})
