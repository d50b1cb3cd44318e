"""A session's tools' OpenAI formats, made once in the CLI zygote for every run forked from it.

`tools/openai_schema.py` remembers a tool's format per process, keyed by everything the format
is made from (name, description, argument class, function), so a forked run that describes a
tool as the default settings do finds its format made, and one that describes it otherwise
makes its own: what the run sends is the same either way. Making them is ~65 ms of CPU a run
(29 tools through LangChain's conversion and pydantic's JSON schema), ~28% of a short forked
run. Built under the zygote's import watch (tests/fakes/import_watch.py), so whatever the
catalog reads of the environment is recorded like an import's reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def install() -> int:
    """Each tool's format as a session with the default settings has it (the built-in tools,
    `research`, the run ledger's wrappers and `experiments`); how many."""
    from tools.openai_schema import openai_schema

    catalog = session_catalog()
    for spec in catalog:
        openai_schema(spec.tool)
    return len(catalog.names)


def session_catalog() -> Any:
    """The tools `graph/session.py` gives a session, with the default settings (read from no
    config file) and a home no tool is called with."""
    from configs.settings import Settings
    from graph.experiments import with_ledger
    from graph.research_agent import with_research
    from tools.families import build_catalog

    settings, home = Settings.model_construct(), Path("/nonexistent/ml-intern-home")
    return with_ledger(with_research(build_catalog(settings), settings, home), home)


def main() -> None:
    """One JSON line: how many tools' formats this process started with, then each format of
    a session's tools with the default settings."""
    import json

    from tools import openai_schema

    started_with = len(openai_schema._made)
    formats = [openai_schema.openai_schema(spec.tool) for spec in session_catalog()]
    print(json.dumps({"started_with": started_with, "formats": formats}))


if __name__ == "__main__":
    main()
