"""The local family: the shell, files and the plan, in the order the model sees them."""

from __future__ import annotations

from tools.catalog import ToolSpec
from tools.local.bash import bash_spec
from tools.local.edit import edit_spec
from tools.local.file_edits import ReadRegistry
from tools.local.glob import glob_spec
from tools.local.grep import grep_spec
from tools.local.plan import plan_spec
from tools.local.read import read_spec
from tools.local.sandbox import Sandbox
from tools.local.skill import skill_spec
from tools.local.write import write_spec


def local_specs(sandbox: Sandbox | None = None) -> list[ToolSpec]:
    """bash (inside `sandbox` when given), files, plan and skill; the file tools share one
    read registry."""
    seen = ReadRegistry()  # per thread: which files were read, so writes never clobber unseen
    walls = sandbox.walls if sandbox is not None else None  # the file tools' side of it
    return [
        bash_spec(sandbox),
        read_spec(seen, walls),
        write_spec(seen, walls),
        edit_spec(seen, walls),
        glob_spec(walls),
        grep_spec(walls),
        plan_spec(),
        skill_spec(),
    ]
