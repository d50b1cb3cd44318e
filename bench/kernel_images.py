"""What putting figures in a request costs: `nodes.tool_images.with_images` reading, scaling
and encoding the most recent figures of a history (PROMPT_IMAGES of them) each time a request
is built, for small plots (640x480, matplotlib's default) and large ones (2000x1000, scaled
to fit MAX_SIDE), noise-filled (the worst case for PNG). The first build encodes each figure;
later ones reuse that. Times are wall-clock: the first build, then the median of the others.

    uv run python bench/kernel_images.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import median, print_summary


def history(workspace: Path, size: tuple[int, int], count: int) -> list:
    import numpy as np
    from langchain_core.messages import AIMessage, ToolMessage
    from PIL import Image

    from tools.kernel.figures import FIGURES

    folder = workspace / FIGURES
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    messages: list = []
    for n in range(count):
        name = f"{n:010x}-1.png"
        pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)  # a busy plot
        Image.fromarray(pixels).save(folder / name)
        call = {"name": "python", "args": {"code": "plot()"}, "id": f"p{n}"}
        messages += [
            AIMessage(content="", tool_calls=[call]),
            ToolMessage(
                content="[image saved]", tool_call_id=f"p{n}", artifact={"figures": [name]}
            ),
        ]
    return messages


async def timed(messages: list, workspace: Path, repeats: int) -> tuple[float, float]:
    from configs.model_profile import profile_of
    from nodes.tool_images import with_images

    profile = profile_of("openai/gpt-4o", env={})
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        await with_images(messages, profile, workspace)
        times.append(time.perf_counter() - began)
    return times[0], median(times[1:])  # the first encodes; the others reuse it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from nodes.tool_images import PROMPT_IMAGES

    print(f"load average {os.getloadavg()[0]:.1f}, {args.repeats} repeats, medians")
    summary: dict[str, object] = {"bench": "kernel_images", "repeats": args.repeats}
    for size in ((640, 480), (2000, 1000)):
        with tempfile.TemporaryDirectory() as folder:
            workspace = Path(folder)
            messages = history(workspace, size, PROMPT_IMAGES)
            first, then = asyncio.run(timed(messages, workspace, args.repeats))
        print(
            f"{PROMPT_IMAGES} figures of {size[0]}x{size[1]}: first request {first * 1000:.0f} ms, "
            f"then {then * 1000:.0f} ms a request"
        )
        summary[f"{size[0]}x{size[1]}"] = {"first_ms": first * 1000, "then_ms": then * 1000}
    print_summary(summary)


if __name__ == "__main__":
    main()
