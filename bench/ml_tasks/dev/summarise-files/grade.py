"""summarise-files: every .txt file is named, followed by something of what it says."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade

SAYS = {
    "apples": ("tree", "red", "green"),
    "boats": ("float", "displace"),
    "clouds": ("droplet", "water"),
    "drums": ("sound", "vibrat", "skin"),
}


def judge(_workspace: Path, answer: str) -> str | None:
    text = answer.lower()
    starts = sorted((text.find(name), name) for name in SAYS if name in text)
    ends = [s for s, _ in starts[1:]] + [len(text)] * bool(starts)
    said = {
        name
        for (start, name), end in zip(starts, ends, strict=True)
        if any(w in text[start:end] for w in SAYS[name])
    }
    missing = [name for name in SAYS if name not in said]
    return f"not named and summarised: {', '.join(missing)}" if missing else None


grade(judge)
