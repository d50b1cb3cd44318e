"""A call priced from litellm's bundled list without litellm (models/list_price.py): equal to
`litellm.cost_per_token` on every entry it prices, and the default model's calls priced
without importing litellm at all."""

from __future__ import annotations

import functools
import json
import math
import subprocess
import sys

import pytest

from configs.model_profile import _price_list
from models.list_price import PROVIDERS, listed_cost

# litellm imported and asked ~200 times: seconds of CPU, minutes on a loaded machine.
pytestmark = pytest.mark.timeout(600)
# (prompt tokens, output tokens, cache reads, cache writes): plain, cached, past 200k tokens
# and mostly cached (where a tiered entry would change rate).
USAGES = [
    (1_000, 100, 0, 0),
    (1_000, 100, 600, 300),
    (300_000, 10, 200_000, 90_000),
]


def _ids() -> list[str]:
    """Each listed model of the two providers, as a profile names it ("provider/name")."""
    ids = []
    for name, entry in _price_list().items():
        provider = entry.get("litellm_provider")
        if provider in PROVIDERS:
            ids.append(name if name.startswith(f"{provider}/") else f"{provider}/{name}")
    return ids


def test_every_entry_priced_here_costs_what_litellm_says() -> None:
    litellm = pytest.importorskip("litellm")
    priced = 0
    for model_id in _ids():
        for usage in USAGES:
            ours = listed_cost(model_id, *usage)
            if ours is None:
                continue
            priced += 1
            prompt, completion = litellm.cost_per_token(
                model=model_id,
                prompt_tokens=usage[0],
                completion_tokens=usage[1],
                cache_read_input_tokens=usage[2],
                cache_creation_input_tokens=usage[3],
            )
            assert math.isclose(ours, prompt + completion, rel_tol=1e-9, abs_tol=1e-15), (
                model_id,
                usage,
            )
    assert priced >= 100  # the Claude and GPT families: most of both providers' chat models


def test_an_entry_with_a_price_of_another_kind_stays_litellms() -> None:
    """Tiered (above a prompt size) or any price this module does not know: None."""
    tiered = [
        model_id
        for model_id in _ids()
        if any("_above_" in key and "1hr" not in key for key in _raw(model_id))
    ]
    assert tiered, "the list has tiered entries of these providers"
    assert all(listed_cost(model_id, 1_000, 10, 0, 0) is None for model_id in tiered)
    assert listed_cost("huggingface/some-org/some-model", 1_000, 10, 0, 0) is None
    assert listed_cost("claude-sonnet-4-5-20250929", 1_000, 10, 0, 0) is None  # no provider


def _raw(model_id: str) -> dict[str, object]:
    name = model_id.partition("/")[2]
    listed = _bundled_list()
    return listed.get(model_id) or listed.get(name) or {}


@functools.cache
def _bundled_list() -> dict[str, dict[str, object]]:
    """litellm's bundled price list as the file holds it (read once: ~1 MB of JSON)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("litellm")
    assert spec is not None and spec.origin is not None
    path = Path(spec.origin).parent / "model_prices_and_context_window_backup.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_default_models_calls_are_priced_without_importing_litellm() -> None:
    """A thread on the default config no longer waits seconds for `import litellm` between
    its first reply and its second request: the call's cost comes from the list."""
    script = """
import json, sys
from langchain_core.messages import AIMessage, HumanMessage
from configs.model_profile import profile_of
from configs.settings import Settings
from models.usage import call_usage
profile = profile_of(Settings().model_name, Settings())
reply = AIMessage("done", usage_metadata={"input_tokens": 12000, "output_tokens": 300,
    "total_tokens": 12300, "input_token_details": {"cache_read": 10000, "cache_creation": 1500}})
spent = call_usage(profile, [HumanMessage("hi")], reply)
print(json.dumps([profile.model_id, spent["cost_usd"], "litellm" in sys.modules]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    model_id, cost, imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert not imported
    litellm = pytest.importorskip("litellm")
    prompt, completion = litellm.cost_per_token(
        model=model_id,
        prompt_tokens=12000,
        completion_tokens=300,
        cache_read_input_tokens=10000,
        cache_creation_input_tokens=1500,
    )
    assert cost > 0
    assert math.isclose(cost, prompt + completion, rel_tol=1e-9)
