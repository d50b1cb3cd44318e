"""A name the agent chose, on one readable line: how every report shows a path.

A file name can hold a newline (a forged line of its own), a terminal escape (colour, a
moved cursor, a rewritten title) or a right-to-left mark. `shown` escapes every character
that is not printable, and bytes that are not UTF-8, the way Python's repr does; printable
text (accents, other scripts, a backslash) is kept as it is, so `shown` is idempotent and a
front end may apply it again to what a server already escaped.
"""

from __future__ import annotations


def shown(name: str) -> str:
    """`name` with control characters, marks and undecodable bytes escaped (``\\n``,
    ``\\x1b``, ``\\u202e``, ``\\xe9``).

    >>> shown("evil\\n\\x1b[31m.txt")
    'evil\\\\n\\\\x1b[31m.txt'
    """
    raw = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw)
