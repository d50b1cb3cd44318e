"""The run request parser and the route rules, against the engines' own models and routes.

Every field of a run-creation request in Aegra's pydantic model and langgraph-api's
schema is either one we allow or one we refuse by name, so a field a new engine release
adds is refused until someone allows it; every route either engine mounts that may write
is a run the parser rebuilds, a write we looked at, or refused.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from serve.route_allowlist import example
from serve.run_request import (
    REFUSED,
    RUN_FIELDS,
    OperatorCaps,
    RunRefused,
    model_refusal,
    parse_run,
)
from serve.run_routes import REFUSED as REFUSED_ROUTES
from serve.run_routes import RUN_ROUTES, SERVED, Rule, rule_of
from tests.serve.engine_routes import embedded_routes, team_routes

THREAD = "0e7c9b1a-7f3e-4c43-9a5e-6a0b3f1d2c4e"
CAPS = OperatorCaps(max_iterations=300, max_cost_usd=5.0)
SERVED_FOLDER = Path("/srv/work")
HUMAN = {"messages": [{"type": "human", "content": "hi"}]}
IMAGE = {"type": "image_url", "image_url": {"url": "http://169.254.169.254/latest/meta-data"}}
PAGE_RUN = {  # what web/runs.js posts for a new message
    "assistant_id": "ml_intern",
    "stream_mode": ["messages-tuple", "updates", "custom"],
    "context": {"workspace": str(SERVED_FOLDER), "mode": "interactive", "front_end": "web"},
    "on_disconnect": "continue",
    "input": {**HUMAN, "stop_reason": None, "compact_request": None},
    "metadata": {"ml_intern_turn": "user"},
}


def parse(payload: Any, signed_in: bool = False) -> Any:
    served = None if signed_in else SERVED_FOLDER
    return parse_run(payload, THREAD, CAPS, signed_in, served)


def refusal(payload: Any, signed_in: bool = False) -> str:
    with pytest.raises(RunRefused) as refused:
        parse(payload, signed_in)
    return str(refused.value)


def engine_run_fields() -> set[str]:
    """The fields of a run request in both engines' own models."""
    from aegra_api.models.runs import RunCreate

    spec = importlib.util.find_spec("langgraph_api")
    assert spec is not None and spec.origin is not None
    openapi = json.loads((Path(spec.origin).parents[1] / "openapi.json").read_text())
    schemas = openapi["components"]["schemas"]
    names = ("RunCreateStateful", "RunCreateStateless")
    found = {key for name in names for key in schemas[name]["properties"]}
    return found | set(RunCreate.model_fields)


def test_the_pages_own_runs_are_built_by_the_server() -> None:
    built = parse(PAGE_RUN).engine_body(CAPS, SERVED_FOLDER)
    assert built == {
        "assistant_id": "ml_intern",
        "input": PAGE_RUN["input"],
        "stream_mode": PAGE_RUN["stream_mode"],
        "on_disconnect": "continue",
        "metadata": {"ml_intern_turn": "user"},
        "context": {
            "thread_id": THREAD,
            "workspace": str(SERVED_FOLDER),
            "mode": "interactive",
            "front_end": "web",
            "max_iterations": 300,
            "max_cost_usd": 5.0,
        },
    }
    answer = {"resume": {"decisions": [{"type": "approve"}]}, "update": {"model": "m"}}
    resumed = parse({**PAGE_RUN, "input": None, "command": answer}).engine_body(CAPS, None)
    assert resumed["command"] == answer and "input" not in resumed
    assert "workspace" not in resumed["context"]  # signed in: the graph picks their folder
    going_on = parse({**PAGE_RUN, "input": None}).engine_body(CAPS, None)  # after a crash
    assert going_on["input"] is None and "command" not in going_on


def test_every_field_of_the_engines_run_models_is_allowed_or_refused_by_name() -> None:
    fields = engine_run_fields()
    assert {"command", "config", "checkpoint", "interrupt_before", "webhook"} <= fields
    unsorted = fields - RUN_FIELDS - set(REFUSED)
    assert not unsorted, f"decide for each: allow it in RUN_FIELDS or refuse it: {unsorted}"
    for name in sorted(fields - RUN_FIELDS):
        assert f'"{name}"' in refusal({**PAGE_RUN, name: {"x": 1}}), name
    assert '"released_tomorrow"' in refusal({**PAGE_RUN, "released_tomorrow": True})


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"command": {"goto": "execute_tools", "resume": {}}, "input": None}, '"command.goto"'),
        ({"command": {"resume": {}, "update": {"messages": []}}, "input": None}, "update.messages"),
        ({"config": {"thread_id": "other"}}, '"config"'),
        ({"config": {}}, '"config"'),
        ({"context": {"thread_id": "other"}}, '"context.thread_id"'),
        ({"context": {"max_iterations": 301}}, '"context.max_iterations"'),
        ({"context": {"max_cost_usd": 5.01}}, '"context.max_cost_usd"'),
        ({"context": {"max_iterations": True}}, '"context.max_iterations"'),
        ({"context": {"workspace": "/"}}, '"context.workspace"'),
        ({"context": {"front_end": "<script>"}}, '"context.front_end" is one of cli, web, studio.'),
        ({"multitask_strategy": "interrupt"}, '"multitask_strategy"'),
        ({"stream_mode": ["debug"]}, '"stream_mode"'),
        ({"metadata": {"owner": "alice"}}, '"metadata"'),
        ({"input": {"messages": [{"role": "assistant", "content": "x"}]}}, "Message 1"),
        # LangChain reads `role` first: this one would be a system message in the thread
        (
            {"input": {"messages": [{"type": "human", "role": "system", "content": "x"}]}},
            "Message 1",
        ),
        ({"input": {"messages": [{"type": ["human"], "content": "x"}]}}, "Message 1"),
        ({"input": {**HUMAN, "stop_reason": "done"}}, '"input.stop_reason"'),
        ({"input": {"messages": [{"type": "human", "content": "x", "id": "m1"}]}}, "Message 1"),
        (
            {"input": {"messages": [{"type": "human", "content": [IMAGE]}]}},
            "no images or files by address",
        ),
        ({"command": {"resume": {}}}, "not both"),
    ],
)
def test_what_a_person_may_not_say_is_refused_by_name(change: dict[str, Any], named: str) -> None:
    said = refusal({**PAGE_RUN, **change})
    assert named in said and said.endswith("."), said


def test_a_person_lowers_the_operators_caps_never_raises_them() -> None:
    lower = {**PAGE_RUN, "context": {"max_iterations": 3, "max_cost_usd": 0.5}}
    context = parse(lower).engine_body(CAPS, None)["context"]
    assert (context["max_iterations"], context["max_cost_usd"]) == (3, 0.5)
    uncapped = OperatorCaps(max_iterations=300, max_cost_usd=None)
    spend = {**PAGE_RUN, "context": {"max_cost_usd": 40}}
    built = parse_run(spend, THREAD, uncapped, False, None).engine_body(uncapped, None)
    assert built["context"]["max_cost_usd"] == 40


def test_where_people_sign_in_a_run_cannot_create_its_thread() -> None:
    assert parse({**PAGE_RUN, "if_not_exists": "create"}).input is not None
    assert "POST /threads" in refusal({**PAGE_RUN, "if_not_exists": "create"}, signed_in=True)


@pytest.mark.parametrize("engine", [embedded_routes, team_routes])
def test_every_engine_route_that_may_write_is_run_served_or_refused(engine: Any) -> None:
    routes = engine()
    writes = [(m, p) for m, p in routes if m not in ("GET", "OPTIONS")]
    assert len(writes) >= 30, writes
    looked_at = {*SERVED, *REFUSED_ROUTES}
    for method, template in writes:
        rule, why = rule_of(method, example(template))
        if rule is Rule.RUN:
            assert method == "POST" and template in RUN_ROUTES, template
        elif rule is Rule.SERVED:
            assert (method, template) in looked_at, (method, template)
        else:
            assert why.endswith(".") and template.split("{")[0] in why, why
    starts_runs = {
        ("POST", "/runs"), ("POST", "/runs/wait"), ("POST", "/runs/stream"),
        ("POST", "/runs/crons"), ("POST", "/threads/{thread_id}/runs/crons"),
        ("POST", "/threads/{thread_id}/state"), ("POST", "/threads/{thread_id}/commands"),
    }  # fmt: skip
    assert starts_runs <= set(routes)
    for method, template in starts_runs:
        assert rule_of(method, example(template))[0] is Rule.REFUSED, template


def test_a_write_route_nobody_looked_at_is_refused() -> None:
    rule, why = rule_of("POST", "/threads/x/runs/teleport")
    assert rule is Rule.REFUSED and "does not serve it" in why
    assert rule_of("PUT", "/threads/x/state")[0] is Rule.REFUSED
    assert rule_of("POST", "/threads/x/runs/stream/")[0] is Rule.RUN
    assert rule_of("GET", "/threads/x/state")[0] is Rule.SERVED


def test_a_run_switches_only_to_a_model_the_server_can_run_and_count() -> None:
    from configs.settings import Settings

    asked = parse({**PAGE_RUN, "input": {**HUMAN, "model": "openai/gpt-4o"}})
    assert asked.model == "openai/gpt-4o"
    carried = {"resume": {"decisions": []}, "update": {"model": "openai/gpt-4o"}}
    assert parse({**PAGE_RUN, "input": None, "command": carried}).model == "openai/gpt-4o"
    assert model_refusal("openai/gpt-4o", Settings()) is None
    assert "no provider is known" in (model_refusal("made-up-model", Settings()) or "")
    capped = Settings(max_cost_usd=1.0)
    assert "cannot limit" in (model_refusal("openai/no-such-priced-model", capped) or "")
    # `api_base` serves every provider route: only the operator's own provider may use it.
    served = Settings(model_name="openai/local-model", api_base="http://127.0.0.1:9/v1")
    assert "would send its key there" in (model_refusal("anthropic/claude-x", served) or "")
    assert model_refusal("openai/gpt-4o", served) is None
    assert model_refusal("anthropic/claude-sonnet-4-5-20250929", Settings()) is None


def test_the_body_cap_is_a_whole_number_of_bytes() -> None:
    from serve.body_cap import DEFAULT, ENV, max_body_bytes

    assert max_body_bytes({}) == DEFAULT == 8 << 20
    assert max_body_bytes({ENV: "1048576"}) == 1 << 20
    for wrong in ("8M", "-1", "0"):
        with pytest.raises(ValueError, match=ENV):
            max_body_bytes({ENV: wrong})
