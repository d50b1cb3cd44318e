"""Read the skills as code: fenced blocks, the calls in them, and the tool calls in the prose.

Every Python block must parse; a complete block must define every name it uses, and one that
deliberately leans on names from earlier text starts with a `# partial` comment. Every keyword
given to a library call is checked against the installed signature, and every tool argument a
skill writes as `tool(key=value)`, `key=value` beside the tool's name or "`tool` operation `x`"
is checked against our tools' schemas. Problems carry the SKILL.md path and line.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LANGUAGES = {"python", "bash", "yaml", "json", "jinja", "text", "toml"}
PARTIAL = "# partial"
# Taught by the skills but not installed by the `skills` group (GPU-only or CLI-only tools);
# their calls are not checked. Anything else that fails to import is a problem.
NOT_CHECKED = {
    "vllm", "openai", "lm_eval", "lighteval", "datasketch", "llama_cpp", "gguf", "gradio", "spaces"
}  # fmt: skip
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # line of the first code line in the file
    language: str
    code: str

    @property
    def partial(self) -> bool:
        return self.code.lstrip().startswith(PARTIAL)


def code_blocks(path: Path) -> list[Block]:
    """Fenced blocks of a markdown file, with the file line where each block's code starts."""
    blocks, lines = [], path.read_text(encoding="utf-8").splitlines()
    start, language, body = 0, "", []
    inside = False
    for number, line in enumerate(lines, 1):
        fence = FENCE.match(line)
        if fence and not inside:
            inside, start, language, body = True, number + 1, fence.group(2), []
        elif fence and inside:
            inside = False
            blocks.append(Block(path, start, language, "\n".join(body)))
        elif inside:
            body.append(line)
    return blocks


def check_block(block: Block) -> list[Problem]:
    """Language tag, parse, undefined names and library keywords of one block."""
    if block.language not in LANGUAGES:
        shown = block.language or "(none)"
        return [
            Problem(
                block.path,
                block.line - 1,
                f"code block in language {shown!r}: tag it one of {sorted(LANGUAGES)}",
            )
        ]
    if block.language != "python":
        return []
    try:
        tree = ast.parse(textwrap.dedent(block.code))
    except SyntaxError as exc:
        line = block.line + (exc.lineno or 1) - 1
        return [Problem(block.path, line, f"Python block does not parse ({exc.msg}); fix it")]
    problems = [] if block.partial else undefined_names(block, tree)
    names, import_problems = imported_objects(block, tree)
    return problems + import_problems + keyword_problems(block, tree, names)


def undefined_names(block: Block, tree: ast.Module) -> list[Problem]:
    """Names a complete block reads but never defines."""
    defined = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            defined.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, ast.alias):
            defined.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
    missing: dict[str, int] = {}
    for node in ast.walk(tree):
        loaded = isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
        if loaded and node.id not in defined:
            missing.setdefault(node.id, node.lineno)
    return [
        Problem(
            block.path,
            block.line + line - 1,
            f"uses {name!r} without defining it: define it, or start the block with "
            f"'{PARTIAL}: <what it continues>'",
        )
        for name, line in sorted(missing.items(), key=lambda item: item[1])
    ]


def imported_objects(block: Block, tree: ast.Module) -> tuple[dict[str, Any], list[Problem]]:
    """Local name -> imported module or object; imports that fail are problems."""
    names: dict[str, Any] = {}
    problems: list[Problem] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        module = node.module if isinstance(node, ast.ImportFrom) else None
        for alias in node.names:
            target = module or alias.name
            if target.split(".")[0] in NOT_CHECKED:
                continue
            try:
                loaded = importlib.import_module(target)
                local = alias.asname or alias.name.split(".")[0]
                if module is None:
                    loaded = importlib.import_module(alias.name.split(".")[0])
                names[local] = getattr(loaded, alias.name) if module else loaded
            except (ImportError, AttributeError) as exc:
                line = block.line + node.lineno - 1
                problems.append(
                    Problem(
                        block.path,
                        line,
                        f"cannot import {alias.name!r} from {target!r} ({exc}): add the package to "
                        "the 'skills' dependency group, or to NOT_CHECKED with a reason",
                    )
                )
    return names, problems


def instances(tree: ast.Module, names: Mapping[str, Any]) -> dict[str, type]:
    """`x = Class(...)` assignments, so `x.method(...)` calls can be checked too."""
    found: dict[str, type] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            made = resolve(node.value.func, names, found)
            if inspect.isclass(made):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = made
    return found


def resolve(func: ast.expr, names: Mapping[str, Any], made: Mapping[str, type]) -> Any:
    """The object a call's function expression names, or None when it cannot be known."""
    if isinstance(func, ast.Name):
        return (made.get(func.id) and _Instance(made[func.id])) or names.get(func.id)
    if isinstance(func, ast.Call):
        owner = resolve(func.func, names, made)
        return _Instance(owner) if inspect.isclass(owner) else None
    if isinstance(func, ast.Attribute):
        owner = resolve(func.value, names, made)
        if isinstance(owner, _Instance):
            return getattr(owner.cls, func.attr, None)
        return getattr(owner, func.attr, None) if owner is not None else None
    return None


@dataclass(frozen=True)
class _Instance:
    cls: type


def keyword_problems(block: Block, tree: ast.Module, names: Mapping[str, Any]) -> list[Problem]:
    """Keywords that the installed callable does not accept."""
    made = instances(tree, names)
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = resolve(node.func, names, made)
        if target is None or isinstance(target, _Instance) or not callable(target):
            continue
        accepted = accepted_keywords(target)
        if accepted is None:
            continue
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg not in accepted:
                problems.append(
                    Problem(
                        block.path,
                        block.line + keyword.value.lineno - 1,
                        f"{qualified(target)}() has no keyword {keyword.arg!r} in "
                        f"{distribution(target)}",
                    )
                )
    return problems


def accepted_keywords(target: Callable[..., Any]) -> set[str] | None:
    """Parameter names, or None when the callable takes **kwargs or hides its signature."""
    try:
        parameters = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters}


def qualified(target: Any) -> str:
    return getattr(target, "__qualname__", None) or repr(target)


def distribution(target: Any) -> str:
    """'trl 1.16.0': the package and version the keyword was checked against."""
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    root = (getattr(target, "__module__", "") or "").split(".")[0]
    name = (packages_distributions().get(root) or [root])[0]
    try:
        return f"{name} {version(name)}"
    except PackageNotFoundError:
        return name


def skill_files(root: Path) -> Iterator[Path]:
    yield from sorted(root.glob("*/SKILL.md"))


def skills_problems(root: str) -> dict[str, list[tuple[str, int, str]]]:
    """Each skill file's block problems (`check_block`), as JSON: what `measure` returns
    (tests/skills/call.py), so no test worker imports the libraries the blocks use."""
    return {
        str(path): [
            (str(p.path), p.line, p.message) for b in code_blocks(path) for p in check_block(b)
        ]
        for path in skill_files(Path(root))
    }


def problems_with_a_field_renamed(
    path: str, owner: str, field: str, renamed: str
) -> list[tuple[str, int, str]]:
    """`path`'s block problems with the dataclass `owner` ("module.Class") rebuilt with `field`
    called `renamed` (a library renaming an argument), in a process of its own (`measure`)."""
    import dataclasses

    module_name, _, class_name = owner.rpartition(".")
    module = importlib.import_module(module_name)
    fields = [
        (renamed if f.name == field else f.name, f.type, f)
        for f in dataclasses.fields(getattr(module, class_name))
    ]
    rebuilt = dataclasses.make_dataclass(
        class_name, [(name, kind, dataclasses.field(default=None)) for name, kind, _ in fields]
    )
    setattr(module, class_name, rebuilt)
    return [
        (str(p.path), p.line, p.message) for b in code_blocks(Path(path)) for p in check_block(b)
    ]
