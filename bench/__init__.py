"""Benchmarks: `uv run python bench/loop.py`, `bench/startup.py`, `bench/threads.py`."""
