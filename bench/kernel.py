"""What the `python` tool's kernel costs and saves: its start, and a question about loaded data
asked through the kernel against a fresh `python -c` (what bash does) that reloads it each time.

The data: a DataFrame (pandas when installed, else a NumPy array) of `--mb` megabytes of
floats saved once as .npy. Each way asks the same question (a column's mean) `--repeats`
times; the kernel loads the data once beforehand. Kernel starts are timed on the host and,
where bubblewrap works, inside the sandbox. Times are wall-clock medians.

    uv run python bench/kernel.py [--mb 100] [--repeats 10] [--starts 5]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import PIPE

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import median, prepare_environment, print_summary, print_table, ratio

COLUMNS = 10
# What starts the fresh `python -c` (the bench's tests fork it from a warm process instead).
LAUNCH: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen


def frame_code(path: Path, pandas: bool) -> str:
    load = f"np.load({str(path)!r})"
    if pandas:
        return f"import numpy as np, pandas as pd\ndf = pd.DataFrame({load})"
    return f"import numpy as np\ndf = {load}"


def question(pandas: bool) -> str:
    return "print(float(df[0].mean()))" if pandas else "print(float(df[:, 0].mean()))"


def has_pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


async def kernel_figures(
    data: Path, pandas: bool, repeats: int, starts: int, ws: Path
) -> dict[str, float]:
    from tests.fakes.tool_calls import call_tool
    from tools.kernel.pool import KernelPool
    from tools.kernel.python import python_spec
    from tools.local.sandbox import Sandbox, sandbox_problem

    walled = sandbox_problem(Sandbox()) is None
    start_s: dict[bool, list[float]] = {False: [], True: []}
    for sandboxed in (False, True) if walled else (False,):
        for _ in range(starts):
            pool = KernelPool(Sandbox() if sandboxed else None)
            began = time.perf_counter()
            kernel, _notes = await pool.start_kernel(ws)
            start_s[sandboxed].append(time.perf_counter() - began)
            await kernel.shutdown()

    pool = KernelPool()
    tool = python_spec(pool).tool
    await call_tool(tool, {"code": frame_code(data, pandas)}, ws)
    ask, empty = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        out = await call_tool(tool, {"code": question(pandas)}, ws)
        ask.append(time.perf_counter() - began)
        assert "Error" not in out, out
        began = time.perf_counter()
        await call_tool(tool, {"code": "pass"}, ws)
        empty.append(time.perf_counter() - began)
    await pool.close()
    return {
        "start_s": median(start_s[False]),
        "sandboxed_start_s": median(start_s[True]),
        "question_ms": median(ask) * 1000,
        "empty_cell_ms": median(empty) * 1000,
    }


def fresh_process_ms(data: Path, pandas: bool, repeats: int, ws: Path) -> float:
    code = f"{frame_code(data, pandas)}\n{question(pandas)}"
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        child = LAUNCH([sys.executable, "-c", code], cwd=ws, stdout=PIPE, stderr=PIPE)
        out, err = child.communicate()
        times.append(time.perf_counter() - began)
        if child.returncode:
            raise subprocess.CalledProcessError(child.returncode, child.args, out, err)
    return median(times) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-kernel-") as folder:
        root = Path(folder)
        prepare_environment(root / "home")
        import numpy as np

        rows = args.mb * 2**20 // 8 // COLUMNS
        data = root / "data.npy"
        np.save(data, np.random.default_rng(0).random((rows, COLUMNS)))
        pandas = has_pandas()
        kernel = asyncio.run(kernel_figures(data, pandas, args.repeats, args.starts, root))
        fresh = fresh_process_ms(data, pandas, args.repeats, root)
    print_table(
        f"python tool vs `python -c`: {args.mb} MB {'DataFrame' if pandas else 'array'}, "
        f"median of {args.repeats} (kernel start: median of {args.starts})",
        [
            ("kernel start (to ready)", kernel["start_s"] * 1000),
            ("kernel start inside the sandbox", kernel["sandboxed_start_s"] * 1000),
            ("python tool: question on loaded data", kernel["question_ms"]),
            ("python tool: empty cell (overhead)", kernel["empty_cell_ms"]),
            ("python -c: load + question", fresh),
        ],
        ["what", "ms"],
    )
    print_summary(
        {
            "bench": "kernel",
            "mb": args.mb,
            "pandas": pandas,
            "repeats": args.repeats,
            "kernel_start_ms": round(kernel["start_s"] * 1000, 1),
            "sandboxed_kernel_start_ms": round(kernel["sandboxed_start_s"] * 1000, 1),
            "tool_question_ms": round(kernel["question_ms"], 1),
            "tool_empty_cell_ms": round(kernel["empty_cell_ms"], 1),
            "python_c_ms": round(fresh, 1),
            "speedup": ratio(fresh, kernel["question_ms"]),
        }
    )


if __name__ == "__main__":
    main()
