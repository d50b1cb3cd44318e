"""shifted-labels: the fixed train.py learns (>= 0.9 on fresh easy data, near chance on noise)."""

import csv
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade

ORIGINAL = Path(__file__).resolve().parent / "files" / "data.csv"


def write_data(path: Path, seed: int, *, noise: bool = False) -> None:
    """Two well-separated clusters in random order (`noise`: labels at random)."""
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["x1", "x2", "label"])
        for _ in range(200):
            label = rng.choice("ab")
            centre = 0.0 if label == "a" else 3.0
            shown = rng.choice("ab") if noise else label
            out.writerow([round(rng.gauss(centre, 1), 3), round(rng.gauss(centre, 1), 3), shown])


def accuracy(script: Path, seed: int, *, noise: bool = False) -> float | None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "train.py").write_bytes(script.read_bytes())
        write_data(Path(tmp) / "data.csv", seed, noise=noise)
        run = subprocess.run([sys.executable, "train.py"], cwd=tmp, capture_output=True,
                             text=True, timeout=60)  # fmt: skip
    found = re.findall(r"accuracy:\s*([0-9.]+)", run.stdout)
    return float(found[-1]) if found else None


def judge(workspace: Path, _answer: str) -> str | None:
    if (workspace / "data.csv").read_bytes() != ORIGINAL.read_bytes():
        return "data.csv was changed"
    script = workspace / "train.py"
    fresh = accuracy(script, 7)
    if fresh is None or fresh < 0.9:
        return f"train.py gives accuracy {fresh} on fresh data"
    noise = accuracy(script, 8, noise=True)
    if noise is None or noise > 0.75:
        return f"train.py claims accuracy {noise} on random labels: it does not measure"
    return None


if __name__ == "__main__":
    grade(judge)
