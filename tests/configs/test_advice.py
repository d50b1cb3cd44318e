"""The fix for a provider error is said in the words of the front end the person is using."""

from __future__ import annotations

import httpx
import litellm
import pytest

from configs.advice import Advice
from configs.model_profile import missing_key_message, profile_of
from models.provider_errors import describe
from nodes.context_window import overflow_advice

WHERE = {
    Advice("cli", "headless"): "with --model",
    Advice("cli", "interactive"): "with /model",
    Advice("web"): "in the model picker",
    Advice("studio"): "the run's input",
}


def rejected() -> Exception:
    response = httpx.Response(401, request=httpx.Request("POST", "http://127.0.0.1/v1"))
    return litellm.AuthenticationError("bad key", "openai", "openai/x", response=response)


@pytest.mark.parametrize(("advice", "words"), WHERE.items())
def test_each_front_end_names_its_own_way_to_switch_models(advice: Advice, words: str) -> None:
    others = [w for w in WHERE.values() if w != words]
    said = [
        describe(rejected(), "openai/x", advice),
        str(missing_key_message(profile_of("anthropic/claude-x"), env={}, advice=advice)),
    ]
    for line in said:
        assert words in line and not any(other in line for other in others), line


def test_an_overflow_tells_a_person_to_start_over_and_a_script_to_change_settings() -> None:
    profile = profile_of("openai/gpt-4o")
    assert "(/new)" in overflow_advice(Advice("cli", "interactive"), profile)
    page = overflow_advice(Advice("web"), profile)
    assert "New thread" in page and "/new" not in page and "--model" not in page
    headless = overflow_advice(Advice("cli", "headless"), profile)
    assert "--model" in headless and "new thread" not in headless.lower()
