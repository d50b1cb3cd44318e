"""eval-on-train: the fixed evaluate.py scores unseen rows (>= 0.8 on fresh data, near chance on
random labels, where scoring training rows gives more than 0.8)."""

import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade, run_with

ORIGINAL = Path(__file__).resolve().parent / "files" / "data.csv"


def data(seed: int, *, noise: bool = False) -> bytes:
    """250 rows of two separable classes in random order (`noise`: the labels at random)."""
    rng = random.Random(seed)
    lines = ["f1,f2,f3,label"]
    for _ in range(250):
        label = rng.choice(["spam", "ham"])
        centre = 0.0 if label == "ham" else 2.5
        shown = rng.choice(["spam", "ham"]) if noise else label
        point = (rng.gauss(centre, 1), rng.gauss(centre, 1), rng.gauss(0, 1))
        lines.append(",".join(f"{v:.3f}" for v in point) + f",{shown}")
    return ("\n".join(lines) + "\n").encode()


def accuracy(script: Path, seed: int, *, noise: bool = False) -> float | None:
    run = run_with({"evaluate.py": script.read_bytes(), "data.csv": data(seed, noise=noise)},
                   "evaluate.py")  # fmt: skip
    found = re.findall(r"accuracy:\s*([0-9.]+)", run.stdout)
    return float(found[-1]) if found else None


def judge(workspace: Path, _answer: str) -> str | None:
    if (workspace / "data.csv").read_bytes() != ORIGINAL.read_bytes():
        return "data.csv was changed"
    script = workspace / "evaluate.py"
    fresh = accuracy(script, 21)
    if fresh is None or fresh < 0.8:
        return f"evaluate.py gives accuracy {fresh} on fresh separable data"
    noise = accuracy(script, 22, noise=True)
    if noise is None or noise > 0.7:
        return f"evaluate.py claims accuracy {noise} on random labels: it scores seen rows"
    return None


if __name__ == "__main__":
    grade(judge)
