"""A thread written by the release before store/ and serve/ existed still opens, resumes and undoes.

The fixture was made by that release's own code (tests/fixtures/previous_release/make_db.py,
run in a checkout of commit ac5b291); a move that changed what is stored would break it here.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from langchain_core.messages import AIMessage, ToolMessage

from store.thread_index import ThreadIndex
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer, Turn

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "previous_release" / "threads.sqlite"
THREAD = "previous-release-thread"
REPO = Path(__file__).resolve().parents[2]


def old_database(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(FIXTURE, home / "threads.sqlite"))


async def test_an_old_thread_opens_resumes_and_undoes(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path
) -> None:
    old_database(isolated_home)
    llm.add(Turn(content="third answer, in the new layout"))
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, thread_id=THREAD, mode="headless") as session:
        messages = await session.messages()
        texts = [m.content for m in messages if isinstance(m, AIMessage) and m.content]
        assert texts == ["first answer from the old release", "second answer from the old release"]
        assert any(
            isinstance(m, ToolMessage) and "from-the-old-release" in str(m.content)
            for m in messages
        )
        assert (await session.values())["plan"][0]["content"] == "say hello"

        await collect(session.send("third question, new code"))
        assert (await session.messages())[-1].content == "third answer, in the new layout"
        # The request the model saw carried the old history in order.
        sent = [m.get("content") for m in llm.requests[-1]["messages"]]
        assert "first question in the old release" in sent
        assert "second question in the old release" in sent

        undo = await session.undo()
        assert undo.data["undone_message"] == "third question, new code"
        undo = await session.undo()
        assert undo.data["undone_message"] == "second question in the old release"
        last = [m.content for m in await session.messages() if isinstance(m, AIMessage)]
        assert last[-1] == "first answer from the old release"


def test_the_old_thread_is_listed_and_shown_by_the_cli(isolated_home: Path) -> None:
    old_database(isolated_home)
    with ThreadIndex(isolated_home / "threads.sqlite") as index:
        assert [t.thread_id for t in index.list()] == [THREAD]
    shown = zygote_run(
        [sys.executable, "-m", "cli", "threads", "show", THREAD],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "second answer from the old release" in shown.stdout
