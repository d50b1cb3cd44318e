"""Start-up runs with the collector off, and a run afterwards collects garbage again."""

from __future__ import annotations

import gc
from typing import Any

import pytest

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
    probe = (
        "import pydantic\n"
        "from compat.pydantic import build_models_on_first_use\n"
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
    assert printed_by(probe).split() == ["MockValSer", "3", "1"]


def test_adapters_made_during_start_up_build_on_first_use_where_they_were_made() -> None:
    """A deferred TypeAdapter resolves its names in the namespace it was made in (a local
    class here, unknown where it is first used), validates and errs as one built at once."""
    import pydantic

    from compat.pydantic import build_adapters_on_first_use

    def made_in_a_function() -> pydantic.TypeAdapter[Any]:
        class Node(pydantic.BaseModel):
            name: str
            child: Node | None = None

        return pydantic.TypeAdapter(list["Node"])

    restore = build_adapters_on_first_use()
    try:
        deferred = made_in_a_function()
        chosen = pydantic.TypeAdapter(int, config=pydantic.ConfigDict(defer_build=False))
    finally:
        restore()
    at_once = made_in_a_function()
    assert type(deferred.validator).__name__ == "MockValSer"
    assert type(chosen.validator).__name__ == "SchemaValidator"  # its config chose
    assert type(at_once.validator).__name__ == "SchemaValidator"  # after start-up: at once

    tree = [{"name": "a", "child": {"name": "b"}}]
    assert deferred.dump_python(deferred.validate_python(tree)) == at_once.dump_python(
        at_once.validate_python(tree)
    )
    assert deferred.json_schema() == at_once.json_schema()
    with pytest.raises(pydantic.ValidationError) as wrong:
        deferred.validate_python([{"name": 1}])
    assert wrong.value.error_count() == 1


def test_litellm_after_start_up_keeps_what_it_reads_and_drops_its_parsed_tokenizer() -> None:
    """litellm.utils keeps the Anthropic tokenizer's text (what litellm reads) and no longer
    holds its parsed copy (13.7 MB); the tokenizer litellm builds from that text counts, and
    its module-level adapters still validate."""
    probe = (
        "import json\n"
        "from cli.startup_heap import startup_heap\n"
        "with startup_heap():\n"
        "    import litellm\n"
        "import litellm.utils as u\n"
        "print(hasattr(u, 'json_data'), 'model' in json.loads(u.claude_json_str))\n"
        "print(type(u._RATE_TABLE.validator).__name__, u._RATE_TABLE.validate_python({'a': 1}))\n"
        "from litellm.rust_bridge.tokenizer import anthropic\n"
        "print(len(anthropic().encode('hello world')))\n"
    )
    assert printed_by(probe).splitlines() == ["False True", "MockValSer {'a': 1}", "2"]


def printed_by(probe: str) -> str:
    """What `probe` prints in a fresh interpreter (start-up's changes are process-wide)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
