"""serve-config: serve.toml's server has max_batch_size 16 and timeout_s 30, every other line
unchanged."""

import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from grading import grade

ORIGINAL = Path(__file__).resolve().parent / "files" / "serve.toml"
WANTED = {"max_batch_size": 16, "timeout_s": 30}


def judge(workspace: Path, _answer: str) -> str | None:
    path = workspace / "serve.toml"
    if not path.is_file():
        return "no serve.toml"
    text = path.read_text()
    try:
        server = tomllib.loads(text).get("server", {})
    except tomllib.TOMLDecodeError as error:
        return f"serve.toml is not TOML: {error}"
    for key, wanted in WANTED.items():
        if server.get(key) != wanted:
            return f"server.{key} is {server.get(key)!r}, not {wanted}"
    before = [x.rstrip() for x in ORIGINAL.read_text().splitlines()]
    after = [x.rstrip() for x in text.splitlines()]
    while after and not after[-1]:
        after.pop()
    if len(after) != len(before):
        return f"serve.toml has {len(after)} lines, not {len(before)}: something else changed"
    for old, new in zip(before, after, strict=True):
        if old.split("=")[0].strip() not in WANTED and new != old:
            return f"the line {old.strip()!r} was changed to {new.strip()!r}"
    return None


grade(judge)
