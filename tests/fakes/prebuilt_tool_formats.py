"""The built-in tools' OpenAI formats, made once in the CLI zygote for every run forked from it.

`tools/openai_schema.py` remembers a tool's format per process, keyed by everything the format
is made from (name, description, argument class, function), so a forked run that describes a
tool as the default settings do finds its format made, and one that describes it otherwise
makes its own: what the run sends is the same either way. Making them is ~65 ms of CPU a run
(27 tools through LangChain's conversion and pydantic's JSON schema), ~28% of a short forked
run. Built under the zygote's import watch (tests/fakes/import_watch.py), so whatever the
catalog reads of the environment is recorded like an import's reads.
"""

from __future__ import annotations


def install() -> int:
    """Each built-in tool's format, as the default settings describe the tools; how many."""
    from configs.settings import Settings
    from tools.families import build_catalog
    from tools.openai_schema import openai_schema

    catalog = build_catalog(Settings.model_construct())  # the defaults; reads no config file
    for spec in catalog:
        openai_schema(spec.tool)
    return len(catalog.names)


def main() -> None:
    """One JSON line: how many tools' formats this process started with, then each built-in
    tool's format as the default settings describe it."""
    import json

    from tools import openai_schema

    started_with = len(openai_schema._made)
    from configs.settings import Settings
    from tools.families import build_catalog

    catalog = build_catalog(Settings.model_construct())
    formats = [openai_schema.openai_schema(spec.tool) for spec in catalog]
    print(json.dumps({"started_with": started_with, "formats": formats}))


if __name__ == "__main__":
    main()
