"""Run: python3 test_chunking.py (prints "all tests passed")."""

from chunking import chunk, count_tokens


def test_windows_overlap_and_reach_the_end() -> None:
    assert chunk(list(range(10)), 4, 1) == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    assert chunk(list(range(11)), 4, 1) == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9], [9, 10]]


def test_no_overlap() -> None:
    assert chunk(list(range(8)), 4, 0) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_short_document_is_one_window() -> None:
    assert chunk([7, 8, 9], 4, 2) == [[7, 8, 9]]
    assert chunk([7, 8, 9, 10], 4, 2) == [[7, 8, 9, 10]]


def test_every_token_is_kept() -> None:
    for n in range(1, 40):
        windows = chunk(list(range(n)), 6, 2)
        assert sorted({t for w in windows for t in w}) == list(range(n)), n
        assert all(len(w) == 6 for w in windows[:-1]), n
    assert count_tokens(chunk(list(range(10)), 4, 1)) == 12


def test_bad_overlap() -> None:
    try:
        chunk([1, 2, 3], 2, 2)
    except ValueError:
        return
    raise AssertionError("overlap == size must raise ValueError")


if __name__ == "__main__":
    for name, test in list(globals().items()):
        if name.startswith("test_"):
            test()
    print("all tests passed")
