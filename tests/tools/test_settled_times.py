"""A look at a file's or folder's times is trusted once its last change is past the slack of
the clock that stamped it: two seconds for a time in whole seconds (FAT, ext3), a tenth of a
second for one with a fraction (tools/settled_times.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tools.settled_times import CLOCK_SLACK_NS, FINE_CLOCK_SLACK_NS, settled

SECOND = 1_000_000_000


def test_a_time_in_whole_seconds_waits_out_the_coarse_slack() -> None:
    changed = 1_764_700_000 * SECOND  # what a filesystem that keeps seconds stamps
    assert not settled(changed, changed + FINE_CLOCK_SLACK_NS + 1)
    assert not settled(changed, changed + CLOCK_SLACK_NS)
    assert settled(changed, changed + CLOCK_SLACK_NS + 1)


def test_a_time_with_a_fraction_waits_a_tenth_of_a_second() -> None:
    changed = 1_764_700_000 * SECOND + 123_456_789
    assert not settled(changed, changed + FINE_CLOCK_SLACK_NS)
    assert settled(changed, changed + FINE_CLOCK_SLACK_NS + 1)


def test_a_folder_made_now_is_trusted_within_a_fraction_of_the_coarse_slack(
    tmp_path: Path,
) -> None:
    """On this machine's filesystems (times with fractions), a fresh folder's times are trusted
    once a tenth of a second has passed: long before two seconds."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    info = os.stat(folder)
    changed = max(info.st_mtime_ns, info.st_ctime_ns)
    assert changed % SECOND != 0  # a filesystem that keeps fractions of a second
    while not settled(changed, looked := time.time_ns()):
        pass
    assert looked - changed < CLOCK_SLACK_NS
