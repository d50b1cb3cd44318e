"""1-nearest-neighbour baseline on data.csv: trains on 80% of the rows, prints the test accuracy."""

import csv
import random

with open("data.csv", newline="") as handle:
    rows = [
        (tuple(float(r[k]) for k in ("f1", "f2", "f3")), r["label"]) for r in csv.DictReader(handle)
    ]

random.Random(0).shuffle(rows)
cut = int(0.8 * len(rows))
train = rows[:cut]
test = rows[-cut:]


def predict(x: tuple[float, ...]) -> str:
    nearest = min(train, key=lambda row: sum((a - b) ** 2 for a, b in zip(row[0], x, strict=True)))
    return nearest[1]


accuracy = sum(predict(x) == y for x, y in test) / len(test)
print(f"test accuracy: {accuracy:.3f}")
