"""The hf_papers tool's own texts (tools/hub/papers.py, papers_text.py, arxiv_html.py): Hugging
Face's paper pages, a paper read by sections, the repos citing it."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

NEEDS_ARXIV_ID = "This operation needs `arxiv_id`, e.g. '2401.00001'."
MORE_AUTHORS = " +{count} more"  # after the authors named
PAPER_LINE = "- {id} · {title} · ▲{upvotes} · {date}\n  {summary}"
DETAILS = "# {title} ({id})\n{url}\nauthors: {authors}"
PUBLISHED = "published {date} · ▲{upvotes} upvotes"
GITHUB = "github {repo}"  # the links, joined by " · "
PROJECT = "project {url}"
KEYWORDS = "keywords: {keywords}"
LINKED_MODELS = "linked models ({count}): {ids}"
LINKED_DATASETS = "linked datasets ({count}): {ids}"
ABSTRACT = "abstract: {text}"
NO_SECTION = "No section {section!r} in {id}. Sections: {titles}."
CONTENTS = "# {id}: table of contents ({chars:,} chars in all)"  # then a line per section
CONTENTS_LINE = "{indent}- {title} ({chars:,} chars)"
READ_A_SECTION = "Read one section with operation='read', section='<number or title>'."
NEEDS_QUERY = "{operation} needs `query`: the words to look for."
PAGE = "{count} {what}{start}:"  # then a line per paper
FROM = " (from #{first})"  # {start}, past the first page
HUB_FAILED = "Hugging Face search failed"  # {why}
NONE_ON_HUB = "No papers on Hugging Face match {query!r}"  # {why}
PAPERS_FOR = "papers for {query!r}"  # {what}
HUB_ERROR = " ({error})"  # {said}, after HUB_FAILED
BOTH_FAILED = "{why}{said}; Semantic Scholar failed too: {error}"
NOWHERE = "No papers match {query!r} on Hugging Face or Semantic Scholar. Try other words."
SCHOLAR_INSTEAD = "{why}; from Semantic Scholar instead:\n{page}"
NO_DAILY = "No daily papers for {date}."
NO_DAILY_TODAY = "No daily papers for today."
DAILY = "daily papers {date}"  # {what}
DAILY_LATEST = "daily papers (latest)"  # {what}
NO_HUB_PAGE = "(No Hugging Face page for {id}; from Semantic Scholar.)\n{card}"
READ_NEEDS_ID = (
    "read needs `arxiv_id`: an arXiv id like '2401.00001' (operation='details' shows "
    "whether a paper has one)."
)
NO_CITING = "No {kind} on the Hub cite arXiv {id}."  # {kind}: models or datasets
CITING_LINE = "- {id} · ↓{downloads:,} · ♥{likes}"
CITING = "{count} {kind} citing arXiv {id}:"
# arXiv's HTML (tools/hub/arxiv_html.py), when the Hub has no text of a paper
ARXIV_SLOW = "{action} failed: arXiv did not answer in time. Retry."
ARXIV_UNREACHABLE = (
    "{action} failed: could not reach arXiv ({error}). Check the network or ARXIV_URL."
)
NO_TEXT = (
    "Neither the Hub nor arXiv has a readable text of {id} (no HTML at {url}). "
    "Use operation='details' for its abstract, or the PDF {pdf}."
)
ARXIV_STATUS = (
    "{action} failed: arXiv answered {status}. Retry later, or use operation='details' for the "
    "abstract."
)
READING = "Reading {url}"  # {action}


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "hf_papers": (
        NEEDS_ARXIV_ID,
        MORE_AUTHORS,
        PAPER_LINE,
        DETAILS,
        PUBLISHED,
        GITHUB,
        PROJECT,
        KEYWORDS,
        LINKED_MODELS,
        LINKED_DATASETS,
        ABSTRACT,
        NO_SECTION,
        CONTENTS,
        CONTENTS_LINE,
        READ_A_SECTION,
        NEEDS_QUERY,
        PAGE,
        FROM,
        HUB_FAILED,
        NONE_ON_HUB,
        PAPERS_FOR,
        HUB_ERROR,
        BOTH_FAILED,
        NOWHERE,
        SCHOLAR_INSTEAD,
        NO_DAILY,
        NO_DAILY_TODAY,
        DAILY,
        DAILY_LATEST,
        NO_HUB_PAGE,
        READ_NEEDS_ID,
        NO_CITING,
        CITING_LINE,
        CITING,
        ARXIV_SLOW,
        ARXIV_UNREACHABLE,
        NO_TEXT,
        ARXIV_STATUS,
        READING,
    ),
}
