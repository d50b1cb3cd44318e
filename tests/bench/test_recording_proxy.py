"""The benchmark's recording proxy and its wait for a shared model server to be free."""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.ml_tasks.server_idle import wait_until_idle
from bench.recording_proxy import RecordingProxy
from tests.fakes.slot_server import SlotServer


@pytest.fixture
def slot_server() -> Iterator[SlotServer]:
    server = SlotServer()
    yield server
    server.close()


def until(condition: Callable[[], bool], limit_s: float = 10.0) -> bool:
    """Polls `condition` until it holds or `limit_s` passes; whether it held."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def ask(url: str) -> None:
    request = urllib.request.Request(url + "/v1/chat/completions", data=b"{}", method="POST")
    with contextlib.suppress(OSError):  # the proxy closed under it: what the test is about
        urllib.request.urlopen(request, timeout=30).read()


def test_closing_the_proxy_frees_the_model_servers_slot(
    slot_server: SlotServer, tmp_path: Path
) -> None:
    """A run killed mid-call (its proxy closed) leaves no request generating on the shared
    server: the next run's first call is not queued behind it."""
    proxy = RecordingProxy(slot_server.url, tmp_path)
    caller = threading.Thread(target=ask, args=(proxy.url,), daemon=True)
    caller.start()
    assert until(lambda: slot_server.processing)
    proxy.close()
    assert until(lambda: not slot_server.processing), "the slot still serves a finished run"
    caller.join(timeout=10)
    assert not (tmp_path / "01-response.txt").exists()  # nothing written for a dropped call


def test_a_run_waits_for_the_servers_slot_and_says_how_long(slot_server: SlotServer) -> None:
    """A run starts only once the server's slot is free; the wait is measured."""
    holder = threading.Thread(target=ask, args=(slot_server.url,), daemon=True)
    holder.start()
    assert until(lambda: slot_server.processing)
    releaser = threading.Thread(
        target=lambda: until(lambda: slot_server.slot_asks >= 3) and slot_server.release(),
        daemon=True,
    )
    releaser.start()
    waited = wait_until_idle(slot_server.url + "/v1", every_s=0.01)
    assert not slot_server.processing and slot_server.slot_asks >= 3 and waited > 0
    holder.join(timeout=10)


def test_a_server_without_a_slot_list_is_taken_as_free(llm) -> None:
    """Another OpenAI-compatible server (no `/slots`): no wait at all."""
    assert wait_until_idle(llm.url, limit_s=5, every_s=0.01) < 1
