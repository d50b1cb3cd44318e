"""`ml-intern models show ID [--json]`: what the harness knows about a model, and the rules
it applies to it.

ml-intern models show llamacpp/local          the resolved profile and the active rules
ml-intern models show llamacpp/local --json   the same, as JSON
ml-intern models show llamacpp/local --clear-failed
                                              forget the rule failures recorded for it
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from adaptations.rule import Rule
    from configs.model_profile import ModelProfile

Switches = Mapping[str, Mapping[str, bool]]

app = typer.Typer(
    add_completion=False, help="The resolved profile of a model and the rules it gets."
)


@app.callback()
def models() -> None:
    """The resolved profile of a model and the rules it gets."""


@app.command()
def show(
    model_id: Annotated[str, typer.Argument(help="A model id, e.g. llamacpp/local.")],
    as_json: Annotated[bool, typer.Option("--json", help="The profile and rules as JSON.")] = False,
    config: Annotated[
        Path | None, typer.Option("--config", help="A config file merged over the user's.")
    ] = None,
    clear_failed: Annotated[
        bool,
        typer.Option("--clear-failed", help="Forget the rule failures recorded for this model."),
    ] = False,
) -> None:
    """The model's resolved profile (route, window, price, small window, text tool calls)
    and the adaptations active for it, each with its hook and why; a rule whose hook raised
    with it is marked (when, why) until `--clear-failed` forgets it."""
    from adaptations.resolve import adapted
    from cli.launch import PROJECT_DIR
    from configs.effective import effective_settings
    from configs.model_profile import profile_of
    from configs.settings import ConfigError

    try:  # the run's own configuration, .env files and trust included
        settings = effective_settings(config, project_dir=PROJECT_DIR)
        profile = adapted(profile_of(model_id, settings), settings)
    except ConfigError as problem:
        typer.echo(f"ml-intern: {problem}", err=True)
        raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
    if clear_failed:
        from configs.rule_failures import clear_failures

        typer.echo(forgot_message(clear_failures(model_id), model_id), err=True)
    shown = described(profile, settings.adaptations)
    for problem in shown["problems"]:
        typer.echo(f"ml-intern: warning: {problem}", err=True)
    if as_json:
        typer.echo(json.dumps(shown, indent=2))
        return
    typer.echo(as_text(shown))


def forgot_message(forgot: int, model_id: str) -> str:
    """What `--clear-failed` says it did."""
    return f"ml-intern: forgot {forgot} recorded rule failure{'' if forgot == 1 else 's'} of {model_id}"


def described(
    profile: ModelProfile, switches: Mapping[str, Mapping[str, bool]] | None = None
) -> dict[str, Any]:
    """The profile's facts and its rules, as plain data: those active (for the main agent;
    `roles` says which also serve the research sub-agent), those off and why, and those the
    run goes without (`skipped`): an unknown name in the config, a rule switched on that
    cannot serve this model, a rule whose hook raised with it, here or in a process before
    (configs/rule_failures.py)."""
    from adaptations.resolve import active_rules, inactive_rules, switch_problems

    switches = switches or {}
    skipped = skipped_rules(profile, switches)
    return {
        "model": profile.model_id,
        "route": profile.route.kind,
        "provider": profile.provider,
        "endpoint": profile.endpoint,
        "context_window": profile.context_window,
        "window_source": profile.window_source,
        "price": profile.price.model_dump() if profile.price is not None else None,
        "priced": profile.priced,
        "small_window": profile.small_window,
        "text_tool_calls": profile.text_tool_calls,
        "temperature": profile.temperature,
        "rules": [
            {
                "name": rule.name,
                "hook": rule.hook,
                "roles": sorted(rule.roles),
                "profiles": rule.profiles_name,
                "why": rule.why,
                "adds_tokens": added_tokens(rule.texts),
                # Its measured reason to be on by default (adaptations/rule.py `Kept`).
                "on_because": rule.on_because or on_without_reason(rule, switches, profile),
            }
            for rule in active_rules(profile)
        ],
        # Rules that serve this model but are not active: off by default (and why), or
        # switched off in config. `"adaptations": {ID: {RULE: true}}` turns one on.
        "off": [
            {
                "name": rule.name,
                "hook": rule.hook,
                "why": rule.why,
                "off_because": rule.off or "switched off in config",
            }
            for rule in inactive_rules(profile)
        ],
        "skipped": skipped,
        "problems": switch_problems(profile, switches),
    }


def on_without_reason(rule: Rule, switches: Switches, profile: ModelProfile) -> str:
    """Why a rule without a `kept` reason is on: the config, or its installed package."""
    if (switches.get(profile.model_id) or {}).get(rule.name):
        return "switched on in config"
    return "its installed package's default (not measured here)"


def skipped_rules(
    profile: ModelProfile, switches: Mapping[str, Mapping[str, bool]]
) -> list[dict[str, str]]:
    """The rules the run goes without, each with why: an unknown name, a rule switched on that
    cannot serve this model, a rule whose hook raised with it (recorded, or here: its
    `shape` hooks run here), marked with when and why."""
    from adaptations.resolve import active, unknown_names, unserved_rules
    from configs.rule_failures import failures_of
    from tools.adaptation_guard import FAILED_RULES

    active(profile)  # its `shape` hooks run: one that raises is marked below
    failed = {f.rule: f for f in failures_of(profile.model_id)}
    failed |= {f.rule: f for f in FAILED_RULES.values() if f.model in ("", profile.model_id)}
    skipped = [{"name": name, "because": "unknown rule"} for name in unknown_names(switches)]
    skipped += [
        {"name": rule.name, "because": f"cannot serve this model ({rule.serves.__doc__})"}
        for rule in unserved_rules(profile, switches)
    ]
    skipped += [{"name": name, "because": failed[name].mark} for name in sorted(failed)]
    return skipped


def added_tokens(texts: tuple[str, ...]) -> int:
    """Rough tokens (four characters a token) of the templates a rule adds, each named
    "module:NAME" in the registry (placeholders counted as written)."""
    return (sum(len(template_of(ref)) for ref in texts) + 3) // 4


def template_of(ref: str) -> str:
    """The text named by "module:NAME"."""
    module, _, name = ref.partition(":")
    text = getattr(importlib.import_module(module), name)
    if not isinstance(text, str):
        raise TypeError(f"{ref} is not a text")
    return text


def as_text(shown: dict[str, Any]) -> str:
    window = shown["context_window"]
    price = shown["price"]
    lines = [
        f"model            {shown['model']}",
        f"route            {shown['route']} ({shown['provider']})"
        + (f" at {shown['endpoint']}" if shown["endpoint"] else ""),
        f"context window   {window if window is not None else 'unknown'} ({shown['window_source']})",
        "price            "
        + (
            f"${price['input_per_mtok']} in / ${price['output_per_mtok']} out per M tokens"
            if price
            else ("litellm's list" if shown["priced"] else "unpriced")
        ),
        f"small window     {'yes' if shown['small_window'] else 'no'}",
        f"text tool calls  {'yes' if shown['text_tool_calls'] else 'no'}",
        "temperature      "
        + ("the provider's" if shown["temperature"] is None else f"{shown['temperature']:g}"),
        f"rules            {len(shown['rules'])} active (hook, tokens of text it adds, why on, why)"
        + ("" if shown["rules"] else " (it works as a large model does)"),
    ]
    width = max((len(r["name"]) for r in shown["rules"]), default=0)
    lines += [
        f"  {r['name']:<{width}}  {r['hook']:<6}  {r['adds_tokens']:>3} tok  "
        f"[{r['on_because'].partition(':')[0]}]  {r['why']}"
        for r in shown["rules"]
    ]
    # What a provisional reason rests on, said once (the JSON gives it with each rule).
    lines += sorted(
        {
            f"  [{label}]: {rest.strip()}"
            for label, sep, rest in (r["on_because"].partition(":") for r in shown["rules"])
            if sep
        }
    )
    if shown["off"]:
        lines.append(f"rules off        {len(shown['off'])} (hook, why off; config turns one on)")
        width = max(len(r["name"]) for r in shown["off"])
        lines += [
            f"  {r['name']:<{width}}  {r['hook']:<6}  {r['off_because']}" for r in shown["off"]
        ]
    return "\n".join(lines + skipped_lines(shown["skipped"]))


def skipped_lines(skipped: list[dict[str, str]]) -> list[str]:
    """The rules the run goes on without, each marked with why ([] when none)."""
    if not skipped:
        return []
    width = max(len(r["name"]) for r in skipped)
    lines = [f"rules skipped    {len(skipped)} (the run goes on without them)"]
    lines += [f"  {r['name']:<{width}}  ! {r['because']}" for r in skipped]
    if any(r["because"].startswith("failed at ") for r in skipped):
        lines.append("  (a failed rule fixed since? `--clear-failed` forgets its failures)")
    return lines
