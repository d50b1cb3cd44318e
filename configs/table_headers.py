"""The tables of a workspace listing with their columns, for the programs suggested from them."""

from __future__ import annotations

import re

from configs.suggested_paths import plain

# A listing line (tools/local/workspace_listing.py): `train.csv 9.4 kB, first line: id,x1,label`.
_HEADER = re.compile(r"^(\S+\.csv) [^,\n]*, first line: (.+)$", re.M)


def table_headers(files: str) -> dict[str, list[str]]:
    """Each table `files` lists under a name that is plain code, with its first line's columns."""
    return {
        name: [column.strip() for column in line.split(",")]
        for name, line in _HEADER.findall(files)
        if plain(name)
    }
