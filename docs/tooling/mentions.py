"""Check what the docs name against the code: `ml-intern` commands and options (in code spans
and code blocks) and dotted config keys (in code spans), each problem as `file:line: what`.

    uv run python -m docs.tooling.mentions   # the same check the tests run
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from docs.tooling import cli_page, config_page

ROOT = Path(__file__).resolve().parents[2]
SPAN = re.compile(r"(`+)(.+?)\1")
COMMAND = re.compile(r"(?<![\w./~-])ml-intern(?=\s)((?:[ \t]+[^\s`|;&#]+)*)")
DOTTED = re.compile(r"[A-Za-z_]+(?:\.(?:[A-Za-z_]+|<\w+>))+")
FILE_ENDINGS = (".md", ".py", ".json", ".jsonl", ".txt", ".yml", ".yaml", ".toml", ".sqlite",
                ".html", ".js", ".css", ".sh", ".png", ".csv", ".ini", ".log")  # fmt: skip


def docs_files() -> list[Path]:
    """Every hand-written or generated page a reader sees (the lab journal is history)."""
    pages = [p for p in sorted((ROOT / "docs").rglob("*.md")) if "lab" not in p.parts]
    return [ROOT / "README.md", ROOT / "bench" / "README.md", *pages]


def code_lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """(line number, code text, whether it is a whole code-block line) for each piece of code."""
    fence = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if marker and (not fence or marker.group(1).startswith(fence)):
            fence = "" if fence else marker.group(1)
            continue
        if fence:
            yield number, line, True
        else:
            for match in SPAN.finditer(line):
                yield number, match.group(2), False


@cache
def _commands() -> dict[str, dict[str, bool]]:
    return {line: cli_page.options_of(line) for line in cli_page.commands()}


def command_problems(code: str) -> Iterator[str]:
    known = _commands()
    for match in COMMAND.finditer(code):
        path, leaf, value_next = "ml-intern", False, False
        for token in (t.rstrip(").,:") for t in match.group(1).split()):
            if value_next:
                value_next = False
            elif token.startswith("--") or (token.startswith("-") and len(token) == 2):
                option = token.split("=")[0]
                if option not in known[path]:
                    yield f"`{path}` has no option {option} (see `{path} --help`)"
                value_next = known[path].get(option, False) and "=" not in token
            elif not leaf and f"{path} {token}" in known:
                path = f"{path} {token}"
            elif not leaf and re.fullmatch(r"[a-z][a-z-]+", token) and _has_subcommands(path):
                yield f"`{path} {token}`: no such command (commands: {_children(path)})"
                break
            else:
                leaf = True


def _has_subcommands(path: str) -> bool:
    """Whether a bare word after `path` must be a command (a prompt would be quoted)."""
    return bool(_children(path))


def _children(path: str) -> str:
    return ", ".join(n.rsplit(" ", 1)[1] for n in _commands() if n.rpartition(" ")[0] == path)


@cache
def _keys() -> frozenset[str]:
    return frozenset(config_page.key_paths())


@cache
def _key_types() -> dict[str, str]:
    return {key.path: key.type for key in config_page.all_keys()}


def key_problems(code: str) -> Iterator[str]:
    keys = _keys()
    tops = {k.split(".")[0] for k in keys}
    for match in DOTTED.finditer(code):
        name = match.group(0)
        if name.split(".")[0] not in tops or name.endswith(FILE_ENDINGS) or code != name:
            continue
        if not _is_key(name, keys):
            yield f"`{name}` is not a config key (see docs/reference/config.md)"


def _is_key(name: str | list[str], keys: frozenset[str]) -> bool:
    """`name` is a key, or an entry of a map the user names freely (`text_tool_calls.<id>`);
    a segment after a map of sections is a chosen name (`mcpServers.docs.url`)."""
    parts = name.split(".") if isinstance(name, str) else name
    for n in range(len(parts), 0, -1):
        key = _as_key(parts[:n])
        if key in keys or (key.endswith("<name>") and f"{key}." in _prefixes()):
            return n == len(parts) or (key in keys and _is_free_map(key))
    return False


@cache
def _prefixes() -> frozenset[str]:
    return frozenset(k[: i + 1] for k in _keys() for i, c in enumerate(k) if c == ".")


def _as_key(parts: list[str]) -> str:
    out: list[str] = []
    for part in parts:
        chosen = out and f"{'.'.join(out)}.<name>." in _prefixes()
        out.append("<name>" if chosen or re.fullmatch(r"<\w+>", part) else part)
    return ".".join(out)


def _is_free_map(key: str) -> bool:
    return _key_types()[key].startswith("dict[") and not any(
        k.startswith(f"{key}.<name>.") for k in _keys()
    )


def config_blocks(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(first line, object) of each ```json block that is a config (a known top-level key)."""
    tops = {k.split(".")[0] for k in _keys()}
    for match in re.finditer(r"^```json\n(.*?)^```", text, flags=re.M | re.S):
        try:
            data = json.loads(match.group(1))
        except ValueError:
            continue
        if isinstance(data, dict) and tops & data.keys():
            yield text.count("\n", 0, match.start()) + 2, data


def block_key_problems(data: dict[str, Any], parents: tuple[str, ...] = ()) -> Iterator[str]:
    for key, value in data.items():
        parts = [*parents, key]
        if not _is_key(parts, _keys()):
            yield f"`{'.'.join(parts)}` is not a config key (see docs/reference/config.md)"
        elif isinstance(value, dict) and not _is_free_map_entry(parts):
            yield from block_key_problems(value, tuple(parts))


def _is_free_map_entry(parts: list[str]) -> bool:
    key = _as_key(parts)
    return key in _keys() and _is_free_map(key)


LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def broken_links(path: Path) -> list[str]:
    """`file:line` of each relative link in `path` whose target does not exist (the READMEs:
    mkdocs checks the pages under docs/)."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for target in LINK.findall(line):
            if "://" not in target and not (path.parent / target).exists():
                found.append(f"{path.relative_to(ROOT)}:{number}: no such file: {target}")
    return found


def problems(paths: Iterable[Path]) -> list[str]:
    found = []
    for path in paths:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        text = path.read_text(encoding="utf-8")
        here = [
            (number, problem)
            for number, code, _block in code_lines(text)
            for problem in (*command_problems(code), *key_problems(code))
        ]
        here += [
            (n, problem) for n, data in config_blocks(text) for problem in block_key_problems(data)
        ]
        found += [f"{shown}:{number}: {problem}" for number, problem in sorted(here)]
    return found


if __name__ == "__main__":
    listed = problems(docs_files())
    print("\n".join(listed) or "every command, option and config key named in the docs exists")
    sys.exit(1 if listed else 0)
