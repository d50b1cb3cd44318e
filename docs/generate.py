"""Write the docs site's generated pages: `uv run python -m docs.generate` (`--check`: only
say which are stale). The pages come from the code (the typer apps, the Settings model, the
tool catalogue, the prompt snapshots) and from bench/results (via bench.report)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402
from docs.tooling import (  # noqa: E402
    adaptations_page,
    cli_page,
    config_page,
    texts_page,
    tools_page,
)
from docs.tooling.markdown import REGENERATE  # noqa: E402

REFERENCE = ROOT / "docs" / "reference"
PAGES: dict[Path, Callable[[], str]] = {
    REFERENCE / "cli.md": cli_page.render,
    REFERENCE / "config.md": config_page.render,
    REFERENCE / "tools.md": tools_page.render,
    REFERENCE / "texts.md": texts_page.render,
    REFERENCE / "adaptations.md": adaptations_page.render,
}


def expected() -> dict[Path, str]:
    """Every generated file as the code gives it now (the README's table included)."""
    return {**{path: render() for path, render in PAGES.items()}, **report.rendered()}


def stale() -> list[Path]:
    return report.stale_files(expected())


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    return report.write_or_check(expected(), check="--check" in args, regenerate=REGENERATE)


if __name__ == "__main__":
    raise SystemExit(main())
