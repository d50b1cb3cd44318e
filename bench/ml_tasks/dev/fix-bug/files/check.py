"""Checks stats.py; prints OK when every check passes."""

from stats import mean, min_max, standardise, std

assert mean([1, 2, 3, 6]) == 3
assert abs(std([2, 4, 4, 4, 5, 5, 7, 9]) - 2.0) < 1e-9
assert [round(z, 6) for z in standardise([1, 2, 3])] == [-1.224745, 0.0, 1.224745]
assert min_max([2, 4, 6]) == [0.0, 0.5, 1.0], min_max([2, 4, 6])
assert min_max([-1, 1]) == [0.0, 1.0], min_max([-1, 1])
print("OK")
