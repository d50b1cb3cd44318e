"""A template run forks from a zygote that imported the Hugging Face libraries with the run's
Hub setup (tests/fakes/hub_readers.py), and sees what a fresh process sees."""

from __future__ import annotations

import json
from pathlib import Path

from tests.skills.conftest import run_template

PROBE = """import json, sys
started = "transformers" in sys.modules
from huggingface_hub import constants as c
print(json.dumps([started, c.ENDPOINT, c.HF_HUB_CACHE, c.HF_TOKEN_PATH, c.OAUTH_CLIENT_ID]))
"""


def test_a_run_starts_with_the_libraries_unless_it_differs_in_what_they_read(
    call_env: dict[str, str], tmp_path: Path
) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    started, *seen = json.loads(run_template(probe, [], call_env, tmp_path).stdout)
    fresh = json.loads(run_template(probe, [], call_env, tmp_path, fresh=True).stdout)
    assert started and [False, *seen] == fresh
    assert seen[0] == call_env["HF_ENDPOINT"] and seen[1].startswith(call_env["HF_HOME"])
    # huggingface_hub reads OAUTH_CLIENT_ID at import, no part of a Hub setup: a run that sets
    # it is forked from the same zygote, then becomes a fresh interpreter
    other = {**call_env, "OAUTH_CLIENT_ID": "probe-client"}
    assert json.loads(run_template(probe, [], other, tmp_path).stdout) == [
        False, *seen[:-1], "probe-client"
    ]  # fmt: skip
