"""litellm's default tokenizer, built once in a zygote for every run forked from it.

`models/usage.py`'s `count_tokens` has litellm import `litellm_core_utils.default_encoding`,
which points `TIKTOKEN_CACHE_DIR` at litellm's bundled files and builds tiktoken's
`cl100k_base` (~0.1 s of CPU in each process that counts: a web server's `langgraph dev` at
start, a run at its first model call). `install()` builds that encoding into tiktoken's own
cache of encodings before the zygote forks, leaving the environment and litellm's module as
they were: a run still imports `default_encoding` itself (so it sets `TIKTOKEN_CACHE_DIR` when
and only when a fresh process would), and its `tiktoken.get_encoding` finds the encoding built.
"""

from __future__ import annotations

import os
from importlib import resources

ENCODING = "cl100k_base"  # the one default_encoding.py builds


def install() -> None:
    """Build litellm's default encoding now, from litellm's bundled files."""
    import litellm
    import tiktoken

    bundled = str(resources.files(litellm).joinpath("litellm_core_utils/tokenizers"))
    before = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = bundled
    try:
        tiktoken.get_encoding(ENCODING)
    finally:
        if before is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = before
    if len(os.listdir("/proc/self/task")) != 1:
        raise RuntimeError("tiktoken left a thread running: forking this process is unsafe")
