"""What a server's processes spend, read from Linux /proc: the process tree under a pid, its
CPU seconds (user + system) and RSS, and a local PostgreSQL's CPU (bench/server_load.py)."""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """`pid` and every process below it (Linux /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def children(pid: int) -> list[int]:
    """The processes `pid` started (its `langgraph dev`), not theirs."""
    found = tree(pid)
    return [p for p in found[1:] if Path(f"/proc/{p}/stat").exists() and parent(p) == pid]


def parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLOCK_TICKS


def database_cpu_s(postmaster: int | None) -> float:
    """The database's CPU so far when it runs here: its live processes, and the connections
    that have ended (the postmaster's children's time), which a connection per use costs."""
    if postmaster is None:
        return 0.0
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return cpu_s(tree(postmaster)) + (int(fields[13]) + int(fields[14])) / CLOCK_TICKS


def postmaster_of(url: str | None) -> int | None:
    """The pid of the PostgreSQL server on this machine listening on `url`'s port, if any."""
    from urllib.parse import urlsplit

    port = urlsplit(url).port if url else None
    for cmdline in Path("/proc").glob("[0-9]*/cmdline") if port else ():
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and f"-p {port}".encode() in b" ".join(argv):
            return int(cmdline.parent.name)
    return None


def rss_mb(pids: list[int], field: str = "VmRSS") -> float:
    total = 0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in lines if line.startswith(f"{field}:"))
    return total / 1024
