"""What the model reads in a tool's result, in one place: the templates tools/ writes into
tool results, keyed by their kind (`ToolTextKind`, in kinds.py), one module per tool family
(files, shell, kernel, ...), each with its kinds' `TEXTS`. A tool writes one with
`tool_text(kind, TEMPLATE, **fields)`, the template imported from its family's module;
tests/tools/test_result_texts.py checks, from the code, that every kind used is declared and
every declared kind and template is used, under its own kind and with the template's fields.
The snapshots in tests/snapshots/ pin the texts byte for byte, and docs/reference/texts.md
lists them (through models/texts.py, which sits above).

Every template is a `str.format` template (a literal brace is doubled), so a tool's wording
lives here and its arithmetic stays in the tool. Kinds named like an adaptation
(adaptations/registry.py) are the notes that rule adds; the others are the tool's own texts.
"""

from __future__ import annotations

from types import ModuleType

from tools.result_texts import (
    approval,
    arguments,
    external,
    files,
    github,
    hub,
    hub_datasets,
    hub_details,
    hub_files,
    hub_jobs,
    hub_papers,
    hub_repos,
    hub_sandbox,
    hub_scholar,
    kernel,
    sandbox,
    search,
    shell,
    trackio,
    web,
)
from tools.result_texts.kinds import ToolTextKind

# The modules of templates, in the order the reference page lists them.
FAMILIES: tuple[ModuleType, ...] = (
    files,
    shell,
    kernel,
    search,
    sandbox,
    web,
    github,
    external,
    hub,
    hub_jobs,
    hub_repos,
    hub_details,
    hub_files,
    hub_datasets,
    hub_papers,
    hub_scholar,
    hub_sandbox,
    trackio,
    arguments,
    approval,
)

# Each kind's templates: what the model reads in a tool result of that kind.
TOOL_TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    kind: templates for family in FAMILIES for kind, templates in family.TEXTS.items()
}


def tool_text(kind: ToolTextKind, template: str, /, **fields: object) -> str:
    """`template`, one of `kind`'s, filled with `fields` (`str.format`).

    >>> from tools.result_texts.shell import EXIT_CODE
    >>> tool_text("bash", EXIT_CODE, code=0)
    '[exit code: 0]'
    """
    if not any(t is template for t in TOOL_TEXTS[kind]):
        raise ValueError(f"not a template of the {kind!r} tool texts: {template[:60]!r}")
    return template.format(**fields)
