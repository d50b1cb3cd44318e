"""Which model ids go where: litellm providers, local servers by name, the Hugging Face router."""

from __future__ import annotations

from pathlib import Path

import pytest

from configs.litellm_providers import LITELLM_PROVIDERS
from configs.model_profile import missing_key_message, profile_of
from configs.model_routes import ROUTER_DEFAULT_MODEL, default_model, route
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (
            "anthropic/claude-sonnet-4-5-20250929",
            ("provider", "anthropic/claude-sonnet-4-5-20250929", None),
        ),
        ("openai/gpt-4o", ("provider", "openai/gpt-4o", None)),
        (
            "huggingface/meta-llama/Llama-3.1-8B-Instruct",
            ("provider", "huggingface/meta-llama/Llama-3.1-8B-Instruct", None),
        ),
        (
            "moonshotai/Kimi-K2.6",
            ("router", "openai/moonshotai/Kimi-K2.6", "https://router.huggingface.co/v1"),
        ),
        (
            "openai/gpt-oss-120b:groq",
            ("router", "openai/openai/gpt-oss-120b:groq", "https://router.huggingface.co/v1"),
        ),
        (
            "Qwen/Qwen3-Coder-480B-A35B-Instruct:fastest",
            (
                "router",
                "openai/Qwen/Qwen3-Coder-480B-A35B-Instruct:fastest",
                "https://router.huggingface.co/v1",
            ),
        ),
        (
            "meta-llama/Llama-3.3-70B-Instruct:cheapest",
            (
                "router",
                "openai/meta-llama/Llama-3.3-70B-Instruct:cheapest",
                "https://router.huggingface.co/v1",
            ),
        ),
        (
            "vllm/Qwen/Qwen2.5-7B-Instruct",
            ("local", "openai/Qwen/Qwen2.5-7B-Instruct", "http://localhost:8000/v1"),
        ),
        ("ollama/llama3.1", ("local", "openai/llama3.1", "http://localhost:11434/v1")),
        ("lm_studio/qwen2.5-coder", ("local", "openai/qwen2.5-coder", "http://localhost:1234/v1")),
        (
            "llamacpp/qwen2.5-coder-1.5b",
            ("local", "openai/qwen2.5-coder-1.5b", "http://localhost:8080/v1"),
        ),
    ],
)
def test_routes(model: str, expected: tuple[str, str, str | None]) -> None:
    found = route(model, env={})
    assert (found.kind, found.model, found.api_base) == expected


@pytest.mark.parametrize(
    "model",
    [
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "openrouter/meta-llama/llama-3.3-70b-instruct:free",
        "ollama_chat/llama3.1:8b",
        "hosted_vllm/Qwen/Qwen2.5-Coder:7b",
    ],
)
def test_a_colon_inside_a_litellm_id_keeps_it_off_the_router(model: str) -> None:
    found = route(model, hf_token="hf_secret", env={})
    assert (found.kind, found.model, found.api_key) == ("provider", model, None)


@pytest.mark.parametrize(
    "model", ["openai/gpt-oss-120b:cheapest", "openai/gpt-oss-120b:fireworks-ai", "acme/m:v2"]
)
def test_router_suffixes_and_unknown_orgs_still_reach_the_router(model: str) -> None:
    found = route(model, hf_token="hf_secret", env={})
    assert (found.kind, found.api_key) == ("router", "hf_secret")


def test_local_servers_take_their_urls_from_the_environment() -> None:
    env = {
        "OLLAMA_BASE_URL": "http://gpu-box:11434/v1/",
        "LOCAL_LLM_BASE_URL": "http://lan:9000/v1",
    }
    assert route("ollama/llama3.1", env=env).api_base == "http://gpu-box:11434/v1"
    assert route("vllm/x", env=env).api_base == "http://lan:9000/v1"
    assert route("vllm/x", env={}).api_key == "sk-local"  # no key needed, the client wants one
    assert (
        route("moonshotai/Kimi-K2.6", env={"HF_ROUTER_URL": "http://r/v1"}).api_base
        == "http://r/v1"
    )


def test_the_provider_list_matches_the_installed_litellm() -> None:
    import litellm

    installed = {getattr(p, "value", p) for p in litellm.provider_list}
    assert installed == LITELLM_PROVIDERS, "regenerate configs/litellm_providers.py"


def test_with_only_an_hf_token_the_default_goes_through_the_router() -> None:
    claude = "anthropic/claude-sonnet-4-5-20250929"
    assert default_model(claude, explicit=False, hf_token="hf_x", env={}) == ROUTER_DEFAULT_MODEL
    assert (
        default_model(claude, explicit=False, hf_token="hf_x", env={"ANTHROPIC_API_KEY": "k"})
        == claude
    )
    assert default_model(claude, explicit=True, hf_token="hf_x", env={}) == claude
    assert default_model(claude, explicit=False, hf_token=None, env={}) == claude


def test_missing_keys_say_which_variable_serves_which_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    no_key = str(missing_key_message(profile_of("anthropic/claude-sonnet-4-5-20250929")))
    assert "ANTHROPIC_API_KEY is not set" in no_key and "HF_TOKEN" in no_key
    assert ROUTER_DEFAULT_MODEL in no_key
    router = str(missing_key_message(profile_of("moonshotai/Kimi-K2.6"), hf_token=None))
    assert router.startswith("HF_TOKEN is not set") and "router" in router
    assert missing_key_message(profile_of("moonshotai/Kimi-K2.6"), hf_token="hf_x") is None
    assert missing_key_message(profile_of("llamacpp/qwen")) is None  # local: no key at all


async def test_a_router_model_reaches_the_router_with_the_hf_token_only_there(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ROUTER_URL", llm.url)
    monkeypatch.setenv("HF_TOKEN", "hf_" + "routertoken0123456789abcdef")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    llm.add(Turn(content="hello from the router"))
    settings = fast_settings(None, model_name="openai/gpt-oss-120b:groq")
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
    assert events[-1].data["final_text"] == "hello from the router"
    assert llm.requests[0]["model"] == "openai/gpt-oss-120b:groq"
    headers = {k.lower(): v for k, v in llm.request_headers[0].items()}
    assert headers["authorization"] == "Bearer hf_routertoken0123456789abcdef"


async def test_a_local_server_by_name_needs_no_key(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("HF_TOKEN", "hf_" + "mustnotleak0123456789abcdef")
    llm.add(Turn(content="local answer"))
    settings = fast_settings(None, model_name="llamacpp/qwen2.5-coder-1.5b")
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
    assert events[-1].data["final_text"] == "local answer"
    assert llm.requests[0]["model"] == "qwen2.5-coder-1.5b"
    headers = {k.lower(): v for k, v in llm.request_headers[0].items()}
    assert "mustnotleak" not in str(headers)


async def test_configured_prices_make_a_local_model_cost_something(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", llm.url)
    llm.add(Turn(content="ok", usage={"prompt_tokens": 1_000_000, "completion_tokens": 500_000}))
    prices = {"vllm/house-model": {"input_per_mtok": 0.2, "output_per_mtok": 0.6}}
    settings = fast_settings(None, model_name="vllm/house-model", model_prices=prices)
    async with open_session(settings, workspace, mode="headless") as session:
        events = await collect(session.send("hi"))
    assert events[-1].data["usage"]["cost_usd"] == pytest.approx(0.2 + 0.3)
