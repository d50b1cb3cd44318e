"""A kernel's memory: the address-space limit it starts under, and what its processes use."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Sets RLIMIT_AS, then becomes the command: no shell, no dependency (prlimit may be absent).
_LIMIT_SHIM = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_AS, (n, n)); os.execvp(sys.argv[2], sys.argv[2:])"
)


def limited(memory_mb: int) -> list[str]:
    """The argv prefix that runs a command with at most `memory_mb` MiB of address space."""
    return [sys.executable, "-I", "-S", "-c", _LIMIT_SHIM, str(memory_mb * 2**20)]


def group_rss(pgid: int) -> int | None:
    """The summed resident memory of the processes in group `pgid` (from /proc), or None."""
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    total, found = 0, False
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
            found = True
        except (OSError, ValueError, IndexError):
            continue
    return total if found else None
