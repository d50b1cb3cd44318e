"""The model adaptations: every rule of adaptations/registry.py, with its hook and why."""

from __future__ import annotations

from adaptations.registry import RULES
from docs.tooling.markdown import banner, wrap


def render() -> str:
    out = [
        banner("adaptations/registry.py"),
        "# Model adaptations\n",
        wrap(
            "What the harness does differently for some models, each rule one object declared "
            "once in `adaptations/registry.py`, its class carrying its hooks "
            "(`adaptations/rule.py`, named as LangChain's agent middleware names them). Each "
            "node runs one loop over the rules active for its thread, resolved once per model "
            "and role, at its hook. By where they work: `prompt` (`shape`: what the request "
            "holds), `model` (`before_model`, `wrap_model_call`, `after_model`: how the reply "
            "is asked for and kept), `reply` (`check_reply`: checked before a reply ends the "
            "turn), `call` (`wrap_tool_call`, `policy`: held or answered before it runs) or "
            "`result` (the tool hooks of `tools/tool_rules.py`: a note on a tool result). "
            "`ml-intern models show ID` lists the rules a model gets; this in the config "
            "switches one off for that model (`true` switches on a rule that is off by "
            "default; a rule switched on for a model it cannot serve stays off, said):"
        )
        + '\n\n```json\n{"adaptations": {"<model id>": {"<rule>": false}}}\n```\n',
        wrap(
            "A rule is off by default when it fired on ordinary requests of "
            "`tests/adaptations/trigger_corpus.py` or no measurement shows it helps; each says "
            "why below."
        )
        + "\n",
    ]
    for hook in ("prompt", "model", "reply", "call", "result"):
        out.append(f"## {hook}\n")
        for rule in (r for r in RULES if r.hook == hook):
            texts = f" Adds: {', '.join(f'`{t}`' for t in rule.texts)}." if rule.texts else ""
            off = f" **Off by default**: {rule.off}." if rule.off else ""
            roles = " Also for the research sub-agent." if "research" in rule.roles else ""
            line = f"**`{rule.name}`** ({rule.profiles_name}): {rule.why}.{roles}{texts}{off}"
            out.append(wrap(line, indent="  ", first="- "))
        out.append("")
    return "\n".join(out)
