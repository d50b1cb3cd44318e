"""The model-visible texts: every snapshot in tests/snapshots, included at build time.

The page lists the snapshot files; their text is pulled in by pymdownx.snippets when the
site is built, so a changed prompt shows up without regenerating, and a new or removed
snapshot makes this page stale.
"""

from __future__ import annotations

from pathlib import Path

from docs.tooling.markdown import banner, wrap

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "snapshots"
FENCE = "`" * 8  # longer than any fence inside a prompt


def render() -> str:
    out = [
        banner("the snapshot files in tests/snapshots/"),
        "# Model-visible texts\n",
        wrap(
            "What the model reads, byte for byte as the tests pin it: the system prompts per "
            "mode and model size, the runtime note, the notes the graph adds, and the tool "
            "schemas. Each section shows one file of `tests/snapshots/`; the tests that write "
            "them say when and why each text is sent."
        )
        + "\n",
    ]
    for path in sorted(SNAPSHOTS.iterdir()):
        if path.suffix not in {".md", ".json"}:
            continue
        lang = "json" if path.suffix == ".json" else "text"
        out.append(f"## `{path.name}`\n")
        out.append(f'{FENCE}{lang}\n--8<-- "tests/snapshots/{path.name}"\n{FENCE}\n')
    return "\n".join(out)
