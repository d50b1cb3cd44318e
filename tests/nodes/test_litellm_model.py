"""The litellm chat model ml-intern builds: what litellm does per call that we turned off."""

from __future__ import annotations


def test_litellm_no_longer_copies_the_history_for_its_logging_after_each_call() -> None:
    from litellm.litellm_core_utils.logging_utils import truncate_base64_in_messages

    from configs.settings import Settings
    from nodes.deps import litellm_chat_model

    litellm_chat_model(Settings(model_name="openai/scripted-model"))("openai/scripted-model")
    messages = [{"role": "user", "content": "data:image/png;base64," + "A" * 500}]
    assert truncate_base64_in_messages(messages) is messages  # not walked, not copied
