"""The REPL's one-time Hugging Face token prompt: when it asks, and how a token is checked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cli import hf_token


class Whoami(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # the body never waits for the ACK of the headers

    def do_GET(self) -> None:
        ok = self.headers.get("Authorization") == "Bearer hf_good"
        body = b'{"name": "someone"}' if ok else b'{"error": "Invalid credentials"}'
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Whoami)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_check_token(hub: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub)
    assert hf_token.check_token("hf_good") == "valid"
    assert hf_token.check_token("hf_bad") == "invalid"
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    assert hf_token.check_token("hf_good") == "unreachable"


def test_never_asks_when_told_not_to_or_without_a_terminal(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)  # no cached login
    monkeypatch.setenv("ML_INTERN_NO_HF_PROMPT", "1")
    assert not hf_token.should_ask()
    monkeypatch.delenv("ML_INTERN_NO_HF_PROMPT")
    assert hf_token.should_ask()
    monkeypatch.setenv("HF_TOKEN", "hf_set")
    assert not hf_token.should_ask()
    monkeypatch.delenv("HF_TOKEN")
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / hf_token.SKIP_MARKER).touch()  # skipped once: never asked again
    assert not hf_token.should_ask()
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    (isolated_home / hf_token.SKIP_MARKER).unlink()
    assert not hf_token.should_ask()


async def test_a_task_typed_at_the_token_prompt_is_refused_not_stored(
    hub: str, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    import io
    import os

    from rich.console import Console

    monkeypatch.setenv("HF_ENDPOINT", hub)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)  # a terminal at the prompt
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)  # no cached login
    typed = iter(["fine-tune gpt2 on my dataset and push it", "hf_" + "x" * 8, ""])

    async def keyboard() -> str:
        return next(typed)

    out = io.StringIO()
    await hf_token.maybe_ask_hf_token(Console(file=out, width=200), ask=keyboard)
    said = out.getvalue()
    assert said.count("That is not a Hugging Face token") == 2
    assert "Skipped" in said and "HF_TOKEN" not in os.environ
    assert (isolated_home / hf_token.SKIP_MARKER).exists()
