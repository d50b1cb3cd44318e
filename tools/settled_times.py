"""Whether a file's or folder's last change is old enough that any change after a look shows
in its times: what lets tools/real_places.py and tools/secrets/sources.py keep what they saw.

A filesystem stamps a change with a coarse clock, so a second change in the same tick as the
first keeps the same time. A time seen more than one tick in the past is safe: any later change
gets a later one. The tick is the filesystem's: one or two seconds where times are kept to the
second (FAT, ext3's small inodes, HFS+), the kernel's clock tick (10 ms at most) or finer where
they keep fractions of a second (ext4, XFS, Btrfs, tmpfs, APFS, NTFS). A time with no fraction
is taken as the coarse kind; on the others, that happens once in a billion changes.

Why: fresh folders were resolved anew on every call for two seconds (docs/lab/2026-12-03.md).
"""

from __future__ import annotations

CLOCK_SLACK_NS = 2_000_000_000  # times kept to the second: FAT's are 2 s apart
FINE_CLOCK_SLACK_NS = 100_000_000  # times with a fraction: ten of the coarsest kernel ticks
_SECOND_NS = 1_000_000_000


def settled(changed_ns: int, looked_ns: int) -> bool:
    """True when a change stamped `changed_ns` (an mtime or ctime) is more than its clock's
    slack before `looked_ns` (`time.time_ns()` when it was looked at): `CLOCK_SLACK_NS` for a
    time in whole seconds, else `FINE_CLOCK_SLACK_NS`, never more than `CLOCK_SLACK_NS`."""
    whole = changed_ns % _SECOND_NS == 0
    slack = CLOCK_SLACK_NS if whole else min(FINE_CLOCK_SLACK_NS, CLOCK_SLACK_NS)
    return looked_ns - changed_ns > slack
