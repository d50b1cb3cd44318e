"""Drive one Session turn in its own process and print its events as JSON lines.

Used by tests that kill the process mid-run and reopen the thread in another one:

    python -m tests.fakes.run_session --thread T --api-base URL --workspace DIR [--prompt TEXT]

Without --prompt it finishes the thread's unfinished run (`continue_pending`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import configs  # noqa: F401  (offline litellm settings before anything imports it)


async def run(args: argparse.Namespace) -> int:
    from tests.fakes.agent import fast_settings, open_session

    settings = fast_settings(args.api_base)
    async with open_session(
        settings, Path(args.workspace), thread_id=args.thread, mode="headless"
    ) as session:
        events = session.send(args.prompt) if args.prompt else session.continue_pending()
        async for event in events:
            print(json.dumps(event.to_dict(), default=str), flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--thread", required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--prompt")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
