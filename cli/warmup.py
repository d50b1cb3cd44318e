"""The agent runtime (langgraph, langchain, litellm: seconds to import) loaded in a background
thread while a front end waits for its user: the REPL's prompt, an editor's `initialize`."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Warmup:
    """Imports the runtime in a daemon thread; `join` waits and raises what the import raised.
    `litellm=False` leaves litellm out (seconds: a model on our own OpenAI-compatible path
    sends a plain request without it, models/openai_chat_plain.py); a callable decides in the
    thread (what deciding imports is imported there too, not before the front end answers)."""

    def __init__(self, *, litellm: bool | Callable[[], bool] = True) -> None:
        self.litellm = litellm
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._load, name="ml-intern-imports", daemon=True)

    def start(self) -> Warmup:
        self.thread.start()
        return self

    def _load(self) -> None:
        from cli.startup_heap import startup_heap

        try:
            from tools.secrets.rules import load_soon

            load_soon()  # the secret rules compile beside these imports, not on the first call
            with startup_heap():
                if self.litellm if isinstance(self.litellm, bool) else self.litellm():
                    import langchain_litellm  # noqa: F401
                    import litellm  # noqa: F401
                    import openai.resources.chat.completions  # noqa: F401 - the first call's

                import graph.session  # noqa: F401
        except BaseException as error:  # surfaced when the runtime is first needed
            self.error = error

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error
