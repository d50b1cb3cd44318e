"""The model adaptations: every rule of adaptations/registry.py, with its hook and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adaptations.registry import NEVER_FIRED, RULES, STEERING_SET
from adaptations.rule import SET_LIFT
from docs.tooling.markdown import banner, wrap

if TYPE_CHECKING:
    from bench.ml_tasks.rule_lift import SetFigures


def render() -> str:
    out = [
        banner("adaptations/registry.py"),
        "# Model adaptations\n",
        wrap(
            "What the harness does differently for some models, each rule one object declared "
            "once in `adaptations/registry.py`, its class carrying its hooks "
            "(`adaptations/rule.py`, named as LangChain's agent middleware names them). Each "
            "node runs one loop over the rules active for its thread, resolved once per model "
            "and role, at its hook. By where they work: `prompt` (`shape`: the prompt "
            "builder's switches, `note_lines`: the lines added to the runtime note), `model` "
            "(`before_model`, `wrap_model_call`, `after_model`: how the reply is asked for and "
            "kept), `reply` (`check_reply`: checked before a reply ends the turn), `call` "
            "(`wrap_tool_call`, `policy`: held or answered before it runs, `loop_guard`: what "
            "the loop guard says) or "
            "`result` (the tool hooks of `tools/tool_rules.py`: a note on a tool result). "
            "`ml-intern models show ID` lists the rules a model gets; this in the config "
            "switches one off for that model (`true` switches on a rule that is off by "
            "default; a rule switched on for a model it cannot serve stays off, said):"
        )
        + '\n\n```json\n{"adaptations": {"<model id>": {"<rule>": false}}}\n```\n',
        wrap(
            "A rule is on by default only with a reason (`kept`): `fit` (with it the request "
            "or a result takes less of a small window, `bench/rule_fit.py`), `capability` "
            "(without it the model's calls are not run), `lift` (the task sets solved more "
            "often with it, `bench/ml_tasks/rule_lift.py`), `set-lift` (the rules kept "
            "this way, switched off together, solved less often: a lift of the set, not of "
            "each rule; see the evidence below) or `pair-lift` (the rule and the one it is "
            "kept with, switched on together, solved more often: a lift of the pair). Every other rule is off by default, each "
            "says why below (it fired on ordinary requests of "
            "`tests/adaptations/trigger_corpus.py`, or no measurement shows it helps), and "
            "stays available."
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
    out.append(evidence())
    return "\n".join(out)


def evidence() -> str:
    """The per-rule table, read from the data: the trigger corpus, the task-set rows
    (bench/ml_tasks/rule_lift.py) and the fit figures (bench/results/rule_fit.jsonl)."""
    from bench import rule_fit
    from bench.ml_tasks import rule_lift

    lifts = rule_lift.every_rule([r.name for r in RULES])
    fires = corpus_fires()
    out = [
        "## Evidence\n",
        wrap(
            "Read from the data when this page is generated. *Corpus*: of the "
            f"{fires['']} ordinary requests of `tests/adaptations/trigger_corpus.py`, those "
            "the rule acts on with every rule on, as the runs count it (`rules_fired`). *Dev* and "
            "*held-out*: runs solved of runs with the rule / without it, on the tasks both ran "
            "(for a rule the request sets acting, a `prompt` rule, only those where it acted; "
            "*never acted*: in none), each task as many runs a side as the side with fewer "
            f"ran, `{rule_lift.MODEL}`, at least {rule_lift.MIN_PASSES} passes a task each side "
            "(`*`: fewer; `bench/ml_tasks/rule_lift.py` says how rows are counted and which "
            "runs are kept)."
        )
        + "\n",
        "| rule | on by default | corpus | dev | held-out |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES:
        found = lifts[rule.name]
        on = f"on: {rule.kept}" if rule.kept else "off"
        corpus = str(fires.get(rule.name, 0))
        out.append(
            f"| `{rule.name}` | {on} | {corpus} | {cell(found.dev)} | {cell(found.held_out)} |"
        )
    kept = [rule.name for rule in RULES if rule.kept == "set-lift"]
    lifted = [rule.name for rule in RULES if rule.kept == "lift" and rule.name in STEERING_SET]
    never = [rule.name for rule in RULES if rule.off == NEVER_FIRED]
    kept_set = rule_lift.set_evidence(STEERING_SET)
    out += [
        "",
        wrap(
            f"*The steering set* ({len(STEERING_SET)} rules), switched off together against "
            f"the defaults: dev {kept_set.dev}; held-out {kept_set.held_out}; "
            f"{kept_set.set_verdict}. {len(kept)} of them stay on as `set-lift`, "
            f"{len(lifted)} on their own measured lift ({', '.join(f'`{n}`' for n in lifted)}); "
            f"{len(never)} never seen firing on dev pass 1 are off (`{NEVER_FIRED}`), and "
            f"{len(STEERING_SET) - len(kept) - len(lifted) - len(never)} switched off with "
            f"those to no loss. What `set-lift` rests on: {SET_LIFT}."
        ),
    ]
    kept_now = rule_lift.set_evidence(kept)
    out += [
        "",
        wrap(
            f"*The `set-lift` rules* ({', '.join(f'`{n}`' for n in kept)}), switched off "
            f"together, everything else equal: dev {kept_now.dev}; held-out "
            f"{kept_now.held_out}; {kept_now.set_verdict}."
        ),
    ]
    for pair in {tuple(sorted((r.name, *r.kept_with))) for r in RULES if r.kept == "pair-lift"}:
        found = rule_lift.set_evidence(pair)
        out += [
            "",
            wrap(
                f"*A `pair-lift`* ({' with '.join(f'`{n}`' for n in pair)}), switched on "
                f"together against the defaults without them: dev {found.dev}; held-out "
                f"{found.held_out}; {found.set_verdict}."
            ),
        ]
    recorded = rule_fit.recorded()
    window = recorded["window"]["tokens"]
    out += [
        "",
        wrap(
            f"*Fit* (`bench/rule_fit.py`, `{rule_fit.MODEL}`, a {window:,}-token window, "
            "tokens counted by the model's own tokenizer, its llama.cpp server's `/tokenize`): "
            "the first request in tokens (`compact-prompt`, `core-toolset`), the room it leaves a "
            "reply (`reply-limit`), one `read` of a 4,002-line file (`read-fit`), the calls "
            "run of one written as text (`text-tool-calls`). A fit qualifies when with the "
            "rule the part takes less of the window than without it."
        )
        + "\n",
        "| rule | with | without | without, of the window | qualifies |",
        "|---|---|---|---|---|",
    ]
    for name in (*rule_fit.FIT_RULES, *rule_fit.CAPABILITY_RULES):
        pair = recorded[name]
        share = f"{pair['without'] / window:.0%}" if name in rule_fit.FIT_RULES else "-"
        fits = rule_fit.qualifies(pair, window) if name in rule_fit.FIT_RULES else None
        verdict = {True: "yes", False: "no", None: "capability"}[fits]
        out.append(f"| `{name}` | {pair['with']:,} | {pair['without']:,} | {share} | {verdict} |")
    return "\n".join(out) + "\n"


def cell(figures: SetFigures) -> str:
    """A set's figures in the table: with / without, `*` under the passes that measure."""
    if figures.idle or (not figures.with_rule.ran and not figures.without.ran):
        return str(figures)
    return f"{figures.with_rule} / {figures.without}" + ("" if figures.measured else "*")


def corpus_fires() -> dict[str, int]:
    """Of the trigger corpus's items, how many each rule acts on (tests/adaptations/
    test_trigger_corpus.py asserts the rules the run counts are exactly its `expected`: the
    item's `fires`, the rules shaping every request, the known misfires of rules off by
    default); "" counts the items."""
    from tests.adaptations.test_trigger_corpus import expected
    from tests.adaptations.trigger_corpus import CORPUS

    counts: dict[str, int] = {"": len(CORPUS)}
    for item in CORPUS:
        for name in expected(item):
            counts[name] = counts.get(name, 0) + 1
    return counts
