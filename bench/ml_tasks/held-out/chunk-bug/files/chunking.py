"""Split a tokenised document into overlapping windows for a model with a short context."""


def chunk(tokens: list[int], size: int, overlap: int) -> list[list[int]]:
    """Windows of `size` tokens; each starts `size - overlap` tokens after the previous one.

    Every token is in at least one window; the last window may be shorter than `size`.
    """
    if not 0 <= overlap < size:
        raise ValueError("overlap must be at least 0 and smaller than size")
    step = size - overlap
    return [tokens[start : start + size] for start in range(0, len(tokens) - size, step)]


def count_tokens(windows: list[list[int]]) -> int:
    """How many tokens the windows hold, overlaps counted once per window."""
    return sum(len(window) for window in windows)
