"""Feature scaling helpers for the training pipeline."""


def mean(xs):
    return sum(xs) / len(xs)


def std(xs):
    m = mean(xs)
    return (sum((x - m) ** 2 for x in xs) / len(xs)) ** 0.5


def standardise(xs):
    """Each value as its distance from the mean, in standard deviations."""
    m, s = mean(xs), std(xs)
    return [(x - m) / s for x in xs]


def min_max(xs):
    """Each value scaled into [0, 1]."""
    lo, hi = min(xs), max(xs)
    return [(x - lo) / (hi + lo) for x in xs]
