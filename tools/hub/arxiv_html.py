"""A paper's arXiv HTML rendering as markdown, for papers whose Hub page has no markdown.

arXiv renders LaTeX to HTML with LaTeXML (``{ARXIV_URL}/html/{id}``, ``ARXIV_URL`` defaulting
to https://arxiv.org): sections are ``<section class="ltx_section">`` titled by
``<h2 class="ltx_title ltx_title_section">``, subsections ``ltx_subsection``, the abstract
``<div class="ltx_abstract">`` with an ``ltx_title_abstract`` heading, and maths carries its
TeX in ``alttext``. The heading levels come from those classes (``#`` title, ``##`` abstract,
sections, appendices and references, ``###`` subsections), so the markdown splits into
sections the same way as the Hub's. The page's declared charset is honoured (header, else its
``<meta>``); no credentials are sent. bs4 and markdownify are imported on use only.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from langchain_core.tools import ToolException

from tools.hub.scholar import external_client
from tools.result_texts import hub_papers as texts
from tools.result_texts import tool_text

if TYPE_CHECKING:
    from bs4 import Tag

DEFAULT_ARXIV = "https://arxiv.org"
TIMEOUT_S = 30.0
_LEVELS = {
    "ltx_title_document": 1,
    "ltx_title_abstract": 2,
    "ltx_title_chapter": 2,
    "ltx_title_section": 2,
    "ltx_title_appendix": 2,
    "ltx_title_bibliography": 2,
    "ltx_title_acknowledgements": 2,
    "ltx_title_subsection": 3,
    "ltx_title_subsubsection": 4,
}
_JUNK = (
    "script, style, nav, header, footer, button, img, svg, .ltx_page_header, "
    ".ltx_page_footer, .ltx_authors, .ltx_dates, .ltx_role_pagination"
)


def arxiv_url() -> str:
    return (os.environ.get("ARXIV_URL") or DEFAULT_ARXIV).rstrip("/")


async def arxiv_markdown(arxiv_id: str) -> str:
    """The paper at {ARXIV_URL}/html/{arxiv_id} as markdown; failures as one sentence."""
    import httpx

    url = f"{arxiv_url()}/html/{arxiv_id}"
    action = tool_text("hf_papers", texts.READING, url=url)
    async with external_client(TIMEOUT_S) as client:
        try:
            response = await client.get(url)
        except httpx.TimeoutException:
            raise ToolException(tool_text("hf_papers", texts.ARXIV_SLOW, action=action)) from None
        except httpx.HTTPError as exc:
            error = type(exc).__name__
            raise ToolException(
                tool_text("hf_papers", texts.ARXIV_UNREACHABLE, action=action, error=error)
            ) from None
    if response.status_code == 404:
        pdf = f"{arxiv_url()}/pdf/{arxiv_id}"
        raise ToolException(tool_text("hf_papers", texts.NO_TEXT, id=arxiv_id, url=url, pdf=pdf))
    if response.status_code >= 400:
        status = response.status_code
        raise ToolException(
            tool_text("hf_papers", texts.ARXIV_STATUS, action=action, status=status)
        )
    return html_to_markdown(response.content, response.charset_encoding)


def html_to_markdown(page: bytes | str, charset: str | None = None) -> str:
    """LaTeXML HTML as markdown: headings by section class, maths as $TeX$, no page chrome."""
    from bs4 import BeautifulSoup
    from markdownify import markdownify

    if isinstance(page, bytes):
        soup = BeautifulSoup(page, "html.parser", from_encoding=charset)
    else:
        soup = BeautifulSoup(page, "html.parser")
    root = soup.find("article") or soup.body or soup
    for junk in root.select(_JUNK):
        junk.decompose()
    for math in root.find_all("math"):
        tex = math.get("alttext") or math.get_text(" ", strip=True)
        fence = "$$" if math.get("display") == "block" else "$"
        math.replace_with(f"{fence}{tex}{fence}")
    for equation in root.select("table.ltx_equation, table.ltx_equationgroup"):
        equation.name = "p"
        equation.string = " ".join(equation.get_text(" ").split())
    for heading in root.find_all(re.compile(r"^h[1-6]$")):
        _retitle(heading)
    text = markdownify(
        str(root),
        heading_style="ATX",
        strip=["a"],
        escape_underscores=False,
        escape_asterisks=False,
        escape_misc=False,
    )
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


def _retitle(heading: Tag) -> None:
    """A heading at the level its LaTeXML class says, on one line; other titles as text."""
    classes: Any = heading.get("class") or []
    text = " ".join(heading.get_text(" ").split())
    levels = [_LEVELS[c] for c in classes if c in _LEVELS]
    if levels:
        heading.name = f"h{levels[0]}"
    elif any(str(c).startswith("ltx_title") for c in classes):
        heading.name = "p"  # theorem, proof, paragraph titles: text, not sections
    else:
        heading.name = f"h{min(int(heading.name[1]), 4)}"
    heading.string = text
