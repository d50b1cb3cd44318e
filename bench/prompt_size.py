"""What the model sees on every call, in tokens: the system prompt per mode and the tool schemas.

    uv run python bench/prompt_size.py
    uv run python bench/prompt_size.py --small [--tokenizer tokenizer.json]

Counted with litellm's tokenizer for the default model (an estimate for providers whose
tokenizer is not public); skill bodies are not counted: they load only when asked for.

`--small` prints, part by part, the fixed part of a small-window model's first request
(llamacpp/local, headless: its system prompt's sections and each tool's schema as JSON, the
way a chat template writes it), with the `lean-request` rule off (the core toolset) and on
(the default; adaptations/registry.py). `--tokenizer` counts with a Hugging Face
`tokenizers` file (the served model's own) instead of litellm's estimate; a chat template's
own text around the tools and the messages is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import print_summary

SMALL_MODEL = "llamacpp/local"
Counter = Callable[[str], int]


def tokens(model: str, text: str) -> int:
    import litellm

    return int(litellm.token_counter(model=model, text=text))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", action="store_true", help="a small model's first request")
    parser.add_argument("--tokenizer", type=Path, help="a tokenizers JSON file to count with")
    args = parser.parse_args(argv)
    if args.small:
        small_request(counter(args.tokenizer))
    else:
        every_mode()


def every_mode() -> None:
    from configs.prompt import render_system_prompt
    from configs.settings import Settings
    from tools.families import build_catalog
    from tools.skills import scan_skills

    settings = Settings()
    names = [*build_catalog(settings).names, "research"]
    skills = scan_skills(None, env={"HOME": "/nonexistent"}).skills
    schemas = json.dumps(build_catalog(settings).schemas())
    listed = "\n".join(f"- {s.name}: {s.description}" for s in skills)
    model = settings.model_name
    print(f"model: {model}; tools: {len(names)}; skills listed: {len(skills)}")
    summary: dict[str, object] = {"bench": "prompt_size"}
    for mode in ("interactive", "headless"):
        prompt = render_system_prompt(mode=mode, model=model, tools=names, skills=skills)
        summary[f"system_prompt_{mode}_tokens"] = tokens(model, prompt)
        print(f"system prompt ({mode}): {tokens(model, prompt):>6} tokens, {len(prompt):,} chars")
    summary["skill_list_tokens"] = tokens(model, listed)
    summary["tool_schemas_tokens"] = tokens(model, schemas)
    print(f"  of which the skill list:  {tokens(model, listed):>6} tokens")
    print(f"tool schemas:               {tokens(model, schemas):>6} tokens, {len(schemas):,} chars")
    print_summary(summary)


def counter(tokenizer: Path | None) -> Counter:
    """Counts tokens with `tokenizer` (a tokenizers JSON file), else litellm's estimate."""
    if tokenizer is None:
        return lambda text: tokens(SMALL_MODEL, text)
    from tokenizers import Tokenizer

    loaded = Tokenizer.from_file(str(tokenizer))
    return lambda text: len(loaded.encode(text, add_special_tokens=False).ids)


def small_request(count: Counter) -> None:
    """The fixed part of a small model's first request, by part, `lean-request` off and on."""
    columns = {"lean off": first_request(lean=False), "lean-request": first_request(lean=True)}
    counted = {name: {part: count(text) for part, text in parts} for name, parts in columns.items()}
    rows = list(dict.fromkeys(part for parts in counted.values() for part in parts))
    print(f"{'part':<44}{'lean off':>10}{'lean':>10}")
    for part in rows:
        cells = [counted[name].get(part) for name in columns]
        print(f"{part:<44}" + "".join(f"{c if c is not None else '-':>10}" for c in cells))
    totals = {name: sum(parts.values()) for name, parts in counted.items()}
    print(f"{'total':<44}{totals['lean off']:>10}{totals['lean-request']:>10}")
    print_summary(
        {
            "bench": "prompt_size_small",
            "first_request_fixed_tokens": totals["lean off"],
            "first_request_fixed_lean_tokens": totals["lean-request"],
        }
    )


def first_request(*, lean: bool) -> list[tuple[str, str]]:
    """(part, text) of the system prompt and the tools a small model's session sends first,
    with its default rules, `lean-request` on when `lean` (else off)."""
    from adaptations.resolve import active, adapted
    from configs.model_profile import profile_of
    from configs.prompt import render_system_prompt
    from configs.settings import Settings
    from graph.experiments import with_ledger
    from graph.research_agent import with_research
    from tools.families import build_catalog, offered_tools, with_more_tools
    from tools.skills import scan_skills

    settings = Settings(adaptations={SMALL_MODEL: {"lean-request": lean}})
    shape = active(adapted(profile_of(SMALL_MODEL, settings, env={}), settings)).shape
    with tempfile.TemporaryDirectory(prefix="prompt-size-") as home:
        catalog = with_research(build_catalog(settings), settings, Path(home))
        catalog = with_more_tools(with_ledger(catalog, Path(home)))
    prompt = render_system_prompt(
        mode="headless",
        model=SMALL_MODEL,
        tools=catalog.names,
        skills=scan_skills(None, env={"HOME": "/nonexistent"}).skills,
        hf_user="alice",
        small=shape.compact_prompt,
        lean=shape.lean_request,
    )
    tools = offered_tools(
        catalog,
        small=shape.core_toolset,
        lean=shape.lean_request,
        history=[],
        python=shape.python_tool,
    )
    return [*prompt_parts(prompt), *(tool_part(tool) for tool in tools)]


def prompt_parts(prompt: str) -> list[tuple[str, str]]:
    """The system prompt's sections, named by their headings (the first: its opening)."""
    sections = prompt.split("\n\n# ")
    named = [("system: opening and how to work", sections[0])]
    for section in sections[1:]:
        heading = section.split("\n", 1)[0]
        named.append((f"system: # {heading}", "\n\n# " + section))
    return named


def tool_part(tool: Any) -> tuple[str, str]:
    """A bound tool's schema, as the JSON line a chat template writes for it."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    schema = tool if isinstance(tool, dict) else convert_to_openai_tool(tool)
    name = schema["function"]["name"]
    return f"tool: {name}", "\n" + json.dumps(schema, ensure_ascii=False)


if __name__ == "__main__":
    main()
