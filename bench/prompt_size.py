"""What the model sees on every call, in tokens: the system prompt per mode and the tool schemas.

    uv run python bench/prompt_size.py

Counted with litellm's tokenizer for the default model (an estimate for providers whose
tokenizer is not public); skill bodies are not counted: they load only when asked for.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import print_summary


def tokens(model: str, text: str) -> int:
    import litellm

    return int(litellm.token_counter(model=model, text=text))


def main() -> None:
    from configs.prompt import render_system_prompt
    from configs.settings import Settings
    from configs.skills import scan_skills
    from tools.families import build_catalog

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


if __name__ == "__main__":
    main()
