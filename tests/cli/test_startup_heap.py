"""Start-up runs with the collector off, and a run afterwards collects garbage again."""

from __future__ import annotations

import gc

from cli.startup_heap import startup_heap


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_collector_is_off_during_start_up_and_back_on_after() -> None:
    assert gc.isenabled()
    try:
        with startup_heap():
            assert not gc.isenabled()
            built = [Cycle() for _ in range(100)]
        assert gc.isenabled()
        # What start-up built is frozen: never walked again.
        assert gc.get_freeze_count() >= len(built)
        del built
        # Garbage made during the run is still found and freed.
        for _ in range(10):
            Cycle()
        assert gc.collect() >= 10
    finally:
        gc.unfreeze()


def test_a_failing_start_up_still_turns_the_collector_back_on() -> None:
    try:
        with startup_heap():
            raise ValueError("bad config")
    except ValueError:
        pass
    finally:
        gc.unfreeze()
    assert gc.isenabled()
