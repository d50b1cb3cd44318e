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


def test_models_made_after_start_up_validate_as_before_only_built_later() -> None:
    """The installed pydantic still has the default start-up changes, and validation is
    unchanged (a fresh interpreter: the default is process-wide)."""
    import subprocess
    import sys

    probe = (
        "import pydantic\n"
        "from cli.startup_heap import build_models_on_first_use\n"
        "build_models_on_first_use()\n"
        "class M(pydantic.BaseModel):\n"
        "    x: int\n"
        "print(type(M.__pydantic_validator__).__name__)\n"
        "print(M(x='3').x)\n"
        "try:\n"
        "    M(x='a')\n"
        "except pydantic.ValidationError as error:\n"
        "    print(error.error_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["MockValSer", "3", "1"], done.stderr
