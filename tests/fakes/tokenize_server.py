"""A local llama.cpp tokenizer for tests (standard library only): `POST /tokenize` with
`{"content": TEXT}` answers `{"tokens": [...]}`, as the llama.cpp server does; anything else
is a 404. Its tokenizer is plain and known, so a test can say the count it expects: one token
per word (a run of non-space characters) and one per run of spaces.

    with FakeTokenizer() as tokenizer:
        assert rule_fit.model_tokens("a b", tokenizer.url) == 3
        assert tokenizer.texts == ["a b"]
"""

from __future__ import annotations

import re
import threading
from http.server import ThreadingHTTPServer

from tests.fakes.hub_http import Handler, Request, Response, error, reply
from tests.fakes.loopback import serve, stop, url_of

__all__ = ["FakeTokenizer", "fake_tokens"]


def fake_tokens(text: str) -> list[int]:
    """The fake's tokens of `text`: one id per word or run of spaces."""
    return [len(piece) for piece in re.findall(r"\s+|\S+", text)]


class FakeTokenizer:
    """State of the fake; the shared HTTP handler calls `handle(request)`."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return url_of(self._httpd, "FakeTokenizer")

    def __enter__(self) -> FakeTokenizer:
        self._httpd = serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler), hub=self)
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self._httpd)

    def handle(self, req: Request) -> Response:
        if (req.method, req.path) != ("POST", "/tokenize"):
            return error(404, f"no {req.method} {req.path}")
        content = (req.json() or {}).get("content")
        if not isinstance(content, str):
            return error(400, '"content" must be a string')
        with self._lock:
            self.texts.append(content)
        return reply({"tokens": fake_tokens(content)})
