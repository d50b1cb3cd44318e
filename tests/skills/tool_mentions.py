"""Check what the skills' prose tells the model to pass to our tools and templates.

A skill names a tool argument in three ways, all checked against the tool's pydantic schema
(names and values, with the schema's own validators): `hf_jobs(flavor="a10g-large")`, a
`key=value` in the same paragraph as `hf_jobs`, and "`hf_jobs` operation `uv`". Flags named
beside `script_args` or a template's file name must exist in that template's argparse.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from tests.skills.snippets import FENCE, Problem

CALL = re.compile(r"`(?P<tool>[a-z_]+)\((?P<args>[^`]*)\)`")
PAIR = re.compile(r"`(?P<key>[a-z_]+)=(?P<value>[^`]+)`")
OPERATION = re.compile(r"operation[`\s=\"']*(?P<op>[a-z_]+)")
FLAGS = re.compile(r"`(?P<words>--[a-z][^`]*)`")


def tool_schemas() -> dict[str, type[BaseModel]]:
    """Our tools' argument models, by the name the model sees."""
    from configs.settings import Settings
    from tools.families import build_catalog

    catalog = build_catalog(Settings())
    return {name: catalog.get(name).tool.args_schema for name in catalog.names}  # type: ignore[misc]


def paragraphs(path: Path) -> Iterator[tuple[int, str]]:
    """(first line, text) of each prose paragraph or list item, outside code fences."""
    unit: list[str] = []
    first, inside = 0, False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            inside = not inside
            line = ""
        starts = not line.strip() or re.match(r"\s*(- |\d+\. |#|\|)", line)
        if (starts or inside) and unit:
            yield first, "\n".join(unit)
            unit = []
        if line.strip() and not inside:
            first = number if not unit else first
            unit.append(line)
    if unit:
        yield first, "\n".join(unit)


def line_of(first: int, text: str, position: int) -> int:
    return first + text.count("\n", 0, position)


def literal(value: str) -> Any:
    """A value as written in prose: Python or JSON literal, else the bare word."""
    text = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", value.strip()))
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return value.strip().strip("'\"")


def value_problem(schema: type[BaseModel], key: str, value: Any) -> str | None:
    """Why `key=value` is not a valid argument of `schema`, or None."""
    if key not in schema.model_fields:
        return f"has no argument {key!r} (it takes {', '.join(schema.model_fields)})"
    try:
        schema.__pydantic_validator__.validate_assignment(schema.model_construct(), key, value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        return f"rejects {key}={value!r}: {reason}"
    return None


def tool_problems(path: Path, schemas: Mapping[str, type[BaseModel]]) -> list[Problem]:
    problems = []
    for first, text in paragraphs(path):
        mentions = [
            (m.start(), name) for name in schemas for m in re.finditer(rf"`{name}[`( ]", text)
        ]
        mentions.sort()
        for match in CALL.finditer(text):
            if match.group("tool") in schemas:
                problems += call_problems(path, line_of(first, text, match.start()), match, schemas)
        for match in PAIR.finditer(text):
            tool = nearest(mentions, match.start(), schemas, match.group("key"))
            if tool is not None:
                why = value_problem(
                    schemas[tool], match.group("key"), literal(match.group("value"))
                )
                if why:
                    problems.append(
                        Problem(path, line_of(first, text, match.start()), f"{tool} {why}")
                    )
        for match in OPERATION.finditer(text):
            tool = nearest(mentions, match.start(), schemas, "operation")
            if tool is not None:
                why = value_problem(schemas[tool], "operation", match.group("op"))
                if why:
                    problems.append(
                        Problem(path, line_of(first, text, match.start()), f"{tool} {why}")
                    )
    return problems


def nearest(
    mentions: list[tuple[int, str]], position: int, schemas: Mapping[str, Any], key: str
) -> str | None:
    """The last tool named before `position` in the paragraph that has argument `key`."""
    before = [name for start, name in mentions if start < position]
    for name in reversed(before):
        if key in schemas[name].model_fields:
            return name
    return None


def call_problems(
    path: Path, line: int, match: re.Match[str], schemas: Mapping[str, type[BaseModel]]
) -> list[Problem]:
    tool = match.group("tool")
    try:
        call = ast.parse(f"f({match.group('args')})", mode="eval").body
    except SyntaxError:
        return [Problem(path, line, f"`{tool}(...)` is not a call with key=value arguments")]
    assert isinstance(call, ast.Call)
    problems = []
    for keyword in call.keywords:
        try:
            value = ast.literal_eval(keyword.value)
        except ValueError:
            value = None
        why = value_problem(schemas[tool], keyword.arg or "**", value)
        if why and not (value is None and "has no argument" not in why):
            problems.append(Problem(path, line, f"{tool} {why}"))
    return problems


def template_flags(folder: Path) -> set[str]:
    """Every `--flag` the folder's scripts declare with argparse's add_argument."""
    flags: set[str] = set()
    for script in folder.glob("*.py"):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_argument"
            ):
                flags |= {
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and str(a.value).startswith("--")
                }
    return flags


def flag_problems(path: Path) -> list[Problem]:
    """Flags written next to `script_args` or a template's name that the template lacks."""
    folder = path.parent
    declared = template_flags(folder)
    scripts = [p.name for p in folder.glob("*.py")]
    if not declared:
        return []
    problems = []
    for first, text in paragraphs(path):
        if "script_args" not in text and not any(name in text for name in scripts):
            continue
        for match in FLAGS.finditer(text):
            for word in match.group("words").split():
                flag = word.split("=")[0].rstrip(",.")
                if flag.startswith("--") and flag not in declared | {"--help"}:
                    line = line_of(first, text, match.start())
                    problems.append(
                        Problem(path, line, f"{flag} is not a flag of {', '.join(scripts)}")
                    )
    return problems
