"""Attacks on where a run's model switch sends the operator's keys (`ml-intern web`, token
mode): a person's `input.model` (or `command.update.model`) naming a provider the operator
did not configure, or a litellm id with a URL inside, must not carry the server's keys to a
host the operator did not choose. The operator here serves an OpenAI-compatible model at
OPENAI_BASE_URL and holds an HF token (the router's) in the server's environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import free_port, module_env, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(300)

HF_SECRET = "hf_operator_secret_7c2d"
OPENAI_SECRET = "sk-operator-openai-91ab"


@pytest.fixture(scope="module")
def operators_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, ScriptedLLMServer]]:
    """The operator's server, one for the module (each case runs its own thread): its model
    at OPENAI_BASE_URL (no `api_base` in config), its keys in the environment; the URL and
    the operator's model server."""
    root = tmp_path_factory.mktemp("operator")
    (root / "workspace").mkdir()
    with (
        module_env(root) as home,
        pytest.MonkeyPatch.context() as env,
        ScriptedLLMServer() as operator,
    ):
        env.setenv("OPENAI_BASE_URL", f"{operator.url}/v1")
        env.setenv("OPENAI_API_KEY", OPENAI_SECRET)
        env.setenv("HF_TOKEN", HF_SECRET)
        port = free_port()
        proc, out = start_web(root / "workspace", home, None, root, "--port", str(port))
        try:
            wait_for_ready(proc, out)
            yield f"http://127.0.0.1:{port}", operator
        finally:
            stop_web(proc)


@pytest.fixture
def served(operators_server: tuple[str, ScriptedLLMServer]) -> tuple[str, ScriptedLLMServer]:
    """The module's operator server, its model's script and requests emptied for this case."""
    operators_server[1].reset()
    return operators_server


def run_on(url: str, model: str) -> httpx.Response:
    with httpx.Client(base_url=url, trust_env=False, timeout=120) as api:
        thread = api.post("/threads", json={}).json()["thread_id"]
        given: dict[str, Any] = {"messages": [{"type": "human", "content": "hi"}]}
        body = {
            "assistant_id": "ml_intern",
            "input": {**given, "model": model},
            "context": {"mode": "headless"},
        }
        return api.post(f"/threads/{thread}/runs/wait", json=body)


def carried_secret(server: ScriptedLLMServer) -> list[str]:
    return [
        value
        for headers in server.request_headers
        for value in headers.values()
        if HF_SECRET in value or OPENAI_SECRET in value
    ]


@pytest.mark.parametrize(
    "template",
    [
        "huggingface/{url}/v1",  # litellm's huggingface route takes a URL as the model
        "huggingface/{url}",
        "openai/{url}",
        "hosted_vllm/{url}",
    ],
)
def test_a_model_id_with_a_url_does_not_carry_the_operators_keys_there(
    served: tuple[str, ScriptedLLMServer], template: str
) -> None:
    url, operator = served
    with ScriptedLLMServer() as attacker:
        attacker.add(Turn(content="got your key"))
        operator.add(Turn(content="hello"))
        answer = run_on(url, template.format(url=attacker.url))
        assert answer.status_code in (200, 422), answer.text
        assert carried_secret(attacker) == [], attacker.request_headers
        assert attacker.requests == [], attacker.requests


ANTHROPIC_SECRET = "sk-ant-operator-secret-5d1e"


def test_another_providers_model_does_not_send_its_key_to_the_configured_endpoint(
    isolated_home: Path, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator's config sets `api_base` for their OpenAI-compatible model and the server
    also holds an Anthropic key: a person's `anthropic/...` model would send that key to the
    operator's endpoint (`api_base` serves every provider route). Refused, and nothing sent."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_SECRET)
    with ScriptedLLMServer() as operator:
        port = free_port()
        proc, out = start_web(workspace, isolated_home, operator.url, tmp_path, "--port", str(port))
        try:
            wait_for_ready(proc, out)
            url, model = f"http://127.0.0.1:{port}", "anthropic/claude-sonnet-4-5-20250929"
            answer = run_on(url, model)
            with httpx.Client(base_url=url, trust_env=False, timeout=120) as api:
                thread = api.post("/threads", json={}).json()["thread_id"]
                picked = api.post(f"/web/threads/{thread}/settings", json={"model": model})
        finally:
            stop_web(proc)
    for refused in (answer, picked):  # a run's model, and the page's picker (its probe)
        assert refused.status_code == 422, refused.text
        assert "anthropic model would send its key there" in refused.json()["detail"]
    sent = [v for headers in operator.request_headers for v in headers.values()]
    assert not [v for v in sent if ANTHROPIC_SECRET in v] and operator.requests == []
