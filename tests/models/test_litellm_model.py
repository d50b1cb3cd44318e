"""The litellm chat model ml-intern builds: what litellm does per call that we turned off."""

from __future__ import annotations

import pytest

KEY = "sk-ant-test-not-a-real-key"


def test_litellm_no_longer_copies_the_history_for_its_logging_after_each_call() -> None:
    from litellm.litellm_core_utils.logging_utils import truncate_base64_in_messages

    from configs.settings import Settings
    from models.chat_model import litellm_chat_model

    litellm_chat_model(Settings(model_name="openai/scripted-model", model_client="litellm"))(
        "openai/scripted-model"
    )
    messages = [{"role": "user", "content": "data:image/png;base64," + "A" * 500}]
    assert truncate_base64_in_messages(messages) is messages  # not walked, not copied


async def test_an_anthropic_call_counts_its_usage_without_loading_litellm_s_tokenizer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """litellm loaded tiktoken's cl100k (~37 MB) on the first Anthropic call only to hand it
    on; the reply's usage comes from the provider, so it now loads only when used."""
    import litellm.main
    from langchain_core.messages import HumanMessage

    from compat.litellm import LazyTokenizer
    from configs.settings import Settings
    from models.chat_model import litellm_chat_model
    from tests.fakes.anthropic_server import ScriptedAnthropicServer
    from tests.fakes.llm_server import Turn

    monkeypatch.setattr(litellm.main, "_encoding_cache", None)  # as in a new process
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    model_id = "anthropic/claude-sonnet-4-5-20250929"
    with ScriptedAnthropicServer(responder=lambda _r: Turn(content="hi"), api_key=KEY) as server:
        settings = Settings(model_name=model_id, api_base=server.url, model_client="litellm")
        reply = await litellm_chat_model(settings)(model_id).ainvoke([HumanMessage("hello")])
    assert reply.content == "hi" and reply.usage_metadata["input_tokens"] > 0
    assert isinstance(litellm.main._encoding_cache, LazyTokenizer)  # handed on, never loaded


def test_the_deferred_tokenizer_counts_as_litellm_s_own() -> None:
    from litellm._lazy_imports import _get_default_encoding

    from compat.litellm import LazyTokenizer

    text = "epoch 3 loss 0.412 accuracy 0.87"
    assert LazyTokenizer().encode(text) == _get_default_encoding().encode(text)


async def test_litellm_no_longer_prices_each_reply_and_the_call_is_priced_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """litellm priced every response three times for a figure nothing read (~20% of a
    call's CPU); the thread's cost comes from ml-intern's own pricing of the usage."""
    import litellm
    from langchain_core.messages import HumanMessage

    from configs.model_profile import profile_of
    from configs.settings import Settings
    from models.chat_model import litellm_chat_model
    from models.usage import call_usage
    from tests.fakes.llm_server import ScriptedLLMServer, Turn

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    model_id = "openai/gpt-4o"  # on litellm's price list
    prompt = [HumanMessage("hello")]
    with ScriptedLLMServer([Turn(content="hi", usage={"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200})]) as server:  # fmt: skip
        settings = Settings(model_name=model_id, api_base=server.url, model_client="litellm")
        reply = await litellm_chat_model(settings)(model_id).ainvoke(prompt)
    assert reply.content == "hi"
    assert "response_cost" not in reply.response_metadata  # litellm priced nothing
    spent = call_usage(profile_of(model_id, settings), prompt, reply)
    listed = litellm.cost_per_token(model=model_id, prompt_tokens=1000, completion_tokens=200)
    assert (spent["input_tokens"], spent["output_tokens"]) == (1000, 200)
    assert spent["cost_usd"] == pytest.approx(sum(listed)) and spent["cost_usd"] > 0


def test_litellm_asks_for_anyio_s_signature_once_and_gets_the_same_answer() -> None:
    import inspect

    import anyio.to_thread
    from litellm.litellm_core_utils import asyncify

    from configs.settings import Settings
    from models.chat_model import litellm_chat_model

    litellm_chat_model(Settings(model_name="openai/scripted-model", model_client="litellm"))(
        "openai/scripted-model"
    )
    takes = "abandon_on_cancel" in inspect.signature(anyio.to_thread.run_sync).parameters
    asks = asyncify.function_has_argument
    for _ in range(3):  # once per stream's end
        assert asks(anyio.to_thread.run_sync, "abandon_on_cancel") is takes
    assert asks.cache_info().hits >= 2  # type: ignore[attr-defined]


async def test_litellm_logs_a_success_only_when_a_callback_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """litellm built its logging payload after every call for callbacks ml-intern never
    registers (~1 ms of a call's CPU); a callback someone registers still gets each success."""
    import asyncio

    import litellm
    from langchain_core.messages import HumanMessage
    from litellm.integrations.custom_logger import CustomLogger
    from litellm.litellm_core_utils.litellm_logging import Logging
    from litellm.litellm_core_utils.logging_worker import GLOBAL_LOGGING_WORKER

    from configs.settings import Settings
    from models.chat_model import litellm_chat_model
    from tests.fakes.llm_server import ScriptedLLMServer, Turn

    for name in ("callbacks", "success_callback", "_async_success_callback", "input_callback"):
        monkeypatch.setattr(litellm, name, [])  # restored after the test, whatever litellm adds
    for name in ("failure_callback", "_async_failure_callback", "_async_input_callback"):
        monkeypatch.setattr(litellm, name, [])
    built: list[str] = []
    payload = Logging._build_standard_logging_payload
    monkeypatch.setattr(
        Logging,
        "_build_standard_logging_payload",
        lambda self, *a, **k: built.append(self.litellm_call_id) or payload(self, *a, **k),
    )
    heard: list[str] = []

    class Listener(CustomLogger):
        async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[no-untyped-def]
            heard.append(kwargs["standard_logging_object"]["messages"][-1]["content"])

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    model_id = "openai/scripted-model"
    with ScriptedLLMServer(default=Turn(content="hi")) as server:
        models = [
            litellm_chat_model(
                Settings(
                    model_name=model_id, api_base=server.url, stream=stream, model_client="litellm"
                )
            )(model_id)
            for stream in (True, False)
        ]
        for model in models:  # streamed and not
            assert (await model.ainvoke([HumanMessage("nobody listens")])).content == "hi"
        await GLOBAL_LOGGING_WORKER.flush()  # the unstreamed call's log, queued
        for _ in range(20):  # the streamed call's, a task of its own
            await asyncio.sleep(0)
        monkeypatch.setattr(litellm, "callbacks", [Listener()])
        for model in models:
            assert (await model.ainvoke([HumanMessage("someone listens")])).content == "hi"
        for _ in range(500):  # the success log runs in a task after the reply
            if len(heard) == 2:
                break
            await asyncio.sleep(0.01)
    # Each listened call built its payload and its listener got it; the others built none.
    assert heard == ["someone listens"] * 2 and len(built) == 2
