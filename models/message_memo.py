"""A value worked out once per message object: a thread's history is the same objects from one
step to the next, so what a request makes of each message (its dict, its blocks, its loop
signature) is made once, not once a step for the whole history.

The value is kept while the message lives and forgotten with it. Messages in a history are
never changed in place (an update is a copy, `model_copy`), the same assumption the
checkpoint saver's digests rest on (store/message_codec.py).

    >>> sizes = PerMessage(lambda m: len(m.content))
    >>> note = HumanMessage("hello")
    >>> sizes(note), sizes(note)
    (5, 5)
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from langchain_core.messages import BaseMessage


class PerMessage[Value]:
    """`work(message)`, worked out once per message object (thread-safe: a race works it out
    twice, and either answer is the same)."""

    def __init__(self, work: Callable[[BaseMessage], Value]) -> None:
        self._work = work
        self._known: dict[int, tuple[weakref.ref[BaseMessage], Value]] = {}

    def __call__(self, message: BaseMessage) -> Value:
        key = id(message)
        entry = self._known.get(key)
        if entry is not None and entry[0]() is message:
            return entry[1]
        value = self._work(message)
        self._known[key] = (weakref.ref(message, self._forget(key)), value)
        return value

    def _forget(self, key: int) -> Callable[[weakref.ref[Any]], None]:
        def forget(ref: weakref.ref[Any]) -> None:
            entry = self._known.pop(key, None)
            if entry is not None and entry[0] is not ref:  # a newer message took the id
                self._known.setdefault(key, entry)

        return forget
