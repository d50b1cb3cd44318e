"""The configuration reference: every key of `configs.settings.Settings`, walked recursively."""

from __future__ import annotations

import ast
import inspect
import json
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from configs import settings as settings_module
from configs.settings import Settings
from docs.tooling.markdown import banner, wrap


@dataclass(frozen=True)
class Key:
    path: str  # dotted, `<name>` for a key the user chooses (a server's name)
    type: str
    default: str | None  # JSON, None for a section
    description: str


def all_keys(model: type[BaseModel] = Settings, prefix: str = "") -> Iterator[Key]:
    """Every key under `model`, sections (nested models) before their keys."""
    comments = _comments(model)
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        path = f"{prefix}{name}"
        about = field.description or comments.get(name) or _from_docstring(model, name)
        expected = settings_module._EXPECTED.get(path)
        about = " ".join(filter(None, [about, expected and f"Expects {expected}."]))
        annotation = field.annotation
        nested = _model_in(annotation)
        if nested is not None and typing.get_origin(annotation) is dict:
            about = about or f"Each entry: {inspect.getdoc(nested) or nested.__name__}"
            yield Key(path, _type_name(annotation), _default(field), about)
            yield from all_keys(nested, f"{path}.<name>.")
        elif nested is not None:
            yield Key(path, "section", None, about or inspect.getdoc(nested) or "")
            yield from all_keys(nested, f"{path}.")
        else:
            yield Key(path, _type_name(annotation), _default(field), about)


def key_paths() -> set[str]:
    return {key.path for key in all_keys()}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is dict and len(args) == 2:
        return _model_in(args[1])
    return None


def _type_name(annotation: Any) -> str:
    text = annotation.__name__ if inspect.isclass(annotation) else str(annotation)
    text = re.sub(r"\b(typing|configs\.\w+|pydantic\.\w+)\.", "", text)
    return text.replace("NoneType", "None")


def _default(field: Any) -> str | None:
    if field.default is not PydanticUndefined:
        value = field.default
    elif field.default_factory is not None:
        value = field.default_factory()
    else:
        return None
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return json.dumps(value, default=str)


def _comments(model: type[BaseModel]) -> dict[str, str]:
    """`# comment` lines written just above each field in the class body."""
    lines = inspect.getsource(model).splitlines()
    found: dict[str, str] = {}
    for node in ast.parse(inspect.getsource(model)).body[0].body:  # type: ignore[attr-defined]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            above: list[str] = []
            row = node.lineno - 2
            while row >= 0 and lines[row].strip().startswith("#"):
                above.insert(0, lines[row].strip().lstrip("#").strip())
                row -= 1
            if above:
                found[node.target.id] = " ".join(above)
    return found


def _from_docstring(model: type[BaseModel], name: str) -> str:
    """The sentences of the class docstring that name `name` in backticks (`name`, `name: x`)."""
    doc = " ".join((inspect.getdoc(model) or "").split())
    sentences = re.split(r"(?<=\.)\s+", doc)
    naming = [s for s in sentences if re.search(rf"`{re.escape(name)}(`|:)", s)]
    return " ".join([s for s in naming if s.startswith(f"`{name}")] or naming)


def render() -> str:
    out = [
        banner("configs/settings.py (the Settings model)"),
        "# Configuration keys\n",
        wrap(
            "Every key `cli_agent_config.json` may hold, with its type and default. The packaged "
            "defaults are deep-merged with `~/.config/ml-intern/cli_agent_config.json` (or "
            "`$ML_INTERN_CLI_CONFIG`, or `--config PATH`), then the command-line flags. "
            "`${VAR}` and `${VAR:-default}` are expanded in every string. A config file in the "
            "workspace only tightens until `ml-intern config trust PATH`. See "
            "[Configuration](../configuration.md) for how the layers work."
        )
        + "\n",
    ]
    for key in all_keys():
        level = "##" if "." not in key.path else "###"
        out.append(f"{level} `{key.path}`\n")
        facts = f"Type `{key.type}`" + (f", default `{key.default}`" if key.default else "")
        out.append(wrap(facts + ".") + "\n")
        if key.description:
            out.append(wrap(key.description) + "\n")
    return "\n".join(out)
