"""The kernel family: `python` (a persistent kernel per thread) and `notebook` (.ipynb files)."""

from __future__ import annotations

from tools.catalog import ToolSpec
from tools.kernel.notebook import notebook_spec
from tools.kernel.pool import KernelPool
from tools.kernel.python import python_spec
from tools.local.sandbox import Sandbox


def kernel_specs(
    sandbox: Sandbox | None = None, python: str | None = None, memory_mb: int | None = None
) -> list[ToolSpec]:
    """The tools sharing one pool of kernels (one per thread), inside `sandbox` when given,
    each limited to `memory_mb` of address space when given."""
    pool = KernelPool(sandbox, python, memory_mb)
    return [python_spec(pool), notebook_spec(pool)]
